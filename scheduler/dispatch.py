"""The outbox sender: every owed message goes out once, in order per chat, within Telegram's limits.

A pass reads what is due, groups it by chat and runs one worker per chat, concurrently (so a
slow answer from Telegram does not hold back everybody else). A worker waits until its chat may
be written to again and then for its turn at one global gate, leases the row, sends its parts
and marks it sent in the same transaction that records anything learnt from the send.

The lease is a conditional update that also refuses while an earlier due row of the same chat
is still pending, so rows of one chat go out in id order and never two at once, even with
several dispatchers on one database. A process that dies holding a lease delays that chat until
the lease ends; then the row goes out again.

Failures: a 429 pauses every send for retry_after (Telegram's flood control is per bot, not per
message); 5xx and network errors put the row back and rest its chat with exponential backoff
(the row stays due, so later rows of that chat wait behind it); 403 marks the person
unreachable, drops what else is pending for them and tells the coordinators; any other 400
marks the row failed (logged with the ticket's number, and listed in the coordinators' next
digest) and the chat moves on. A part that removes buttons (the offer's 接单 once the details
went out) runs only when every part before it was accepted: a refused send never leaves a
ticket with nobody holding a button for it. A group post offered again whose old message is
gone is posted anew, so its 认领 button is not lost with it.

Delivery is at least once, by necessity: a crash after Telegram accepted a message and before
the row is marked re-sends that one message after the lease ends. Parts of a row already
delivered before a failure are remembered, so a retry does not repeat them.

Only one dispatcher per database sends at a time (a renewed lease row): Telegram's limits are
per bot, so replicas must not each pace to the full limit. The sender renews its lease once
SENDER_RENEW has passed since the last renewal, not on every pass (a write per pass competes
with the residents' transactions for the database). It looks again before each row it starts
sending, renewing when that much has passed, so no row starts with less than SENDER_LEASE -
SENDER_RENEW of the lease left, however long a pass takes (a 429 may pause it for minutes).
The others stand by and take over within SENDER_LEASE when the sender stops renewing (at once
when it stops cleanly).

The sender is woken by commits that queued a row (storage.db.OwedSignal, raised by add_outbox's
transaction, taken by wake_if_owed): a handler's transaction that owed nothing costs it nothing.

Pacing uses real monotonic time because Telegram's limits are real time; leases and due times
use the injected clock, so tests can expire a lease by moving the clock. The application's
Pacer is shared with the bot's own replies (scheduler/limiter.py): the overall limit counts
both, and a person's chat is paced alike whoever writes to it. The sender's calls, made inside
its slots, pass the limiter unpaced, and it handles their 429s itself (above).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
)

from bot.config import Config
from bot.services.deps import Clock
from bot.services.owed import render_owed
from bot.services.unreachable import mark_unreachable
from bot.texts.render import Out
from scheduler.pacing import EARLY, Limits, Pacer
from scheduler.parts import part_cost, retry_seconds, send_part, split_albums
from storage.db import OwedSignal, SQLAlchemyError, UnitOfWork
from storage.models import Outbox
from storage.outbox import (
    extend_row_lease,
    finish_row,
    lease_row,
    move_pending,
    pending_outbox,
    release_sender_lease,
    remember_group_post,
    remember_preview,
    take_sender_lease,
)

log = logging.getLogger(__name__)
# How long a row being sent is ours: a row a dead process held goes out again this long after
# (issue 13 §1: failover within 15 s). A long, paced row is renewed as it goes (SENDER_RENEW).
LEASE = timedelta(seconds=15)
# One dispatcher per database sends; a replica takes over this long after the sender died.
SENDER_LEASE = timedelta(seconds=15)
# ...renewed once this much has passed since the last renewal (not on every pass).
SENDER_RENEW = timedelta(seconds=5)
# Parts of a multi-part row delivered before a failure, kept in the row's payload so a retry
# (even by another process) starts after them. Renderers never read keys starting with "_".
_PARTS_SENT = "_parts_sent"


class _Stopped(Exception):
    """stop() was called while a worker waited for its turn."""


class _Outcome(enum.Enum):
    SETTLED = "settled"  # sent, failed or unreachable: the chat's next row may follow
    LEFT = "left"  # still pending (retry, pause, or somebody else holds it): the chat waits


# Runs a function (database work) off the event loop: asyncio.to_thread, or Deps.run.
Offload = Callable[..., Awaitable[Any]]


class Dispatcher:
    """Sends the outbox: `run_forever()` as a task beside the bot; `wake()` after a commit."""

    def __init__(self, bot: Bot, uow_factory: Callable[[], UnitOfWork], config: Config,
                 clock: Clock, limits: Limits | None = None, poll_interval: float = 1.0,
                 *, lease: timedelta = LEASE, owed: OwedSignal | None = None,
                 offload: Offload = asyncio.to_thread, pacer: Pacer | None = None) -> None:
        self.bot = bot
        self.uows = uow_factory
        self.config = config
        self.clock = clock
        self.poll_interval = poll_interval
        self.lease = lease  # how long a row is ours; must cover sending all parts of one row
        # Shared with the bot's own replies (scheduler/limiter.py) when the application passes
        # its Pacer, so the overall limit counts both; `limits` then replaces its limits.
        self._pace = pacer or Pacer(limits or Limits.from_config(config.telegram))
        if pacer is not None and limits is not None:
            pacer.limits = limits
        self._wake = asyncio.Event()
        # Raised by the commits (of `uow_factory`'s units of work) that queued a row; None:
        # every wake_if_owed() wakes.
        self._owed = owed
        # Where its database work runs: a thread (the handlers' pool, bot/app), never the
        # event loop, so reading and marking rows never stalls the residents' chats.
        self._offload = offload
        self._renewed_at: datetime | None = None  # when the sender lease was last renewed
        # send_due() on its own (tests, bench/dispatch.py) sends without the sender lease;
        # run_forever() sends only while it holds it.
        self._needs_sender_lease = False
        self._stop = asyncio.Event()
        self._stopping = False
        self._full = False  # the last pass read a whole batch: more may be due at once
        self._failures: dict[int, int] = {}  # row id -> transient failures in a row (backoff)
        # Chats whose next row someone else holds (a handler delivering its reply, another
        # replica): left out of this sender's passes for a poll. Not the shared Pacer's rest:
        # the handler holding the row must not wait for it itself.
        self._held: dict[int, float] = {}
        self.passes = 0  # passes over what is due, done so far (tests wait for the next one)
        self._me = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        # Told each row's result (sent, failed, unreachable, retry, flood): /metrics, bot/app.
        self.on_result: Callable[[str], None] = lambda result: None

    @property
    def limits(self) -> Limits:
        return self._pace.limits

    @limits.setter
    def limits(self, limits: Limits) -> None:
        self._pace.limits = limits

    def wake(self) -> None:
        """Something was just committed to the outbox: look now rather than at the next poll."""
        self._wake.set()

    def wake_if_owed(self) -> None:
        """After a unit of work (a handler, a sweep): wake only if a commit queued a row."""
        if self._owed is None or self._owed.take():
            self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._stop.set()
        self._wake.set()

    async def run_forever(self) -> None:
        self._needs_sender_lease = True
        try:
            while not self._stopping:
                if not await self._holds_lease():
                    # Another replica sends for this database; take over if it stops renewing.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), self.poll_interval)
                    continue
                await self._pass()
        finally:
            await self._offload(self._release_sender_lease)

    async def _holds_lease(self) -> bool:
        """_hold_sender_lease, its database work (at most once per SENDER_RENEW) off the loop."""
        now = self.clock.now()
        if self._renewed_at is not None and self._renewed_at <= now < (
                self._renewed_at + SENDER_RENEW):
            return True
        return bool(await self._offload(self._hold_sender_lease))

    def _hold_sender_lease(self) -> bool:
        """Are we the sender? Renewed (or taken) in the database once SENDER_RENEW has passed
        since our last renewal; until then it still runs for SENDER_LEASE - SENDER_RENEW at
        least, and nobody takes a lease that still runs."""
        now = self.clock.now()
        if self._renewed_at is not None and self._renewed_at <= now < (
                self._renewed_at + SENDER_RENEW):
            return True
        self._renewed_at = None
        try:
            with self.uows() as uow:
                mine = take_sender_lease(uow.session, self._me, now, now + SENDER_LEASE)
                uow.commit()
        except SQLAlchemyError:  # a database hiccup: try again at the next poll
            log.exception("could not renew the sender lease")
            return False
        if mine:
            self._renewed_at = now
        return mine

    async def _still_sender(self) -> bool:
        """Before a row starts going out: a pass may outlast a renewal, and a replica takes
        over from a sender that stood still past its lease."""
        return not self._needs_sender_lease or await self._holds_lease()

    def _release_sender_lease(self) -> None:
        self._renewed_at = None
        with contextlib.suppress(SQLAlchemyError), self.uows() as uow:
            release_sender_lease(uow.session, self._me, self.clock.now())
            uow.commit()

    async def _pass(self) -> None:
        """One pass over what is due, then a wait for the next poll or a wake()."""
        # Cleared before the pass, so a row committed during the pass is looked at next.
        self._wake.clear()
        try:
            await self.send_due()
        except Exception:  # a database hiccup must not stop the sender
            log.exception("outbox pass failed")
            self._full = False
        self.passes += 1
        if self._stopping or self._full:
            return
        # Until the next poll, or sooner when a paced chat may be written to again.
        wait = min([self.poll_interval, *self._pace.paced().values()])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), wait)

    async def send_due(self, batch: int = 200) -> bool:
        """Send what is due now; True when rows are left for pacing or more (call again soon)."""
        # Chats still inside their pacing interval are left in the table, so a backlog for
        # one busy group costs nothing each time a new row for somebody else wakes us.
        now = time.monotonic()
        self._held = {chat: until for chat, until in self._held.items() if until > now}
        skip = list(self._pace.paced()) + list(self._held)
        rows = await self._offload(self._due_rows, batch, skip)
        by_chat: dict[int, list[Outbox]] = {}
        for row in rows:  # urgent first: their chats start first and queue first at the gate
            by_chat.setdefault(row.chat_id, []).append(row)
        results = await asyncio.gather(
            *(self._work_chat(sorted(chat_rows, key=_row_id)) for chat_rows in by_chat.values()))
        self._full = len(rows) == batch
        return self._full or any(results)

    async def _work_chat(self, rows: list[Outbox]) -> bool:
        """Send one chat's rows in id order while it may take them; True if some are left."""
        for row in rows:
            if self._stopping or self._pace.chat_wait(row.chat_id) > EARLY:
                return True
            try:
                outcome = await self._send_row(row)
            except Exception:  # a database error, or a bug: the row stays, the others go on
                log.exception("outbox row %s: unexpected error", row.id)
                self._pace.rest(row.chat_id, self._backoff(row))
                return True
            if outcome is not _Outcome.SETTLED:
                return True
        return False

    def _due_rows(self, batch: int, skip_chats: list[int]) -> list[Outbox]:
        with self.uows() as uow:
            return pending_outbox(uow.session, self.clock.now(), batch, skip_chats=skip_chats)

    def _render(self, row: Outbox, lease: bool = False) -> tuple[list[Out], bool]:
        """The row's messages; with `lease`, the row leased in the same transaction (whether
        it was taken: False when someone holds it or an earlier row of its chat waits)."""
        with self.uows() as uow:
            now = self.clock.now()
            parts = list(split_albums(render_owed(uow.session, self.config, row, now)))
            if not lease:
                return parts, False
            taken = lease_row(uow.session, row, now, now + self.lease)
            uow.commit()
            return parts, taken

    async def _send_row(self, row: Outbox) -> _Outcome:
        # A chat that may be written to now is leased as its row is read: one transaction
        # less per message. One that must wait is leased only when its turn comes, so a
        # lease never runs out while its row queues.
        lease_now = self._pace.chat_wait(row.chat_id) <= EARLY and await self._still_sender()
        try:
            # Read from the database (and a digest's chart drawn: about 0.2 s) in a thread,
            # so residents' messages and other chats' sends go on meanwhile.
            parts, leased = await self._offload(self._render, row, lease_now)
        except SQLAlchemyError:
            raise
        except Exception as exc:  # unknown notice, bad payload: it will never render
            log.exception("outbox row %s (ticket #%s, %s) cannot be rendered", row.id,
                          row.ticket_id, row.notice)
            if not await self._offload(self._lease, row):
                return _Outcome.LEFT
            await self._offload(self._finish, row, "failed", f"render: {exc!r}"[:500])
            return _Outcome.SETTLED
        if lease_now and not leased:
            self._held[row.chat_id] = time.monotonic() + self.poll_interval
            return _Outcome.LEFT
        done = int(row.payload.get(_PARTS_SENT, 0))
        leased_at = self.clock.now()  # when the lease was taken or last renewed
        first_id: int | None = None
        group_post: int | None = None  # the message id of a group post, to remember
        part_errors: list[str] = []
        text_refused = False  # a part with words (and maybe the work buttons) did not arrive
        try:
            for index in range(done, len(parts)):
                out = parts[index]
                cost = part_cost(out)
                if not cost or (text_refused and out.meta.get("only_if_delivered")):
                    continue  # e.g. the edit of a group post that was never sent
                async with self._pace.slot(row.chat_id, cost, self._sleep):
                    # Leased only now, right before the first send: never while queueing.
                    if not leased and not (await self._still_sender()
                                           and await self._offload(self._lease, row)):
                        self._pace.rest(row.chat_id, self.poll_interval)
                        return _Outcome.LEFT
                    if not leased:
                        leased_at = self.clock.now()
                    elif self.clock.now() - leased_at >= SENDER_RENEW:
                        # A row paced over many parts outlasts a short lease: keep it ours.
                        await self._offload(self._extend, row)
                        leased_at = self.clock.now()
                    leased = True
                    try:
                        message = await send_part(self.bot, row.chat_id, out)
                    except BadRequest as exc:
                        if done == 0:
                            raise  # nothing of it arrived: the row failed
                        if out.kind == "markup":  # e.g. the offer was deleted: no harm done
                            log.info("outbox row %s: buttons of message %s not removed: %s",
                                     row.id, out.message_id, exc)
                            continue
                        # A later part (an expired photo, say): the rest still goes.
                        log.warning("outbox row %s (ticket #%s, %s) part %s refused: %s",
                                    row.id, row.ticket_id, row.notice, index, exc)
                        part_errors.append(f"part {index}: {exc}")
                        text_refused = text_refused or out.kind == "text"
                        message = None
                    done = index + 1
                    first = message[0] if isinstance(message, tuple) else message
                    if isinstance(first, Message):
                        first_id = first_id or first.message_id
                        if out.meta.get("remember_group_post"):
                            group_post = first.message_id
            # Nothing (more) to send: just settle it.
            if not leased and not await self._offload(self._lease, row):
                return _Outcome.LEFT
        except _Stopped:
            if leased:  # let the next process have it at once rather than after the lease
                await self._offload(self._release, row, done, None, group_post, count=False)
            return _Outcome.LEFT
        except RetryAfter as exc:
            pause = retry_seconds(exc)
            log.warning("outbox row %s: flood control, all sends wait %.1f s", row.id, pause)
            self._pace.flood(row.chat_id, pause)
            self.on_result("flood")
            await self._offload(self._release, row, done, f"429 retry after {pause:g}",
                                group_post)
            return _Outcome.LEFT
        except Forbidden as exc:
            await self._offload(self._unreachable, row, str(exc))
            self._wake.set()
            return _Outcome.SETTLED
        except ChatMigrated as exc:
            await self._offload(self._migrate, row, int(exc.new_chat_id), done, group_post)
            self._wake.set()  # its rows are pending under the new chat id
            return _Outcome.LEFT
        except BadRequest as exc:
            log.warning("outbox row %s (ticket #%s, %s) refused by Telegram: %s",
                        row.id, row.ticket_id, row.notice, exc)
            await self._offload(self._finish, row, "failed", str(exc)[:500], first_id,
                                group_post)
            return _Outcome.SETTLED
        except TelegramError as exc:  # 5xx, network errors, timeouts: try again later
            wait = self._backoff(row)
            self._failures[_row_id(row)] = self._failures.get(_row_id(row), 0) + 1
            log.warning("outbox row %s: %s; retrying in %.2f s", row.id, exc, wait)
            self.on_result("retry")
            self._pace.rest(row.chat_id, wait)
            await self._offload(self._release, row, done, str(exc), group_post)
            return _Outcome.LEFT
        await self._offload(self._finish, row, "sent", "; ".join(part_errors)[:500] or None,
                            first_id, group_post)
        return _Outcome.SETTLED

    def _backoff(self, row: Outbox) -> float:
        failures = self._failures.get(_row_id(row), 0)
        return float(min(self.limits.retry_base * 2.0 ** failures, self.limits.retry_max))

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when stopping (a 429 may ask for minutes)."""
        if seconds > 0 and not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), seconds)
        if self._stopping:
            raise _Stopped

    def _lease(self, row: Outbox) -> bool:
        """Take the row for this process, unless someone holds it or an earlier due row of the
        same chat is still pending (then that one goes first, whoever sends it)."""
        now = self.clock.now()
        with self.uows() as uow:
            taken = lease_row(uow.session, row, now, now + self.lease)
            uow.commit()
            return taken

    def _extend(self, row: Outbox) -> None:
        with self.uows() as uow:
            extend_row_lease(uow.session, row.id, self.clock.now() + self.lease)
            uow.commit()

    def _remember_group_post(self, uow: UnitOfWork, row: Outbox, message_id: int | None) -> None:
        """Where the post is, so it can be edited when someone claims: not a state change."""
        if row.ticket_id and message_id:
            remember_group_post(uow.session, row.ticket_id, row.chat_id, message_id)

    def _finish(self, row: Outbox, status: str, error: str | None,
                message_id: int | None = None, group_post: int | None = None) -> None:
        self._failures.pop(_row_id(row), None)
        with self.uows() as uow:
            finish_row(uow.session, row.id, self.clock.now(), status, error, message_id)
            self._remember_group_post(uow, row, group_post)
            if row.notice == "preview" and status == "sent" and message_id:
                # Later messages of the draft (an album's photos) edit this preview.
                remember_preview(uow.session, int(row.payload.get("draft_id") or 0), message_id)
            uow.commit()
        self.on_result(status)

    def _release(self, row: Outbox, parts_sent: int, error: str | None,
                 group_post: int | None, count: bool = True) -> None:
        """Back to pending (still due, so it keeps its place in its chat's queue)."""
        with self.uows() as uow:
            stored = uow.session.get(Outbox, row.id)
            if stored is not None:
                stored.attempts += int(count)
                if error is not None:
                    stored.last_error = error[:500]
                stored.lease_until = None
                if parts_sent > int(stored.payload.get(_PARTS_SENT, 0)):
                    stored.payload = {**stored.payload, _PARTS_SENT: parts_sent}
                uow.session.add(stored)
            self._remember_group_post(uow, row, group_post)
            uow.commit()
        row.payload = {**row.payload, _PARTS_SENT: parts_sent}

    def _migrate(self, row: Outbox, new_chat_id: int, parts_sent: int,
                 group_post: int | None) -> None:
        """A group became a supergroup: what is pending for it goes to the new chat id."""
        log.warning("chat %s is now %s: update config.toml; pending rows were moved",
                    row.chat_id, new_chat_id)
        self._release(row, parts_sent, f"chat migrated to {new_chat_id}", group_post,
                      count=False)
        with self.uows() as uow:
            move_pending(uow.session, row.chat_id, new_chat_id)
            uow.commit()

    def _unreachable(self, row: Outbox, error: str) -> None:
        """The person blocked the bot (or the bot left the group): bot/services/unreachable.py."""
        self._failures.pop(_row_id(row), None)
        with self.uows() as uow:
            mark_unreachable(uow.session, self.config, self.clock.now(), row, error)
            uow.commit()
        self.on_result("unreachable")


def _row_id(row: Outbox) -> int:
    return row.id or 0
