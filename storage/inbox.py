"""The inbox: Telegram's updates, stored before they are acknowledged (issue 13 §1).

The poller (bot/app/polling.py) stores each batch it fetched in one transaction and only then
asks Telegram for the next one (which acknowledges the batch). While an update is handled,
`handling(update_id)` marks the context: every unit of work that commits in it also marks the
update done, in the same transaction as its effects (storage/db.py, UnitOfWork.commit). An
update that wrote nothing is marked done with the next batch (`store_batch(done=…)`).

A redelivered update that is done is not handled again; one stored but not done (the process
died while handling it) is handled first on the next start, in update order.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, insert, null, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from storage.models import InboxUpdate, Outbox

_INBOX: Table = InboxUpdate.__table__  # type: ignore[attr-defined]


class AlreadyHandled(Exception):
    """The update was marked done by another process (or an earlier run) meanwhile: this
    handling's effects must not be committed a second time."""


@dataclass
class InboxMark:
    """The update a task is handling, and the clock its done mark is dated by; `done` once a
    commit marked it. `reply`: the reply its handler will give once the service it is about
    to call stored its effects, owed by that service's commit, the next one (an outbox row:
    UnitOfWork.commit writes it and sets `reply_row`)."""

    update_id: int
    now: Callable[[], datetime]
    done: bool = False
    reply: Outbox | None = None
    reply_row: int | None = None
    # A reply that depends on what the service found: made from its result just before its
    # commit (bot/services/template.py calls reply_from), None for no reply.
    reply_for: Callable[[Any], Outbox | None] | None = None


_HANDLING: contextvars.ContextVar[InboxMark | None] = contextvars.ContextVar(
    "inbox_handling", default=None)


@contextmanager
def handling(update_id: int | None,
             now: Callable[[], datetime]) -> Iterator[InboxMark | None]:
    """While the block runs, commits mark `update_id` done (None: nothing is marked)."""
    mark = InboxMark(update_id, now) if update_id is not None else None
    token = _HANDLING.set(mark)
    try:
        yield mark
    finally:
        _HANDLING.reset(token)


def current_mark() -> InboxMark | None:
    return _HANDLING.get()


def reply_from(result: Any) -> None:
    """Before the commit of a service that returned `result`: the reply promised from it."""
    mark = _HANDLING.get()
    if mark is not None and mark.reply_for is not None:
        mark.reply = mark.reply_for(result)


# One statement for every done mark: the raw update goes with it.
_MARK_DONE = (
    update(_INBOX)
    .where(_INBOX.c.update_id == bindparam("uid"), _INBOX.c.done_at.is_(None))
    .values(done_at=bindparam("marked_at"), payload=null(), failed=bindparam("was_failed"))
)


def mark_done_now(session: Session, mark: InboxMark) -> None:
    """In the session's transaction: the update is done. AlreadyHandled when it was done
    already (two processes took it): the caller's transaction must roll back."""
    marked = session.connection().execute(
        _MARK_DONE, {"uid": mark.update_id, "marked_at": mark.now(), "was_failed": False})
    if marked.rowcount == 0:
        raise AlreadyHandled(f"update {mark.update_id} was handled already")


@dataclass(frozen=True)
class Stored:
    """One update as the poller stores it."""

    update_id: int
    chat_id: int | None
    user_id: int | None
    payload: dict[str, Any]


def _insert_ignoring_known(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(_INBOX).on_conflict_do_nothing(index_elements=["update_id"])
    if dialect == "sqlite":
        return sqlite.insert(_INBOX).on_conflict_do_nothing(index_elements=["update_id"])
    return insert(_INBOX)  # pragma: no cover - the two databases the bot runs on


def store_batch(session: Session, batch: Sequence[Stored], now: datetime,
                done: Iterable[tuple[int, bool]] = (),
                held_until: datetime | None = None) -> list[int]:
    """Store a fetched batch (updates already stored are left as they are) and mark `done`
    (update id, failed) those handled since without a commit of their own. The ids of the
    batch stored now: the ones to handle. `held_until`: the new rows are claimed by the
    process storing them until then (a webhook replica, which renews the claim while it
    handles them: hold_longer)."""
    finished = list(done)
    if finished:
        session.connection().execute(_MARK_DONE, [
            {"uid": uid, "marked_at": now, "was_failed": failed} for uid, failed in finished])
    if not batch:
        return []
    # Only the rows this INSERT made come back: an update stored before (a redelivery after
    # a crash) is the recovery's to handle (claim_undone), never queued twice.
    inserted = session.connection().execute(
        _insert_ignoring_known(session).returning(_INBOX.c.update_id),
        [{"update_id": s.update_id, "chat_id": s.chat_id, "user_id": s.user_id,
          "payload": s.payload, "received_at": now, "failed": False,
          "claimed_until": held_until} for s in batch],
    ).scalars().all()
    return sorted(int(i) for i in inserted)


def claim_undone(session: Session, now: datetime, until: datetime,
                 received_before: datetime, *, respect_claims: bool = True
                 ) -> list[tuple[int, dict[str, Any] | None]]:
    """Updates not done whose claim ran out (the process holding them stopped renewing it),
    or never claimed and stored by `received_before`, held until `until`, oldest first: what
    a crash left half-handled. One statement, so two replicas recovering at once never take
    the same update. Without `respect_claims` (one process: its own earlier runs made them)
    every undone one stored by `received_before` is taken."""
    unclaimed = _INBOX.c.received_at <= received_before
    free = or_(_INBOX.c.claimed_until < now,
               and_(_INBOX.c.claimed_until.is_(None), unclaimed)) \
        if respect_claims else unclaimed
    rows = session.connection().execute(
        update(_INBOX)
        .where(_INBOX.c.done_at.is_(None), free)
        .values(claimed_until=until)
        .returning(_INBOX.c.update_id, _INBOX.c.payload)
    ).all()
    return sorted((int(uid), payload) for uid, payload in rows)


def hold_longer(session: Session, update_ids: Sequence[int], until: datetime) -> list[int]:
    """Renew this process's claim on updates it is handling; the ids still not done (the
    others need no claim any more)."""
    if not update_ids:
        return []
    held = session.connection().execute(
        update(_INBOX)
        .where(_INBOX.c.update_id.in_(list(update_ids)), _INBOX.c.done_at.is_(None))
        .values(claimed_until=until)
        .returning(_INBOX.c.update_id)
    ).scalars().all()
    return sorted(int(i) for i in held)


def purge_done(session: Session, before: datetime) -> int:
    """Forget updates done before `before` (kept a while to recognise a redelivery)."""
    result = session.connection().execute(
        delete(_INBOX).where(_INBOX.c.done_at.is_not(None), _INBOX.c.done_at < before))
    return int(result.rowcount or 0)


def erase_user(session: Session, user_id: int) -> None:
    """/forgetme: the person's raw updates go (decisions 14); the ids of done ones stay."""
    session.connection().execute(
        update(_INBOX).where(_INBOX.c.user_id == user_id)
        .values(payload=null(), user_id=None, chat_id=None))
