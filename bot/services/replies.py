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
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.services.template import Tx, action
from storage.outbox import mark_delivered, release_held

if TYPE_CHECKING:
    from bot.services.deps import Deps

log = logging.getLogger(__name__)

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
