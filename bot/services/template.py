"""The template every service follows, written once: open a unit of work, run the action's
body, commit when it returns (or, for a query, never).

    @action
    def claim_ticket(tx: Tx, number: int, volunteer_tg: int) -> Ticket: ...

    claim_ticket(deps, number, volunteer_tg)          # its own transaction
    claim_ticket.within(tx, number, volunteer_tg)     # inside the caller's (no commit)

Any exception, a DomainError included, leaves the transaction uncommitted: the unit of work
rolls back unless committed (storage/db.py). A body that must decide for itself (catch an
IntegrityError at its own commit, roll back a lost race) uses `tx.uow`; committing twice costs
nothing, the second commit has nothing to send.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Concatenate, Generic, ParamSpec, TypeVar

from storage.db import Session, UnitOfWork
from storage.inbox import reply_from

if TYPE_CHECKING:
    from bot.classify import Classifier
    from bot.config import Config
    from bot.services.deps import Deps

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class Tx:
    """What one transaction of one action needs: its unit of work and session, the config,
    one moment (`now`, read once from the clock), and the classifier and the block list's key,
    fetched from the Deps when first asked for."""

    deps: Deps
    uow: UnitOfWork
    now: datetime

    @property
    def session(self) -> Session:
        return self.uow.session

    @property
    def config(self) -> Config:
        return self.deps.config

    @functools.cached_property
    def classifier(self) -> Classifier:
        """One classifier for the whole action, as config.toml is now."""
        return self.deps.classifier

    @functools.cached_property
    def key(self) -> bytes:
        """The key of the blocked residents' hashes (bot/services/abuse.py)."""
        return self.deps.key()


class Action(Generic[P, R]):
    """A service: called with a Deps, it runs its body in a unit of work of its own."""

    def __init__(self, body: Callable[Concatenate[Tx, P], R], *, commits: bool) -> None:
        self._body = body
        self._commits = commits
        functools.update_wrapper(self, body)

    def __call__(self, deps: Deps, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with deps.uows() as uow:
            result = self._body(Tx(deps, uow, deps.clock.now()), *args, **kwargs)
            if self._commits:
                reply_from(result)  # a reply promised from the result is owed with it
                uow.commit()
            return result

    def within(self, tx: Tx, /, *args: P.args, **kwargs: P.kwargs) -> R:
        """The body inside the caller's transaction: the caller commits or rolls back."""
        return self._body(tx, *args, **kwargs)


def action(body: Callable[Concatenate[Tx, P], R]) -> Action[P, R]:
    """A service that changes something: committed when the body returns."""
    return Action(body, commits=True)


def query(body: Callable[Concatenate[Tx, P], R]) -> Action[P, R]:
    """A service that only reads (a view, a check before asking a question): never commits."""
    return Action(body, commits=False)
