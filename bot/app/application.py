"""Wiring: config + database + clock → a python-telegram-bot Application with every handler."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy import Engine
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot import texts
from bot.app.classifier_holder import ClassifierHolder
from bot.app.clock import SystemClock
from bot.app.polling import InboxPoller
from bot.app.requests import BoundedRequest
from bot.classify import Classifier
from bot.config import Config, OpsSection
from bot.domain.privacy import prepare as prepare_privacy
from bot.ops.logs import log_handler
from bot.ops.metrics import Metrics
from bot.services.deps import Clock, Deps, db_pool
from bot.services.health import database_snapshot
from bot.services.inbox import AlreadyHandled
from bot.texts.sending import FittedBot
from handlers import answers, common, coordinator, resident, volunteer, welcome
from handlers.buttons import on_button
from handlers.ordering import PerChatUpdateProcessor
from scheduler.dispatch import Dispatcher
from scheduler.limiter import Limiter
from scheduler.pacing import Limits, Pacer
from scheduler.sweep import schedule_sweep
from storage.db import OwedSignal, make_engine, uow_factory
from storage.schema import SchemaStatus, ensure_schema
from storage.tallies import ensure_tallies

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from bot.app.webhook import WebhookIntake

log = logging.getLogger(__name__)
DEFAULT_BASE_URL = "https://api.telegram.org/bot"


def build_application(config: Config, engine: Engine, clock: Clock | None = None,
                      classifier: Classifier | None = None, limits: Limits | None = None,
                      config_path: str | Path | None = None,
                      metrics: Metrics | None = None) -> Application:
    """The whole bot, ready for bot/app/serve.py (or a test) to start: its updates come from
    app.bot_data["poller"] (bot/app/polling.py), not from PTB's Updater, or after
    use_webhook() from the webhook route (bot/app/webhook.py). With
    `config_path`, keyword edits of that file take effect without a restart. Its metrics
    (a registry of its own; `metrics` to pass one in) are app.bot_data["metrics"]."""
    metrics = metrics or Metrics()
    assert config.token, "build_application needs config.token"
    base_url = config.bot.api_base_url or DEFAULT_BASE_URL
    # Telegram's limits as config.toml's [telegram] sets them, unless a test passes its own;
    # one Pacer for the outbox sender and every other call the bot makes (scheduler/limiter.py).
    pacer = Pacer(limits or Limits.from_config(config.telegram))
    # Every reply goes through FittedBot, which keeps it within Telegram's size limits, and
    # through the limiter, which paces it and retries a 429; at most 16 requests are in flight
    # at once (bot/app/requests.py says why); getUpdates has its own connection.
    telegram_bot = FittedBot(
        config.token, base_url=base_url, base_file_url=base_url.replace("/bot", "/file/bot"),
        request=BoundedRequest(),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
        rate_limiter=Limiter(pacer),
    )
    clock = clock or SystemClock()
    processor = PerChatUpdateProcessor(metrics=metrics, now=clock.now)
    builder = (
        ApplicationBuilder()
        .bot(telegram_bot)
        .concurrent_updates(processor)
        # No PTB Updater: it acknowledges updates before they are stored. The InboxPoller
        # stores each batch first (bot/app/polling.py).
        .updater(None)
        .post_init(on_startup)
        .post_stop(on_shutdown)
    )
    app = builder.build()
    prepare_privacy()  # the group posts' name tagger, loaded once per process
    owed = OwedSignal()  # raised by each commit that queued an outbox row
    uows = uow_factory(engine, owed)
    holder = ClassifierHolder(config, classifier, path=config_path, uows=uows, clock=clock)
    deps = Deps(config=config, uows=uows, clock=clock, classifiers=holder)
    dispatcher = Dispatcher(app.bot, deps.uows, config, deps.clock, owed=owed, pacer=pacer,
                            offload=deps.run)
    # Handlers and the sweep call this after every unit of work; only those that queued a
    # row wake the sender.
    deps.wake_sender = holder.on_owed = dispatcher.wake_if_owed
    dispatcher.on_result = metrics.sent
    metrics.watch_database(lambda: database_snapshot(deps))
    app.bot_data["deps"] = deps
    app.bot_data["dispatcher"] = dispatcher
    app.bot_data["metrics"] = metrics
    poller = InboxPoller(app, deps)
    processor.on_unmarked = poller.finished
    app.bot_data["poller"] = poller
    _add_handlers(app)
    app.add_error_handler(_count_failure)
    schedule_sweep(app)
    return app


def _add_handlers(app: Application) -> None:
    commands = {
        "start": common.start, "help": common.help_command,
        "privacy": welcome.privacy_command,
        "my": resident.my_command, "cancel": resident.cancel_command,
        "wish": resident.wish_or_report, "report": resident.wish_or_report,
        "tasks": volunteer.tasks_command,
        "assign": coordinator.assign_command, "close": coordinator.close_command,
        "reopen": coordinator.reopen_command, "overdue": coordinator.overdue_command,
        "unclaimed": coordinator.unclaimed_command,
        "volunteers": coordinator.volunteers_command, "stats": coordinator.stats_command,
        "classify": coordinator.classify_command, "invite": coordinator.invite_command,
        "digest": coordinator.digest_command, "ticket": coordinator.ticket_command,
        "recat": coordinator.recat_command,
        "block": coordinator.block_command, "unblock": coordinator.unblock_command,
    }
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(CallbackQueryHandler(on_button))
    private = filters.ChatType.PRIVATE
    # Order matters from here on: the first matching handler wins.
    app.add_handler(MessageHandler(private & filters.CONTACT, resident.on_contact))
    # Any other text is an answer to a pending question, or a new submission.
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND,
                                   answers.on_private_text))
    app.add_handler(MessageHandler(private & (filters.PHOTO | filters.LOCATION | filters.VOICE),
                                   resident.on_submission))
    # Known commands were matched above, so a command reaching here is unknown.
    app.add_handler(MessageHandler(filters.COMMAND, common.unknown_command))
    app.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, common.unsupported))
    app.add_error_handler(common.on_error)


async def on_startup(app: Application) -> None:
    """Start the outbox sender and register command menus (PTB's post_init under run_polling;
    called directly when the application is started by hand, as the tests do)."""
    dispatcher: Dispatcher = app.bot_data["dispatcher"]
    deps: Deps = app.bot_data["deps"]
    deps.pool = db_pool()  # a fresh pool each start: on_shutdown ends the last one's threads
    await deps.run(deps.key)  # read (or made) once, here: not in the first message's work
    app.bot_data["sender_task"] = asyncio.create_task(dispatcher.run_forever())
    app.bot_data["replies_task"] = asyncio.create_task(deps.replies.run_forever(deps),
                                                       name="reply-marks")
    await _register_commands(app)


async def on_shutdown(app: Application) -> None:
    dispatcher: Dispatcher = app.bot_data["dispatcher"]
    dispatcher.stop()
    task = app.bot_data.get("sender_task")
    if task is not None:
        await asyncio.wait([task], timeout=5)
    deps: Deps = app.bot_data["deps"]
    marks = app.bot_data.pop("replies_task", None)
    if marks is not None:
        marks.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await marks
    try:  # the replies delivered last are marked, so no one sends them again
        await deps.replies.flush(deps)
    except Exception:
        log.exception("could not mark the last delivered replies; they may be sent again")
    deps.pool.shutdown(wait=False)  # its threads end once their work is done


def _commands(pairs: list[tuple[str, str]]) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in pairs]


async def _register_commands(app: Application) -> None:
    """Chinese command menus per scope: residents, groups, and each coordinator's chat."""
    deps: Deps = app.bot_data["deps"]
    private = texts.BOT_COMMANDS_PRIVATE + texts.BOT_COMMANDS_VOLUNTEER
    await app.bot.set_my_commands(_commands(private), scope=BotCommandScopeAllPrivateChats())
    await app.bot.set_my_commands(_commands(texts.BOT_COMMANDS_GROUP),
                                  scope=BotCommandScopeAllGroupChats())
    coordinators = {c for community in deps.config.communities for c in community.coordinators}
    leaders = {g.leader_id for community in deps.config.communities for g in community.grids
               if g.leader_id is not None} - coordinators
    office = texts.BOT_COMMANDS_COORDINATOR + texts.BOT_COMMANDS_TICKET
    menus = [(chat_id, private + office) for chat_id in sorted(coordinators)]
    menus += [(chat_id, private + texts.BOT_COMMANDS_LEADER) for chat_id in sorted(leaders)]
    for chat_id, pairs in menus:
        try:
            await app.bot.set_my_commands(_commands(pairs), scope=BotCommandScopeChat(chat_id))
        except TelegramError as exc:  # e.g. the coordinator has not started the bot yet
            log.warning("could not set commands for staff %s: %s", chat_id, exc)


async def _count_failure(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An error handler beside handlers.common.on_error: an update whose handler raised."""
    if isinstance(update, Update) and not isinstance(context.error, AlreadyHandled):
        metrics: Metrics = context.bot_data["metrics"]
        metrics.update_failed()
        processor = context.application.update_processor
        if isinstance(processor, PerChatUpdateProcessor):
            processor.failed(update.update_id)


def use_webhook(app: Application) -> WebhookIntake:
    """Webhook mode: updates arrive by POST (bot/app/webhook.py) instead of the poller;
    config's [web] public_url and webhook_secret must be set (the CLI checked)."""
    from bot.app.webhook import WebhookIntake

    deps: Deps = app.bot_data["deps"]
    assert deps.config.web.public_url and deps.config.webhook_secret
    intake = WebhookIntake(app, deps, public_url=deps.config.web.public_url,
                           secret=deps.config.webhook_secret)
    processor = app.update_processor
    if isinstance(processor, PerChatUpdateProcessor):
        processor.on_unmarked = intake.finished
    app.bot_data["webhook"] = intake
    return intake


def build_web(app: Application, **parts: Any) -> Starlette:
    """The one web app for this application: /healthz and /metrics always, the webhook's
    route in webhook mode, plus `parts` (the playground and the local Bot API in `try`)."""
    from bot.web.app import build_web_app  # the web stack, imported when it is served
    from bot.web.ops import Ops
    from bot.web.webhook import webhook_routes

    deps: Deps = app.bot_data["deps"]
    ops = Ops(app.bot_data["metrics"], deps, deps.config.web.metrics_token)
    web = build_web_app(ops=ops, **parts)
    if (intake := app.bot_data.get("webhook")) is not None:
        web.router.routes.extend(webhook_routes(intake))
    return web


# Our own loggers: [ops] log_level applies to these. Libraries never log below INFO: at DEBUG,
# python-telegram-bot and httpx write out the updates and requests, a resident's words in them.
OUR_LOGGERS = ("bot", "handlers", "scheduler", "storage")


def configure_logging(ops: OpsSection | None = None,
                      stream: TextIO | None = None) -> logging.Handler:
    """Logs as [ops] says, to stderr: text (default) or JSON lines (bot/ops/logs.py), our
    loggers at log_level. Called again, it replaces the handler it added; returns it."""
    ops = ops or OpsSection()
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "bot_ops", False)]:
        root.removeHandler(old)
    handler = log_handler(ops.log_format, stream or sys.stderr)
    handler.bot_ops = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    level = logging.getLevelName(ops.log_level)
    root.setLevel(max(level, logging.INFO))
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # The sweep runs every 30 s; APScheduler would log each run.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Alembic tells which dialect it found each time it looks at the schema; prepare_database
    # says when it created one.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return handler


def prepare_database(config: Config, clock: Clock) -> Engine:
    """Open the database (an empty one gets the schema; one behind or ahead of the code raises
    storage.schema.SchemaMismatch) and count the digest's tallies if needed."""
    engine = make_engine(config.bot.database_url)
    try:
        found = ensure_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    if found.status is SchemaStatus.EMPTY:
        log.info("empty database: schema created at revision %s", found.head)
    # A database from before the digest's tallies, or a changed timezone: count them once.
    if ensure_tallies(engine, config.tz, clock.now()):
        log.info("digest tallies counted from the tickets")
    return engine


def run_bot(config: Config, config_path: str | Path | None = None,
            err: TextIO = sys.stderr, webhook: bool = False) -> int:
    """`python -m bot run`: create the database if it is empty (one behind or ahead of the code
    raises storage.schema.SchemaMismatch), serve the web app ([web]: /healthz, /metrics) and
    poll (or, with `webhook`, receive updates on the web app's webhook route) until stopped;
    the exit code. Keyword edits of `config_path` take effect on the next message; other
    sections need a restart."""
    from bot.app.serve import bind, serve  # the run path `try` shares

    configure_logging(config.ops)
    try:
        sock = bind(config.web.host, config.web.port)
    except OSError as exc:
        print(texts.RUN_PORT_BUSY.format(host=config.web.host, port=config.web.port,
                                         error=exc.strerror or exc), file=err)
        return 2
    try:
        engine = prepare_database(config, SystemClock())
        app = build_application(config, engine, config_path=config_path)
        if webhook:
            use_webhook(app)
        host, port = sock.getsockname()[:2]

        def ready() -> None:
            log.info("running; web app on http://%s:%s/ (/healthz, /metrics%s)",
                     f"[{host}]" if ":" in host else host, port,
                     ", /telegram/…: updates by webhook" if webhook else "")

        # Everything loaded so far (jieba's and pypinyin's dictionaries, the rules: ~400,000
        # objects the collector would otherwise walk, ~100 ms a time, as replies pile up
        # garbage) lives as long as the process: keep it out of every collection.
        gc.freeze()
        return asyncio.run(serve(app, web=build_web(app), sock=sock, on_ready=ready))
    finally:
        sock.close()
