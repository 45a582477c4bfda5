"""Residents' submission flow through the whole stack against a bare echo bot, same run.

For each of N residents: a text message (classified, stored as a draft, preview sent) and
then the 确认提交 press (ticket stored and routed, confirmation sent). The baseline is a
python-telegram-bot echo bot answering every update with one message, on the same stand-in
Bot API server in the same process. Prints updates/s of each and the ratio (target ≥ 0.6).

A third bot makes exactly the flow's Bot API calls (sendMessage for the preview;
answerCallbackQuery and editMessageText for the press: two calls per update against the
echo bot's one) and nothing else, so the printout shows the ceiling the target sits under.

    python bench/intake.py [--residents 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.app.application import build_application, on_shutdown, on_startup
from bot.app.clock import ManualClock
from bot.classify import Classifier
from bot.config import Config, load_config
from bot.localapi import LocalBotApi
from bot.services.people import welcome_resident
from storage.db import create_schema, make_engine, uow_factory

TOKEN = "123456:BENCH"
MESSAGES = [
    "3号楼楼道灯坏了好几天了，晚上黑乎乎的老人上下楼不安全",
    "小区门口垃圾堆了三天没人清，味道很大",
    "楼下天天有人把车停在消防通道上，希望管一管",
    "希望社区能给独居的张奶奶安排助餐",
    "楼上漏水把我家天花板泡坏了，找物业也不管",
    "建议在小广场多放几张长椅，老人们散步累了能歇歇",
]


async def _run_app(app: Any, bot_app: bool) -> None:
    await app.initialize()
    if bot_app:
        await on_startup(app)
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()


async def _stop_app(app: Any, bot_app: bool) -> None:
    await app.updater.stop()
    await app.stop()
    if bot_app:
        await on_shutdown(app)
    await app.shutdown()


Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


async def _bare_app(api: LocalBotApi, on_text: Callback, on_press: Callback) -> Any:
    """A plain python-telegram-bot Application (sequential updates) on the stand-in, started."""
    app = (ApplicationBuilder().token(TOKEN).base_url(f"{api.url}/bot")
           .base_file_url(f"{api.url}/file/bot").build())
    app.add_handler(MessageHandler(filters.TEXT, on_text))
    app.add_handler(CallbackQueryHandler(on_press))
    await _run_app(app, bot_app=False)
    return app


async def echo_rate(api: LocalBotApi, updates: int) -> float:
    """Updates per second of a bot that replies once to each text and each button press."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_chat.send_message("收到")  # type: ignore[union-attr]

    app = await _bare_app(api, echo, echo)
    try:
        api.clear()
        users = range(1_000_000, 1_000_000 + updates // 2)
        start = time.perf_counter()
        sent = [api.push_text(u, MESSAGES[u % len(MESSAGES)]) for u in users]
        await api.wait_for("sendMessage", count=len(sent), timeout=120)
        for u in users:
            api.push_callback(u, "d.ok:1", {"message_id": 1, "chat": {"id": u, "type": "private"},
                                            "date": 0, "text": "x"})
        await api.wait_for("sendMessage", count=2 * len(sent), timeout=120)
        return 2 * len(sent) / (time.perf_counter() - start)
    finally:
        await _stop_app(app, bot_app=False)


async def calls_only_rate(api: LocalBotApi, updates: int) -> float:
    """Updates per second of a bot making exactly the flow's Bot API calls and nothing else.

    Text → a preview with a 确认提交 button; the press → answerCallbackQuery + editMessageText.
    No classification, no database: the ceiling any implementation of this flow can reach.
    """

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_chat.send_message(  # type: ignore[union-attr]
            "确认提交？", reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("确认提交", callback_data="d.ok:1")]]))

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text("已提交 #1")

    app = await _bare_app(api, on_text, on_press)
    try:
        api.clear()
        users = range(3_000_000, 3_000_000 + updates // 2)
        start = time.perf_counter()
        for u in users:
            api.push_text(u, MESSAGES[u % len(MESSAGES)])
        previews = await api.wait_for_all("sendMessage", count=len(users), timeout=120)
        for call in previews:
            api.push_callback(int(call.chat_id or 0), "d.ok:1", call)
        await api.wait_for("editMessageText", count=len(users), timeout=120)
        return 2 * len(users) / (time.perf_counter() - start)
    finally:
        await _stop_app(app, bot_app=False)


async def bot_rate(api: LocalBotApi, config: Config, classifier: Classifier, updates: int,
                   db: Path) -> float:
    """Updates per second of the real submission flow: text → preview, 确认提交 → 已提交."""
    engine = make_engine(f"sqlite:///{db}")
    create_schema(engine)
    clock = ManualClock()
    residents = list(range(2_000_000, 2_000_000 + updates // 2))
    uows = uow_factory(engine)
    for tg_id in residents:  # as after /start b_b1: a building's QR code, phone already offered
        welcome_resident(uows, config, clock.now(), tg_id, "居民", "b1")
    app = build_application(config, engine, clock=clock, classifier=classifier)
    await _run_app(app, bot_app=True)
    try:
        api.clear()
        start = time.perf_counter()
        for tg_id in residents:
            api.push_text(tg_id, MESSAGES[tg_id % len(MESSAGES)])
        previews = await api.wait_for_all(
            lambda c: c.method == "sendMessage" and "确认提交" in (c.params.get("text") or ""),
            count=len(residents), timeout=300)
        for call in previews:
            button = call.params["reply_markup"]["inline_keyboard"][0][0]
            api.push_callback(int(call.chat_id or 0), button["callback_data"], call)
        await api.wait_for(
            lambda c: c.method == "editMessageText" and "已提交" in (c.params.get("text") or ""),
            count=len(residents), timeout=300)
        return 2 * len(residents) / (time.perf_counter() - start)
    finally:
        await _stop_app(app, bot_app=True)
        engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    base = load_config(env={})
    classifier = Classifier(base)
    updates = 2 * args.residents
    best = {"echo": 0.0, "calls": 0.0, "bot": 0.0}
    with LocalBotApi() as api, tempfile.TemporaryDirectory() as tmp:
        config = base.model_copy(update={
            "token": TOKEN,
            "bot": base.bot.model_copy(update={"api_base_url": f"{api.url}/bot"}),
        })
        for round_ in range(args.rounds):
            # Rotate which runs first so none always gets the warmer machine.
            order = ["echo", "calls", "bot"]
            order = order[round_ % 3:] + order[:round_ % 3]
            for name in order:
                if name == "echo":
                    rate = await echo_rate(api, updates)
                elif name == "calls":
                    rate = await calls_only_rate(api, updates)
                else:
                    rate = await bot_rate(api, config, classifier, updates,
                                          Path(tmp) / f"intake{round_}.db")
                best[name] = max(best[name], rate)
    ratio = best["bot"] / best["echo"]
    ceiling = best["calls"] / best["echo"]
    print(f"updates per round: {updates} ({args.residents} residents × text + 确认提交)")
    print(f"echo bot (baseline, 1 call per update):       {best['echo']:8.1f} updates/s")
    print(f"same Bot API calls as the flow, nothing else: {best['calls']:8.1f} updates/s"
          f"  (ceiling ratio {ceiling:.2f})")
    print(f"submission flow (whole stack, SQLite):        {best['bot']:8.1f} updates/s")
    print(f"ratio flow/echo: {ratio:.2f}  (target ≥ 0.60: {'met' if ratio >= 0.6 else 'NOT met'})")
    print(f"ratio flow/same-calls bot: {best['bot'] / best['calls']:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
