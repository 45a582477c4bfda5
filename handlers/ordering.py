"""Updates from different chats run concurrently; updates from one chat stay in order.

An album's photos, a text after a photo, or two presses of the same button in one chat must
be handled one after another; a resident and a volunteer elsewhere need not wait for each
other (their handlers mostly wait on Telegram's HTTP answers).

Every update passes here, so this is also the one place that gives each log line its
update_id and chat (bot/ops/logs.py) and counts the updates handled (bot/ops/metrics.py; the
failed ones are counted by an error handler, bot/app/application.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.ops.logs import log_context
from bot.ops.metrics import Metrics

log = logging.getLogger(__name__)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 32, metrics: Metrics | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._metrics = metrics

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        update_id = update.update_id if isinstance(update, Update) else None
        with log_context(update_id=update_id, chat=key):
            started = time.monotonic()
            try:
                await self._in_order(key, coroutine)
            finally:
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
