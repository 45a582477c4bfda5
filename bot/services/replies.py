"""Owed replies a handler delivers itself, and the marks that say so (issue 13 §1).

A reply owed in the transaction of the update it answers (a new draft's preview, the receipt)
is born leased to its handler for REPLY_GRACE (bot/services/notices.py). The handler sends it
at once, in the person's chat, and tells HeldReplies; the row is then marked sent a moment
later, together with every other reply delivered meanwhile, in one statement. One mark per
reply would be one more transaction on every submission (issue 12's budget); a crash between
a delivery and its mark leaves the row held, and the sender sends it again once the grace is
over: only replies of the last moment before a crash can reach a person twice, each at most
once more (decisions 4). A receipt sent again is an edit to the same text, which Telegram
refuses as "not modified": the resident sees it once.

A reply the handler could not deliver (Telegram refused it, or did not answer) is released at
once instead: the sender takes it now, paced and retried, rather than after the grace.

Other replies that follow a change (已撤回, 已退回, 已结案, a question asked…) are promised by
their handler just before the service runs (promise_reply_from): that
service's commit writes the reply's row too (and the update's done mark, if it is the first),
and the handler delivers it as above.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.services.notices import REPLY_GRACE
from bot.services.template import Tx, action
from bot.texts.render import Button, Keyboard, Out
from storage.inbox import current_mark
from storage.models import Outbox, new_row
from storage.outbox import mark_delivered, release_held

if TYPE_CHECKING:
    from bot.services.deps import Deps

log = logging.getLogger(__name__)

# How long a handler tries to deliver an owed reply itself before it leaves it to the outbox:
# well inside the row's REPLY_GRACE, so the handler and the sender never both send it (a send
# still waiting for its slot when the time is up is called off; the outbox sends it).
HANDLER_DEADLINE = REPLY_GRACE.total_seconds() / 2
_DELIVERING: contextvars.ContextVar[bool] = contextvars.ContextVar("delivering_owed",
                                                                   default=False)


@contextlib.contextmanager
def owed_delivery() -> Iterator[None]:
    """While a handler delivers an owed reply: the rate limiter does not retry a 429 or a
    5xx on it (scheduler/limiter.py); the outbox, which waits out retry_after itself, does."""
    token = _DELIVERING.set(True)
    try:
        yield
    finally:
        _DELIVERING.reset(token)


def delivering_owed() -> bool:
    return _DELIVERING.get()


# How often, at most, the marks are written while replies are being delivered: at 100
# residents a second, a few statements a second instead of a hundred transactions.
FLUSH_EVERY = 0.5


class HeldReplies:
    """Replies delivered (or given up on) by their handlers, waiting for their marks."""

    def __init__(self, every: float = FLUSH_EVERY) -> None:
        self.every = every
        self._delivered: list[tuple[int, int | None]] = []
        self._released: list[int] = []
        self._due = asyncio.Event()

    def delivered(self, row_id: int, message_id: int | None) -> None:
        """The handler sent the reply of outbox row `row_id` (as Telegram message `message_id`)."""
        self._delivered.append((row_id, message_id))
        self._due.set()

    def not_delivered(self, row_id: int) -> None:
        """The handler's send failed: the sender is to send it, without waiting for the grace."""
        self._released.append(row_id)
        self._due.set()

    @property
    def waiting(self) -> int:
        """Marks not written yet."""
        return len(self._delivered) + len(self._released)

    async def flush(self, deps: Deps) -> None:
        """Write the marks held now, in one transaction; kept for the next try if it fails."""
        delivered, self._delivered = self._delivered, []
        released, self._released = self._released, []
        if not delivered and not released:
            return
        try:
            await deps.run(settle_replies, deps, delivered, released)
        except BaseException:
            self._delivered[:0], self._released[:0] = delivered, released
            raise
        if released:
            deps.wake_sender()

    async def run_forever(self, deps: Deps) -> None:
        """Write marks as they come, at most every `every` seconds (the app's task: bot/app)."""
        self._due = asyncio.Event()  # this loop's (a restarted app runs in a new one)
        if self.waiting:
            self._due.set()
        while True:
            await self._due.wait()
            self._due.clear()
            try:
                await self.flush(deps)
            except Exception:  # the database is away for a moment: the marks wait
                log.exception("could not mark %d delivered replies; trying again", self.waiting)
                self._due.set()
            await asyncio.sleep(self.every)


@action
def settle_replies(tx: Tx, delivered: list[tuple[int, int | None]],
                   released: list[int]) -> None:
    """Rows their handlers delivered are sent; rows they could not deliver go to the sender."""
    mark_delivered(tx.session, delivered, tx.now)
    release_held(tx.session, released)


def promise_reply_from(chat_id: int, render: Callable[[Any], tuple[str, Keyboard] | None], *,
                       edit: int | None = None, now: datetime) -> None:
    """The reply the update being handled will get once the service about to run stored its
    effects: owed by that service's commit, the next one (storage/db.py, UnitOfWork.commit),
    in the same transaction, and held for its handler like the preview. `render` makes it
    from the service's result, just before the commit (None: no reply is owed for that
    result; `render` must accept any result: a service that fails may commit something else
    first). `edit`: the message it replaces (a pressed one). Outside an update (a test
    calling a service) it is not owed."""
    mark = current_mark()
    if mark is None:
        return
    mark.reply_row = None

    def reply_for(result: Any) -> Outbox | None:
        made = render(result)
        return None if made is None else _reply_row(chat_id, made[0], made[1], edit, now)

    mark.reply_for = reply_for


def _reply_row(chat_id: int, text: str, buttons: Keyboard, edit: int | None,
               now: datetime) -> Outbox:
    return new_row(
        Outbox, chat_id=chat_id, notice="reply", ticket_id=None,
        payload={"text": text, "edit": edit,
                 "buttons": [[[b.label, b.data] for b in row] for row in buttons]},
        urgent=False, created_at=now, not_before=now, lease_until=now + REPLY_GRACE)


def promised_row() -> int | None:
    """The outbox row of the reply promised for this update, if the commit wrote it (None:
    nothing was committed, or the promise was made too late for the commit that was)."""
    mark = current_mark()
    if mark is None:
        return None
    mark.reply = mark.reply_for = None  # refused, or kept: no later commit writes it
    return mark.reply_row


def promised_outs(payload: dict[str, Any]) -> list[Out]:
    """What a promised reply's row says, when the sender sends it (its handler could not)."""
    buttons = tuple(tuple(Button(label, data) for label, data in row)
                    for row in payload.get("buttons") or ())
    if payload.get("edit") is not None:
        return [Out("edit", str(payload["text"]), buttons, message_id=int(payload["edit"]),
                    meta={"repost_if_gone": True})]
    return [Out("text", str(payload["text"]), buttons)]
