"""The bots bench/intake.py measures, each run in a process of its own against the stand-in.

    python bench/intake_bots.py echo SHAPE.json
    python bench/intake_bots.py calls SHAPE.json
    python bench/intake_bots.py project

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
(The project itself is started by bench/intake.py as `python -m bot run`.)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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


def calls_only_app(token: str, base_url: str, shapes: Shapes) -> Application:
    flows = Flows(shapes)

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


def echo_app(token: str, base_url: str, shapes: Shapes) -> Application:
    flows = Flows(shapes)

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


def main(argv: list[str]) -> None:
    kind = argv[0]
    shapes: Shapes = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    token, base_url = os.environ["TELEGRAM_BOT_TOKEN"], os.environ["TELEGRAM_API_BASE_URL"]
    build = {"echo": echo_app, "calls": calls_only_app}[kind]
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_bare(build(token, base_url, shapes)))


if __name__ == "__main__":
    main(sys.argv[1:])
