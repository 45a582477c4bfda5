"""The one run path of `run` and `try`: the bot polls (or, in webhook mode, receives updates
on the web app's webhook route), and the web app (when there is one) is served by uvicorn on
the same event loop, until SIGINT or SIGTERM.

Start-up order matters: the web app first (in `try` it carries the local Bot API the bot is
about to call; in webhook mode Telegram posts to it as soon as the webhook is set), then the
bot as Application.run_polling would start it (initialize, post_init, poll, start), polling
through the inbox (bot/app/polling.py) or taking the webhook's (bot/app/webhook.py); shutdown
in reverse. Polling first deletes any webhook (a bot moved back from webhook mode: Telegram
refuses getUpdates while one is set), keeping the updates Telegram holds.

`serve` returns 0, or 1 when the intake stopped by itself (409 Conflict: another process
polls with the token; a revoked token; Telegram refused the webhook), having said why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Callable, Iterator

import uvicorn
from starlette.types import ASGIApp
from telegram.error import TelegramError
from telegram.ext import Application

from bot.app.application import on_shutdown, on_startup
from bot.app.polling import InboxPoller
from bot.app.webhook import WebhookIntake

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: `serve` decides when everything stops, bot
    first, so that no handler runs against a web app that is already gone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, opened before anything starts (OSError when the port is taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP;
    # otherwise every answer written as headers then body waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


async def serve(app: Application, *, web: ASGIApp | None = None,
                sock: socket.socket | None = None,
                on_ready: Callable[[], None] | None = None,
                on_stopping: Callable[[], None] | None = None,
                stop: asyncio.Event | None = None) -> int:
    """Run the bot (and the web app on `sock`) until `stop` is set or a signal arrives; the
    exit code."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
            loop.add_signal_handler(sig, stop.set)
    server: _Server | None = None
    server_task: asyncio.Task[None] | None = None
    if web is not None and sock is not None:
        server = _Server(uvicorn.Config(web, log_level="warning", lifespan="off",
                                        timeout_graceful_shutdown=1))
        server_task = asyncio.create_task(server.serve([sock]))
        while not server.started:
            if server_task.done():
                await server_task  # raises what stopped it
                return 0
            await asyncio.sleep(0.01)
    intake: InboxPoller | WebhookIntake = app.bot_data.get("webhook") or app.bot_data["poller"]
    intake.on_fatal = lambda _message: stop.set()
    await app.initialize()
    await on_startup(app)
    if isinstance(intake, InboxPoller):
        await _delete_webhook(app)
    await intake.start()
    await app.start()
    try:
        if on_ready is not None:
            on_ready()
        await stop.wait()
    finally:
        if on_stopping is not None:
            on_stopping()
        await intake.stop()
        await app.stop()  # handles what is queued still...
        await intake.stop()  # ...whose done marks are written now, not replayed next start
        await on_shutdown(app)
        await app.shutdown()
        if server is not None and server_task is not None:
            server.should_exit = True
            await server_task
    return 1 if intake.fatal else 0


async def _delete_webhook(app: Application) -> None:
    """Polling: no webhook (Telegram keeps what is pending for getUpdates)."""
    try:
        await app.bot.delete_webhook(drop_pending_updates=False)
    except TelegramError as exc:  # unreachable now: polling retries, and says so if refused
        log.warning("deleteWebhook failed (%s); polling all the same", exc)
