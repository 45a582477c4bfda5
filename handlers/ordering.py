"""Updates from different chats run concurrently; updates from one chat stay in order.

An album's photos, a text after a photo, or two presses of the same button in one chat must
be handled one after another; a resident and a volunteer elsewhere need not wait for each
other (their handlers mostly wait on Telegram's HTTP answers).

Every update passes here, so this is also the one place that gives each log line its
update_id and chat (bot/ops/logs.py), counts the updates handled (bot/ops/metrics.py; the
failed ones are counted by an error handler, bot/app/application.py), and marks the context in
which every commit also marks the update done in the inbox (storage/inbox.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.ops.logs import log_context
from bot.ops.metrics import Metrics
from bot.services.inbox import handling

log = logging.getLogger(__name__)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 32, metrics: Metrics | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._metrics = metrics
        self._now = now or (lambda: datetime.now(UTC))
        self._failed: set[int] = set()
        # Told of each update handled without a commit that marked it done in the inbox
        # (the poller marks it with its next batch): bot/app/polling.py.
        self.on_unmarked: Callable[[int, bool], None] = lambda update_id, failed: None

    def failed(self, update_id: int) -> None:
        """The update's handling raised (the error handler says so): done all the same."""
        self._failed.add(update_id)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        update_id = update.update_id if isinstance(update, Update) else None
        with log_context(update_id=update_id, chat=key), \
                handling(update_id, self._now) as mark:
            started = time.monotonic()
            try:
                await self._in_order(key, coroutine)
            finally:
                if mark is not None and not mark.done:
                    self.on_unmarked(mark.update_id, mark.update_id in self._failed)
                self._failed.discard(update_id or 0)
                if self._metrics is not None:
                    self._metrics.update_handled()
                log.debug("update handled in %.0f ms", (time.monotonic() - started) * 1000)

    async def _in_order(self, key: int | None, coroutine: Awaitable[Any]) -> None:
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                await coroutine
        finally:
            if not lock.locked() and key in self._locks and self._locks[key] is lock:
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user else None
