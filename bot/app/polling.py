"""The bot's own fetch loop: store what Telegram sent, then acknowledge it (issue 13 §1).

PTB's Updater asks for the next batch (which tells Telegram the last one arrived) as soon as
it has queued the updates, before any handler ran: a crash then loses them. Here each batch
goes into the inbox (storage/inbox.py) in one transaction first; only then is the next batch
asked for. Updates reach the handlers through the Application's update queue, as the
Updater's would (concurrently per chat, in order within one: handlers/ordering.py).

On start, updates stored but never done (the process died while handling them) are queued
first, in update order. Telegram is then asked with no offset: it sends again whatever was
not acknowledged, and the inbox drops what it already holds.

A 409 Conflict means another process polls with the same token: polling is one replica
only, so this one stops at once with a message saying so (issue 13 §2).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot import texts
from bot.services.deps import Deps
from bot.services.inbox import Stored, store_updates
from scheduler.parts import retry_seconds
from scheduler.recovery import queue_recovered

log = logging.getLogger(__name__)
# PTB asks callers of do_api_request("getUpdates") to use get_updates, which parses the answer
# and keeps nothing of its JSON; the inbox stores the JSON (see _fetch).
warnings.filterwarnings("ignore", message=r".*Bot\.getUpdates.*", category=PTBUserWarning)

POLL_TIMEOUT = 10  # seconds a getUpdates call waits for news (Telegram's long polling)
READ_TIMEOUT = 5.0  # seconds for an answer beyond the long poll's own wait (PTB's default)
MAX_BACKOFF = 30.0  # seconds between tries while Telegram (or the database) is unreachable


def stored(raw: dict[str, Any], update: Update) -> Stored:
    """What the inbox keeps of an update: its id, whose it is, and all of it, as Telegram
    sent it (the JSON itself: turning the parsed update back into JSON costs as much again)."""
    chat = update.effective_chat
    user = update.effective_user
    return Stored(update.update_id, chat.id if chat else None, user.id if user else None, raw)


class InboxPoller:
    """Fetches updates with getUpdates, stores each batch, then acknowledges it."""

    def __init__(self, app: Application, deps: Deps, *, timeout: float = POLL_TIMEOUT,
                 poll_interval: float = 0.0,
                 on_fatal: Callable[[str], None] | None = None) -> None:
        self._app = app
        self._deps = deps
        self.timeout = timeout  # a test's harness shortens it
        self._poll_interval = poll_interval
        # Called when polling stops by itself (serve() stops the process then).
        self.on_fatal: Callable[[str], None] = on_fatal or (lambda message: None)
        self._finished: list[tuple[int, bool]] = []
        self._task: asyncio.Task[None] | None = None
        self.fatal: str | None = None  # why polling stopped by itself (409, a revoked token)

    def finished(self, update_id: int, failed: bool = False) -> None:
        """An update was handled without a commit of its own: marked done with the next batch
        (a crash before that replays it; it wrote nothing, so only its answers repeat)."""
        self._finished.append((update_id, failed))

    async def start(self) -> None:
        """Queue what a crash left half-handled, then start fetching."""
        # Polling is one process: whatever is undone was left by its last run.
        await queue_recovered(self._app, self._deps, one_process=True)
        self._task = asyncio.create_task(self._run(), name="inbox-poller")

    async def stop(self) -> None:
        """Stop fetching; the done marks still held in memory are written."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._finished:
            finished, self._finished = self._finished, []
            try:
                await self._deps.run(store_updates, self._deps, (), finished)
            except Exception:  # the database is gone: they are replayed on the next start
                log.exception("could not mark %d handled updates done", len(finished))

    async def _run(self) -> None:
        offset: int | None = None
        delay = 1.0
        while True:
            try:
                raw = await self._fetch(offset)
            except (Conflict, InvalidToken) as exc:
                self._fail(texts.POLL_CONFLICT if isinstance(exc, Conflict)
                           else texts.POLL_TOKEN_REFUSED.format(error=exc))
                return
            except RetryAfter as exc:
                await asyncio.sleep(retry_seconds(exc))
                continue
            except (TimedOut, NetworkError) as exc:
                log.warning("getUpdates failed (%s); trying again in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            delay = 1.0
            updates = [Update.de_json(u, self._app.bot) for u in raw]
            if not updates and not self._finished:
                continue  # a long poll that ended empty: nothing to store
            finished, self._finished = self._finished, []
            try:
                batch = [stored(r, u) for r, u in zip(raw, updates, strict=True)]
                fresh = set(await self._deps.run(store_updates, self._deps, batch, finished))
            except Exception:
                # Not acknowledged: Telegram sends the batch again with the next call.
                self._finished = finished + self._finished
                log.exception("could not store %d updates; asking again in %.0f s",
                              len(updates), delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            if updates:
                offset = updates[-1].update_id + 1  # the next call acknowledges this batch
            for update in updates:
                if update.update_id in fresh:
                    await self._app.update_queue.put(update)
            if self._poll_interval:
                await asyncio.sleep(self._poll_interval)

    async def _fetch(self, offset: int | None) -> list[dict[str, Any]]:
        """getUpdates, its answer as Telegram sent it (Bot.get_updates parses it and keeps
        nothing of the JSON; the inbox stores the JSON)."""
        params: dict[str, Any] = {"timeout": self.timeout, "allowed_updates": Update.ALL_TYPES}
        if offset is not None:
            params["offset"] = offset
        # A long poll waits `timeout` seconds for news before it answers.
        result = await self._app.bot.do_api_request(
            "getUpdates", api_kwargs=params, read_timeout=READ_TIMEOUT + self.timeout)
        return list(result or [])

    def _fail(self, message: str) -> None:
        self.fatal = message
        log.error("%s", message)
        self.on_fatal(message)

