"""The real Application against the stand-in Bot API server, over real HTTP."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.app import build_application, on_shutdown, on_startup
from bot.classify import Classifier
from bot.clock import ManualClock
from bot.config import Config
from scheduler.pacing import Limits
from storage.db import create_schema, make_engine, uow_factory
from storage.models import Volunteer
from storage.queries import volunteer_by_tg
from tests.e2e.fake_bot_api import Call, FakeBotApi
from tests.factories import Uows, add_volunteer

TOKEN = "123456:TEST-TOKEN"
GROUP = -1001234567890  # the volunteers' group of community hx in the shipped config.toml
COORDINATORS = (10001, 10002)
# Pacing off in most tests: they check behaviour, bench/dispatch.py and the limit tests check pace.
FAST = Limits(per_second=10_000, group_interval=0.0, private_interval=0.0)


@pytest.fixture(scope="session")
def classifier(config: Config) -> Classifier:
    return Classifier(config)


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@dataclass
class Harness:
    api: FakeBotApi
    app: Any
    engine: Engine
    uows: Uows
    config: Config
    clock: ManualClock

    async def send_text(self, user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
        return self.api.push_text(user_id, text, **kwargs)

    async def reply_to(self, chat_id: int, contains: str = "", since: float | None = None,
                       count: int = 1, timeout: float = 8.0) -> Call:
        """The count-th message sent to chat_id (text containing `contains`)."""
        return await self.api.wait_for(
            lambda c: c.method in ("sendMessage", "editMessageText")
            and c.chat_id == chat_id and contains in (c.params.get("text") or ""),
            timeout=timeout, count=count, since=since)

    async def press(self, user_id: int, message: Call, label_contains: str) -> dict[str, Any]:
        """Press the button whose label contains the words, on a message the bot sent."""
        markup = message.params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if label_contains in button["text"]:
                    return self.api.push_callback(user_id, button["callback_data"], message)
        raise AssertionError(f"no button {label_contains!r} in {markup}")

    async def answer_of(self, user_id: int, since: float, timeout: float = 8.0) -> Call:
        """The answerCallbackQuery the bot gave to a button press after `since`."""
        return await self.api.wait_for("answerCallbackQuery", since=since, timeout=timeout)

    def add_volunteer(self, tg_id: int, name: str = "", **kwargs: Any) -> None:
        add_volunteer(self.uows, self.clock.now(), tg_id, name, **kwargs)

    def volunteer(self, tg_id: int) -> Volunteer | None:
        """The volunteer with this Telegram id as stored now."""
        with self.uows() as uow:
            return volunteer_by_tg(uow.session, tg_id)

    async def submit(self, user_id: int, text: str, building: str = "1号楼",
                     **kwargs: Any) -> int:
        """A resident sends `text`, confirms the preview and, if asked, picks the building
        whose button label contains `building`; returns the new ticket's number."""
        since = time.monotonic()
        await self.send_text(user_id, text, **kwargs)
        preview = await self.reply_to(user_id, "确认提交", since=since)
        return await self.confirm(user_id, preview, building)

    async def confirm(self, user_id: int, preview: Call, building: str = "1号楼") -> int:
        """Press 确认提交 on a preview (and pick the building if asked); the ticket number."""
        since = time.monotonic()
        await self.press(user_id, preview, "确认提交")
        answer = await self.api.wait_for(
            lambda c: c.method == "editMessageText" and c.chat_id == user_id
            and any(w in c.params.get("text", "") for w in ("哪个楼院", "已提交")), since=since)
        if "哪个楼院" in answer.params["text"]:
            await self.press(user_id, answer, building)
            answer = await self.reply_to(user_id, "已提交", since=since)
        return ticket_number(answer.params["text"])


def ticket_number(text: str) -> int:
    """The number in "编号 12" (what residents read) or "#12" (volunteers, coordinators)."""
    found = re.search(r"(?:#|编号\s*)(\d+)", text)
    assert found, f"no ticket number in {text!r}"
    return int(found.group(1))


def button_labels(message: Call) -> list[list[str]]:
    """The inline keyboard of a message the bot sent (or edited), as rows of labels."""
    markup = message.params.get("reply_markup") or {}
    return [[b["text"] for b in row] for row in markup.get("inline_keyboard", [])]


async def start_harness(api: FakeBotApi, config: Config, classifier: Classifier,
                        db_path: Path, clock: ManualClock, limits: Limits = FAST,
                        sweep_interval: timedelta = timedelta(hours=1),
                        config_path: Path | None = None) -> AsyncIterator[Harness]:
    """The bot on a fresh or existing SQLite file. The sweep ticks every `sweep_interval`:
    an hour by default, so only the follow-up tests (which pass a second) see it run. With
    `config_path`, the bot reloads keyword edits of that file (bot/classifier_holder.py)."""
    cfg = config.model_copy(update={
        "token": TOKEN,
        "bot": config.bot.model_copy(update={"api_base_url": f"{api.url}/bot"}),
        "followups": config.followups.model_copy(update={"sweep_interval": sweep_interval}),
    })
    engine = make_engine(f"sqlite:///{db_path}")
    create_schema(engine)
    app = build_application(cfg, engine, clock=clock, classifier=classifier, limits=limits,
                            config_path=config_path)
    app.bot_data["dispatcher"].poll_interval = 0.05
    # The same order as Application.run_polling: initialize, post_init, poll, start.
    await app.initialize()
    await on_startup(app)
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        yield Harness(api, app, engine, uow_factory(engine), cfg, clock)
    finally:
        await app.updater.stop()
        await app.stop()
        await on_shutdown(app)
        await app.shutdown()
        engine.dispose()


@pytest.fixture
async def bot(fake_api: FakeBotApi, config: Config, classifier: Classifier, tmp_path: Path,
              clock: ManualClock) -> AsyncIterator[Harness]:
    async for harness in start_harness(fake_api, config, classifier, tmp_path / "bot.db", clock):
        yield harness


def daytime() -> datetime:
    from datetime import UTC

    return datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
