"""The outbox sender: every owed message goes out once, within Telegram's limits.

Rows are taken with a lease (a conditional update), so a second replica never sends the same
row; a crash between sending and marking re-sends at most that one row after the lease ends.
Pacing uses real monotonic time because Telegram's limits are real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col
from telegram import Bot, InputMediaPhoto, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.clock import Clock
from bot.config import Config
from bot.notices import owe_coordinators
from bot.render import Out, render_notice
from handlers.keyboards import markup
from storage.db import UnitOfWork
from storage.models import Outbox, Resident, Ticket, Volunteer
from storage.queries import pending_outbox, resident_by_tg, volunteer_by_tg

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
MAX_BACKOFF = 300.0


@dataclass
class Limits:
    """Telegram's published ceilings, with a little headroom taken off."""

    per_second: float = 30.0
    group_interval: float = 3.0  # 20 a minute per group
    private_interval: float = 1.0  # about one a second per private chat


@dataclass
class _Pace:
    next_global: float = 0.0
    next_by_chat: dict[int, float] = field(default_factory=dict)


class Dispatcher:
    def __init__(self, bot: Bot, uow_factory: Callable[[], UnitOfWork], config: Config,
                 clock: Clock, limits: Limits | None = None, poll_interval: float = 1.0) -> None:
        self.bot = bot
        self.uows = uow_factory
        self.config = config
        self.clock = clock
        self.limits = limits or Limits()
        self.poll_interval = poll_interval
        self._pace = _Pace()
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Something was just committed to the outbox: look now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run_forever(self) -> None:
        while not self._stopping:
            try:
                busy = await self.send_due()
            except Exception:  # a bad row or a database hiccup must not stop the sender
                log.exception("outbox pass failed")
                busy = False
            if busy:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def send_due(self, batch: int = 200) -> bool:
        """Send what is due now; True when rows had to wait for pacing (call again soon)."""
        now = self.clock.now()
        with self.uows() as uow:
            rows = pending_outbox(uow.session, now, batch)
        soonest: float | None = None
        for row in rows:
            if self._stopping:
                break
            delay = self._delay_for(row.chat_id)
            if delay > 0.05:
                # This chat must wait; others may go now. Remember when to look again.
                soonest = delay if soonest is None else min(soonest, delay)
                continue
            if delay > 0:
                await asyncio.sleep(delay)
            if not self._lease(row, now):
                continue
            await self._deliver(row)
        if soonest is not None:
            # Sleep until pacing allows the next send, unless new rows arrive sooner.
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), min(soonest, self.poll_interval))
            return True
        return len(rows) == batch

    def _delay_for(self, chat_id: int) -> float:
        now = time.monotonic()
        return max(self._pace.next_global, self._pace.next_by_chat.get(chat_id, 0.0)) - now

    def _spend(self, chat_id: int, sends: int = 1) -> None:
        now = time.monotonic()
        interval = self.limits.group_interval if chat_id < 0 else self.limits.private_interval
        self._pace.next_global = max(self._pace.next_global, now) + sends / self.limits.per_second
        self._pace.next_by_chat[chat_id] = now + interval * sends

    def _lease(self, row: Outbox, now: datetime) -> bool:
        with self.uows() as uow:
            taken = uow.session.exec(
                update(Outbox)
                .where(col(Outbox.id) == row.id, col(Outbox.status) == "pending",
                       (col(Outbox.lease_until).is_(None)) | (col(Outbox.lease_until) < now))
                .values(lease_until=now + LEASE)
            )
            uow.commit()
            return bool(taken.rowcount == 1)

    async def _deliver(self, row: Outbox) -> None:
        with self.uows() as uow:
            outs = render_notice(uow.session, self.config, row)
        try:
            for out in outs:
                message = await self._send(row.chat_id, out)
                self._spend(row.chat_id)
                if out.meta.get("remember_group_post") and isinstance(message, Message):
                    self._remember_group_post(row, message)
        except RetryAfter as exc:
            pause = exc.retry_after if isinstance(exc.retry_after, (int, float)) \
                else exc.retry_after.total_seconds()
            self._pace.next_global = time.monotonic() + float(pause)
            self._release(row, f"429 retry after {pause}", retry_in=0.0)
        except Forbidden as exc:
            self._unreachable(row, str(exc))
        except BadRequest as exc:
            log.warning("outbox row %s refused by Telegram: %s", row.id, exc)
            self._finish(row, "failed", str(exc))
        except (NetworkError, TelegramError) as exc:
            self._release(row, str(exc), retry_in=min(2.0 ** row.attempts, MAX_BACKOFF))
        else:
            self._finish(row, "sent", None)

    async def _send(self, chat_id: int, out: Out) -> Message | bool | tuple[Message, ...] | None:
        if out.kind == "text":
            return await self.bot.send_message(chat_id, out.text, reply_markup=markup(out.buttons))
        if out.kind == "edit":
            if out.message_id is None:
                return None  # the group post was never sent: nothing to update
            return await self.bot.edit_message_text(out.text, chat_id=chat_id,
                                                    message_id=out.message_id)
        if out.kind == "photos":
            if len(out.file_ids) == 1:
                return await self.bot.send_photo(chat_id, out.file_ids[0])
            media = [InputMediaPhoto(f) for f in out.file_ids[:10]]
            return await self.bot.send_media_group(chat_id, media)
        if out.kind == "location" and out.location:
            return await self.bot.send_location(chat_id, *out.location)
        if out.kind == "voice":
            return await self.bot.send_voice(chat_id, out.file_ids[0])
        return None

    def _remember_group_post(self, row: Outbox, message: Message) -> None:
        with self.uows() as uow:
            ticket = uow.session.get(Ticket, row.ticket_id)
            if ticket is not None:
                # Where the post is, so it can be edited when someone claims: not a state change.
                ticket.group_chat_id, ticket.group_message_id = row.chat_id, message.message_id
                uow.session.add(ticket)
                uow.commit()

    def _finish(self, row: Outbox, status: str, error: str | None) -> None:
        with self.uows() as uow:
            stored = uow.session.get(Outbox, row.id)
            if stored is not None:
                stored.status, stored.last_error = status, error
                stored.attempts += 1
                stored.sent_at = self.clock.now() if status == "sent" else None
                stored.lease_until = None
                uow.session.add(stored)
                uow.commit()

    def _release(self, row: Outbox, error: str, retry_in: float) -> None:
        with self.uows() as uow:
            stored = uow.session.get(Outbox, row.id)
            if stored is not None:
                stored.attempts += 1
                stored.last_error = error[:500]
                stored.lease_until = None
                stored.not_before = self.clock.now() + timedelta(seconds=retry_in)
                uow.session.add(stored)
                uow.commit()

    def _unreachable(self, row: Outbox, error: str) -> None:
        """The person blocked the bot: stop writing to them and tell the coordinators."""
        with self.uows() as uow:
            s = uow.session
            stored = s.get(Outbox, row.id)
            if stored is None:
                return
            stored.status, stored.last_error, stored.lease_until = "unreachable", error, None
            s.add(stored)
            person: Resident | Volunteer | None = resident_by_tg(s, row.chat_id) or \
                volunteer_by_tg(s, row.chat_id)
            ticket = s.get(Ticket, row.ticket_id) if row.ticket_id else None
            if person is not None and not person.unreachable:
                person.unreachable = True
                s.add(person)
                if ticket is not None:
                    owe_coordinators(s, self.config, self.clock.now(),
                                     self.config.community(ticket.community), "unreachable",
                                     ticket, quiet=False, chat_id=row.chat_id, name=person.name)
            uow.commit()
