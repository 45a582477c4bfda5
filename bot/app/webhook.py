"""Webhook mode (`python -m bot run --webhook`, issue 13 §2): Telegram POSTs each update to
[web] public_url + /telegram/<path> (bot/web/webhook.py); this stores it in the inbox, and only
then is it answered 200 and queued for the handlers, as the poller does with a batch
(bot/app/polling.py). A redelivered update (Telegram's retry, or another replica's) is already
stored: answered 200 and not queued again.

Several replicas may serve one webhook behind a load balancer on one PostgreSQL database: the
inbox's update_id key makes whichever stores an update first the one that handles it. It
claims the update for HANDLING_HOLD and renews the claim every few seconds while the update
is queued or handled here; if this replica dies, a live one (or this one, started again)
finds the claim run out within HANDLING_HOLD and handles the update (bot/services/inbox.py,
recover_updates): nothing a dead replica took in waits for long.

On start: what a crash left stored but not handled is queued first, then setWebhook (with
drop_pending_updates=False: what Telegram holds is delivered). On stop the webhook stays set:
Telegram keeps the updates until a replica answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot import texts
from bot.app.polling import stored
from bot.services.deps import Deps
from bot.services.inbox import HANDLING_HOLD, STALE_FOR_REPLICAS, keep_holding, store_updates
from bot.web.webhook import webhook_path
from scheduler.parts import retry_seconds
from scheduler.recovery import queue_recovered

log = logging.getLogger(__name__)

# How often done marks of updates that wrote nothing are written when no update arrives to
# carry them (polling writes them with its next batch), the claims on updates handled here
# renewed, and updates a dead replica left undone looked for: well within HANDLING_HOLD.
FLUSH_INTERVAL = 2.0
SET_TRIES = 5  # setWebhook tries while Telegram is unreachable, before giving up


class WebhookIntake:
    """Stores each update Telegram POSTs, then queues it; sets the webhook on start."""

    def __init__(self, app: Application, deps: Deps, *, public_url: str, secret: str,
                 on_fatal: Callable[[str], None] | None = None) -> None:
        self._app = app
        self._deps = deps
        self.secret = secret
        self.url = f"{public_url.rstrip('/')}/telegram/{webhook_path(secret)}"
        self.on_fatal: Callable[[str], None] = on_fatal or (lambda message: None)
        self.fatal: str | None = None  # why it stopped by itself (Telegram refused the URL)
        self._ready = False
        self._finished: list[tuple[int, bool]] = []
        self._held: set[int] = set()  # updates claimed here and maybe not done yet
        self._flusher: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        return self._ready

    def finished(self, update_id: int, failed: bool = False) -> None:
        """An update was handled without a commit of its own: marked done with the next
        update stored, or within FLUSH_INTERVAL."""
        self._finished.append((update_id, failed))

    async def start(self) -> None:
        # Replicas: only updates whose claim ran out (a dead replica's: a live one renews its
        # claims); looked for again every FLUSH_INTERVAL.
        await self._recover()
        self._ready = True  # from here on, deliveries are stored (they may come at once)
        if await self._set_webhook():
            self._flusher = asyncio.create_task(self._tend_forever(), name="webhook-marks")

    async def _set_webhook(self) -> bool:
        delay = 1.0
        for attempt in range(1, SET_TRIES + 1):
            try:
                await self._app.bot.set_webhook(
                    self.url, secret_token=self.secret, allowed_updates=Update.ALL_TYPES,
                    drop_pending_updates=False)
                return True
            except RetryAfter as exc:
                await asyncio.sleep(retry_seconds(exc))
            except (TimedOut, NetworkError) as exc:
                if attempt == SET_TRIES:
                    self._fail(texts.WEBHOOK_SET_FAILED.format(url=self._shown_url, error=exc))
                    return False
                log.warning("setWebhook failed (%s); trying again in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay *= 2
            except TelegramError as exc:  # refused: not https, a bad port, a revoked token
                self._fail(texts.WEBHOOK_SET_FAILED.format(url=self._shown_url, error=exc))
                return False
        self._fail(texts.WEBHOOK_SET_FAILED.format(url=self._shown_url, error="429"))
        return False

    @property
    def _shown_url(self) -> str:
        """The URL without its path: the path is for Telegram only, not for logs."""
        return self.url.rsplit("/", 1)[0] + "/…"

    async def receive(self, payload: dict[str, Any]) -> bool:
        """Store one update (ValueError if it is not one), then queue it if it is new."""
        try:
            update = Update.de_json(payload, self._app.bot)
        except (TypeError, KeyError, ValueError, AttributeError) as exc:
            raise ValueError(f"not an update: {exc!r}") from exc
        if update is None:
            raise ValueError("not an update")
        finished, self._finished = self._finished, []
        try:
            fresh = await self._deps.run(store_updates, self._deps, [stored(payload, update)],
                                         finished, HANDLING_HOLD)
        except BaseException:
            self._finished = finished + self._finished
            raise
        if update.update_id not in fresh:
            return False  # a redelivery: stored (and handled, or being handled) already
        self._held.add(update.update_id)
        await self._app.update_queue.put(update)
        return True

    async def stop(self) -> None:
        """Refuse further deliveries (503: Telegram retries elsewhere or later); write the done
        marks still held."""
        self._ready = False
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            self._flusher = None
        await self._flush()

    async def _tend_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_INTERVAL)
            await self._flush()
            try:
                await self._hold_on()
                await self._recover()
            except Exception:  # the database is gone for now: the next round tries again
                log.exception("could not renew or recover the inbox's claims")

    async def _hold_on(self) -> None:
        """Renew the claims on what is handled here; forget those done since."""
        if not self._held:
            return
        asked = set(self._held)
        still = await self._deps.run(keep_holding, self._deps, sorted(asked))
        self._held -= asked - set(still)

    async def _recover(self) -> None:
        """Queue what a dead replica left undone (its claim ran out), claimed here now."""
        self._held.update(await queue_recovered(self._app, self._deps, STALE_FOR_REPLICAS,
                                                hold=HANDLING_HOLD))

    async def _flush(self) -> None:
        if not self._finished:
            return
        finished, self._finished = self._finished, []
        try:
            await self._deps.run(store_updates, self._deps, (), finished)
        except Exception:  # the database is gone: they are replayed on the next start
            self._finished = finished + self._finished
            log.exception("could not mark %d handled updates done", len(finished))

    def _fail(self, message: str) -> None:
        self.fatal = message
        log.error("%s", message)
        self.on_fatal(message)
