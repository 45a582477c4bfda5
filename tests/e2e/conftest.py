"""The real Application against the stand-in Bot API server, over real HTTP."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import col, select

from bot import texts
from bot.app.application import build_application, on_shutdown, on_startup
from bot.app.clock import ManualClock
from bot.app.polling import InboxPoller
from bot.classify import Classifier
from bot.config import Config
from bot.localapi import Call, LocalBotApi
from bot.ops.metrics import Metrics
from bot.services import volunteers as volunteering
from scheduler.pacing import Limits
from storage.db import create_schema, make_engine, uow_factory
from storage.models import Outbox, Volunteer
from storage.queries import volunteer_by_tg
from tests.factories import Uows, add_volunteer, deps_at, submit
from tests.waiting import WAIT, until
from tests.wording import part

TOKEN = "123456:TEST-TOKEN"
GROUP = -1001234567890  # the volunteers' group of community hx in the shipped config.toml
COORDINATORS = (10001, 10002)
# Pacing off in most tests: they check behaviour, bench/dispatch.py and the limit tests check pace.
FAST = Limits(per_second=10_000, group_interval=0.0, private_interval=0.0)


@pytest.fixture(scope="session")
def classifier(config: Config) -> Classifier:
    return Classifier(config)


@pytest.fixture
def fake_api() -> Iterator[LocalBotApi]:
    with LocalBotApi() as server:
        yield server


@dataclass
class Harness:
    api: LocalBotApi
    app: Any
    engine: Engine
    uows: Uows
    config: Config
    clock: ManualClock
    handled: Counter[int] = field(default_factory=Counter)  # update_id: times fully handled

    async def send_text(self, user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
        return self.api.push_text(user_id, text, **kwargs)

    async def reply_to(self, chat_id: int, contains: str = "", since: float | None = None,
                       count: int = 1, timeout: float = WAIT) -> Call:
        """The count-th message sent to chat_id (text containing `contains`)."""
        return await self.api.wait_for(
            lambda c: c.method in ("sendMessage", "editMessageText")
            and c.chat_id == chat_id and contains in (c.params.get("text") or ""),
            timeout=timeout, count=count, since=since)

    async def press(self, user_id: int, message: Call | dict[str, Any],
                    label_contains: str) -> dict[str, Any]:
        """Press the button whose label contains the words, on a message the bot sent (the
        call that sent or edited it, or the message as its chat sees it now)."""
        markup = _markup(message)
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if label_contains in button["text"]:
                    return self.api.push_callback(user_id, button["callback_data"], message)
        raise AssertionError(f"no button {label_contains!r} in {markup}")

    async def answer_of(self, user_id: int, since: float, timeout: float = WAIT) -> Call:
        """The answerCallbackQuery the bot gave to a button press after `since`."""
        return await self.api.wait_for("answerCallbackQuery", since=since, timeout=timeout)

    def owed_now(self) -> int:
        """Outbox rows due by the bot's clock and not yet sent (or given up on)."""
        with self.uows() as uow:
            return uow.session.exec(select(func.count()).select_from(Outbox).where(
                Outbox.status == "pending", col(Outbox.not_before) <= self.clock.now())).one()

    def unhandled(self) -> Counter[int]:
        """Updates pushed to the stand-in that the bot has not finished handling yet."""
        return Counter(self.api.pushed()) - self.handled

    async def settled(self, timeout: float = WAIT) -> None:
        """Wait until the bot has done everything asked of it so far: every update pushed was
        handled to its end (replies, button answers, database writes), and every message owed
        by now has left the outbox. Then what the stand-in recorded is the whole story, so a
        test may assert that something was NOT sent. Not a quiet period: it waits for the
        bot's own state, however slow the machine. Messages held for later (quiet hours) are
        not waited for; follow-ups the sweep may still find are not either."""
        await until(lambda: not self.unhandled() and not self.owed_now(), timeout,
                    lambda: f"unhandled updates {dict(self.unhandled())}, "
                            f"{self.owed_now()} owed messages unsent")

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

    async def fixed_lamp(self, resident: int, volunteer: int) -> tuple[int, Call]:
        """`volunteer` (registered for repairs) accepted `resident`'s lamp and says it is
        fixed: the ticket number and the resident's "really fixed?" message with its buttons."""
        self.add_volunteer(volunteer, "李明", categories=("repairs",))
        now = self.clock.now()
        number = submit(self.uows, self.config, now, reporter=resident).id or 0
        deps = deps_at(self.uows, self.config, now)
        volunteering.accept_ticket(deps, number, volunteer)
        volunteering.resolve_ticket(deps, number, volunteer, "换了新灯泡")
        return number, await self.reply_to(resident, part(texts.NOTICE_RESOLVED))

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


def _markup(message: Call | dict[str, Any]) -> dict[str, Any]:
    markup = message.params.get("reply_markup") if isinstance(message, Call) \
        else message.get("reply_markup")
    return markup or {}


def button_labels(message: Call | dict[str, Any]) -> list[list[str]]:
    """The inline keyboard of a message the bot sent (or edited), or of a message as its chat
    sees it now (LocalBotApi.current), as rows of labels."""
    markup = _markup(message)
    return [[b["text"] for b in row] for row in markup.get("inline_keyboard", [])]


async def start_harness(api: LocalBotApi, config: Config, classifier: Classifier,
                        db_path: Path, clock: ManualClock, limits: Limits = FAST,
                        sweep_interval: timedelta = timedelta(hours=1),
                        config_path: Path | None = None,
                        metrics: Metrics | None = None) -> AsyncIterator[Harness]:
    """The bot on a fresh or existing SQLite file. The sweep ticks every `sweep_interval`:
    an hour by default, so only the follow-up tests (which pass a second) see it run. With
    `config_path`, the bot reloads keyword edits of that file (bot/app/classifier_holder.py);
    with `metrics`, it counts into those (bot/ops/metrics.py)."""
    cfg = config.model_copy(update={
        "token": TOKEN,
        "bot": config.bot.model_copy(update={"api_base_url": f"{api.url}/bot"}),
        "followups": config.followups.model_copy(update={"sweep_interval": sweep_interval}),
    })
    engine = make_engine(f"sqlite:///{db_path}")
    create_schema(engine)
    app = build_application(cfg, engine, clock=clock, classifier=classifier, limits=limits,
                            config_path=config_path, metrics=metrics)
    app.bot_data["dispatcher"].poll_interval = 0.05
    harness = Harness(api, app, engine, uow_factory(engine), cfg, clock)
    _count_handled_updates(app, harness.handled)
    # The same order as bot/app/serve.py: initialize, post_init, poll (through the inbox), start.
    poller: InboxPoller = app.bot_data["poller"]
    poller.timeout = 1
    await app.initialize()
    await on_startup(app)
    await poller.start()
    await app.start()
    try:
        yield harness
    finally:
        await poller.stop()
        await app.stop()
        await on_shutdown(app)
        await app.shutdown()
        engine.dispose()


def _count_handled_updates(app: Any, handled: Counter[int]) -> None:
    """Count each update once the bot's handling of it (handlers, error handler) is over."""
    processor = app.update_processor
    process = processor.do_process_update

    async def counted(update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await process(update, coroutine)
        finally:
            update_id = getattr(update, "update_id", None)
            if update_id is not None:
                handled[update_id] += 1

    processor.do_process_update = counted


@pytest.fixture
async def bot(fake_api: LocalBotApi, config: Config, classifier: Classifier, tmp_path: Path,
              clock: ManualClock) -> AsyncIterator[Harness]:
    async for harness in start_harness(fake_api, config, classifier, tmp_path / "bot.db", clock):
        yield harness


def daytime() -> datetime:
    from datetime import UTC

    return datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
