"""The bots bench/intake.py measures, each run in a process of its own against the stand-in.

    python bench/intake_bots.py echo SHAPE.json [--webhook]
    python bench/intake_bots.py calls SHAPE.json [--webhook]

Each reads TELEGRAM_BOT_TOKEN and TELEGRAM_API_BASE_URL as `python -m bot run` does, polls
until SIGTERM, then stops as `run` stops. SHAPE.json is what bench/intake.py recorded of the
project: per resident's text, per update (the text, 确认提交, the building), the Bot API calls
the project made, in order, with their texts and keyboards.

- echo: a bare python-telegram-bot bot (PTB's defaults: one update at a time) answering every
  update with one sendMessage. It says what the project's resident sees last at that step
  (the preview with 确认提交, the building buttons, the ticket number), so the bench drives it
  exactly as it drives the others.
- calls: the calls-only bot. Per update, the project's recorded calls, same methods, texts and
  keyboards, in the same order; no database, no classifier. Set up as the project's
  Application is (bot/app/application.py): updates of different chats concurrently, one chat's
  in order, the same HTTP client (bot/app/requests.py: at most 16 requests in flight). Calls
  to other chats (the group post, which the project's outbox sender makes) go from a task
  beside the handler, as the sender does.

--webhook: instead of polling, serve the project's webhook route (bot/web/webhook.py) on
127.0.0.1:$WEB_PORT with bot/app/serve.py's uvicorn settings and setWebhook to
$WEB_PUBLIC_URL/telegram/<path> with $TELEGRAM_WEBHOOK_SECRET, as `run --webhook` does; each
update goes straight to the Application's queue (no database: nothing to store first). As one
of several replicas it keeps no state between updates (PressedFlows).
(The project itself is started by bench/intake.py as `python -m bot run [--webhook]`.)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn
from starlette.applications import Starlette
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.app.polling import POLL_TIMEOUT
from bot.app.requests import BoundedRequest
from bot.app.serve import bind
from bot.web.webhook import webhook_path, webhook_routes
from handlers.ordering import PerChatUpdateProcessor

# A recorded call: {"method", "chat": "self" | chat id | None, "ref": index of the message it
# edits among those the bot sent this chat, or None, "params": the rest, as sent, "trigger":
# whether it is the message the resident acts on (the bench presses its button, or reads the
# ticket number in it)}.
Step = list[dict[str, Any]]
Shapes = dict[str, list[Step]]


@dataclass
class Chat:
    """Where one resident is in the recorded flow."""

    steps: list[Step]
    step: int = 0
    sent: list[int] = field(default_factory=list)  # message ids this bot sent the chat


class Flows:
    """Which recorded step an update is: a text starts its text's flow, each press goes on."""

    def __init__(self, shapes: Shapes) -> None:
        self.shapes = shapes
        self.chats: dict[int, Chat] = {}

    def next_step(self, update: Update) -> tuple[Chat, Step]:
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        message = update.message
        if message is not None and message.text is not None:
            steps = self.shapes.get(message.text) or next(iter(self.shapes.values()))
            self.chats[chat_id] = Chat(steps)
        chat = self.chats[chat_id]
        step = chat.steps[min(chat.step, len(chat.steps) - 1)]
        chat.step += 1
        return chat, step


class PressedFlows(Flows):
    """For webhook replicas, which share nothing: the step an update is, from the update alone.

    A text starts its text's flow; a press is the step after the one whose message carries the
    button (the recorded keyboards' callback_data name the draft, so they tell the flows and
    the steps apart), and its edits go to the message pressed. A recording where a press edits
    any other message cannot be replayed this way: ValueError when the shapes are read."""

    def __init__(self, shapes: Shapes) -> None:
        super().__init__(shapes)
        # callback_data → (the flow, the step it starts, the pressed message's index among
        # those the bot sent the chat)
        self.by_data: dict[str, tuple[list[Step], int, int]] = {}
        for steps in shapes.values():
            sent = 0
            pressed: int | None = None
            for number, step in enumerate(steps):
                before = pressed  # the message this step's update pressed
                for call in step:
                    if call["ref"] is not None and call["ref"] != before:
                        raise ValueError(f"step {number} edits a message not pressed: {call}")
                    if call["trigger"]:
                        pressed = sent if call["ref"] is None else call["ref"]
                        for data in _buttons(call["params"]):
                            if self.by_data.setdefault(data, (steps, number + 1, pressed))[0] \
                                    is not steps:
                                raise ValueError(f"two flows have the button {data}")
                    if call["method"] == "sendMessage" and call["chat"] == "self":
                        sent += 1

    def next_step(self, update: Update) -> tuple[Chat, Step]:
        query = update.callback_query
        if query is None or query.message is None:
            chat, step = super().next_step(update)
            self.chats.clear()  # nothing kept: the next update may go to another replica
            return chat, step
        steps, number, pressed = self.by_data[str(query.data)]
        chat = Chat(steps, number + 1, [0] * pressed + [query.message.message_id])
        return chat, steps[min(number, len(steps) - 1)]


def _buttons(params: dict[str, Any]) -> list[str]:
    rows = (params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [str(b["callback_data"]) for row in rows for b in row if "callback_data" in b]


def _markup(params: dict[str, Any]) -> dict[str, Any]:
    """An inline keyboard as PTB's object (as the project sends it), anything else as it was."""
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return {**params, "reply_markup": InlineKeyboardMarkup.de_json(markup, None)}
    return params


async def _replay(bot: Any, chat_id: int, call: dict[str, Any], chat: Chat,
                  update: Update) -> None:
    params = dict(call["params"])
    target = chat_id if call["chat"] == "self" else call["chat"]
    if target is not None:
        params["chat_id"] = target
    if call["ref"] is not None:
        params["message_id"] = chat.sent[call["ref"]]
    if call["method"] == "answerCallbackQuery" and update.callback_query is not None:
        params["callback_query_id"] = update.callback_query.id
    returns = Message if call["method"] in ("sendMessage", "editMessageText") else None
    try:
        result = await bot.do_api_request(call["method"], api_kwargs=_markup(params),
                                          return_type=returns)
    except TelegramError:
        return  # as the project's handlers would log it; the bench sees the missing message
    if call["method"] == "sendMessage" and target == chat_id:
        chat.sent.append(result.message_id)


def calls_only_app(token: str, base_url: str, flows: Flows) -> Application:

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        chat, step = flows.next_step(update)
        own = [c for c in step if c["chat"] in ("self", None)]
        owed = [c for c in step if c["chat"] not in ("self", None)]
        for call in own:
            await _replay(context.bot, chat_id, call, chat, update)
        if owed:  # the outbox sender's part: beside the handler, not inside it

            async def send_owed() -> None:
                for call in owed:
                    await _replay(context.bot, chat_id, call, chat, update)

            context.application.create_task(send_owed())

    # As bot/app/application.py builds the project's Application, minus what needs a database.
    app = (ApplicationBuilder().token(token).base_url(base_url)
           .base_file_url(base_url.replace("/bot", "/file/bot"))
           .request(BoundedRequest())
           .get_updates_request(HTTPXRequest(connection_pool_size=1))
           .concurrent_updates(PerChatUpdateProcessor()).build())
    app.add_handler(CallbackQueryHandler(on_update))
    app.add_handler(MessageHandler(filters.TEXT, on_update))
    return app


def echo_app(token: str, base_url: str, flows: Flows) -> Application:

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        _, step = flows.next_step(update)
        seen = next(c for c in step if c["trigger"])["params"]
        await update.effective_chat.send_message(  # type: ignore[union-attr]
            seen["text"], **_markup({"reply_markup": seen.get("reply_markup")}))

    app = (ApplicationBuilder().token(token).base_url(base_url)
           .base_file_url(base_url.replace("/bot", "/file/bot")).build())
    app.add_handler(CallbackQueryHandler(echo))
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


async def serve_bare(app: Application) -> None:
    """Poll until SIGTERM, started and stopped as bot/app/serve.py does the project."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES)
    await app.start()
    try:
        await stop.wait()
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


class _Queued:
    """The webhook route's receiver (bot/web/webhook.py's Receiver): each update straight to
    the Application's queue. No database, so nothing to store before answering 200, which is
    where the project's receiver differs (bot/app/webhook.py)."""

    def __init__(self, app: Application, secret: str) -> None:
        self.app, self.secret, self.ready = app, secret, False

    async def receive(self, payload: dict[str, Any]) -> bool:
        update = Update.de_json(payload, self.app.bot)
        if update is None:
            raise ValueError("not an update")
        await self.app.update_queue.put(update)
        return True


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling, as bot/app/serve.py runs it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_webhook(app: Application, port: int, public_url: str, secret: str) -> None:
    """Serve the project's webhook route (bot/web/webhook.py) with bot/app/serve.py's uvicorn
    settings, set the webhook as `run --webhook` does, until SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    receiver = _Queued(app, secret)
    server = _Server(uvicorn.Config(Starlette(routes=webhook_routes(receiver)),
                                    log_level="warning", lifespan="off",
                                    timeout_graceful_shutdown=1))
    serving = asyncio.create_task(server.serve([bind("127.0.0.1", port)]))
    while not server.started:
        if serving.done():
            await serving  # raises what stopped it (a taken port)
            return
        await asyncio.sleep(0.01)
    await app.initialize()
    await app.start()
    receiver.ready = True
    await app.bot.set_webhook(f"{public_url.rstrip('/')}/telegram/{webhook_path(secret)}",
                              secret_token=secret, allowed_updates=Update.ALL_TYPES,
                              drop_pending_updates=False)
    try:
        await stop.wait()
    finally:
        receiver.ready = False
        await app.stop()
        await app.shutdown()
        server.should_exit = True
        await serving


def main(argv: list[str]) -> None:
    kind, webhook = argv[0], argv[2:] == ["--webhook"]
    shapes: Shapes = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    token, base_url = os.environ["TELEGRAM_BOT_TOKEN"], os.environ["TELEGRAM_API_BASE_URL"]
    build = {"echo": echo_app, "calls": calls_only_app}[kind]
    app = build(token, base_url, PressedFlows(shapes) if webhook else Flows(shapes))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_webhook(app, int(os.environ["WEB_PORT"]), os.environ["WEB_PUBLIC_URL"],
                                  os.environ["TELEGRAM_WEBHOOK_SECRET"]) if webhook
                    else serve_bare(app))


if __name__ == "__main__":
    main(sys.argv[1:])
