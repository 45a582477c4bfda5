"""Follow-ups and digests through the real Application: the JobQueue ticks, the DB decides."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot import texts
from bot.app.clock import ManualClock
from bot.classify import Classifier
from bot.config import Config
from bot.digest import messages as digest_messages
from bot.domain.states import TicketStatus as S
from bot.localapi import LocalBotApi
from bot.services import residents as T
from bot.services import volunteers as V
from storage.models import Outbox
from tests.e2e.conftest import COORDINATORS, Harness, start_harness
from tests.factories import RESIDENT, add_volunteer, deps_at, reload, submit
from tests.waiting import WAIT
from tests.wording import part

VOLUNTEER = 500
TICK = timedelta(seconds=1)
EARLY = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai: before the digest
REMINDER = part(texts.NOTICE_CONFIRM_REMINDER)


def resolved_ticket(h: Harness) -> int:
    now = h.clock.now()
    add_volunteer(h.uows, now, VOLUNTEER, name="李明", buildings=["b1"])
    number = submit(h.uows, h.config, now).id or 0
    d = deps_at(h.uows, h.config, now)
    V.accept_ticket(d, number, VOLUNTEER)
    V.resolve_ticket(d, number, VOLUNTEER, "换了灯泡")
    return number


def sent_count(api: LocalBotApi, chat_id: int, contains: str) -> int:
    return sum(contains in (c.params.get("text") or "") for c in api.calls()
               if c.chat_id == chat_id and c.ok and c.method == "sendMessage")


@pytest.fixture
async def ticking(fake_api: LocalBotApi, config: Config, classifier: Classifier,
                  tmp_path: Path) -> AsyncIterator[Harness]:
    async for h in start_harness(fake_api, config, classifier, tmp_path / "bot.db",
                                 ManualClock(EARLY), sweep_interval=TICK):
        yield h


async def test_the_ticking_sweep_reminds_the_resident_who_then_confirms(
        ticking: Harness) -> None:
    h = ticking
    number = resolved_ticket(h)
    h.clock.advance(h.config.followups.confirm_reminder)
    reminder = await h.reply_to(RESIDENT, REMINDER)
    assert f"编号 {number}" in reminder.params["text"]
    # Later ticks find nothing new to do for it: the next step is auto-close, days away.
    ticket = reload(h.uows, number)
    assert ticket.next_action == "auto_close"
    since = time.monotonic()
    await h.press(RESIDENT, reminder, texts.BTN_RESOLVED_YES)
    await h.reply_to(RESIDENT, part(texts.ASK_RATING), since=since)
    assert reload(h.uows, number).status == S.CLOSED
    assert sent_count(h.api, RESIDENT, REMINDER) == 1


async def test_the_daily_digest_reaches_each_coordinator_once_with_its_chart(
        ticking: Harness) -> None:
    h = ticking
    resolved_ticket(h)
    h.clock.advance(timedelta(minutes=30))  # 08:30 in Shanghai
    for coordinator in COORDINATORS:
        await h.reply_to(coordinator, "简报")
    photos = [c for c in h.api.calls("sendPhoto") if c.ok]
    assert sorted(c.chat_id for c in photos) == sorted(COORDINATORS)
    assert all(c.files and next(iter(c.files.values()))["size"] > 1000 for c in photos)
    # Several more ticks the same day: still one digest each.
    with h.uows() as uow:
        runs = uow.session.exec(
            Outbox.__table__.select().where(Outbox.notice == "digest")).all()  # type: ignore
    assert len(runs) == len(COORDINATORS)


async def test_residents_get_answers_while_the_digest_chart_is_drawn(
        ticking: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    h = ticking
    drawing, finish = threading.Event(), threading.Event()
    released: list[bool] = []

    def slow_chart(*args: Any, **kwargs: Any) -> bytes:
        drawing.set()
        # Held until the resident has had an answer. Drawn on the event loop, it would hold the
        # whole bot (and this test) until the wait gives up: released would then be False.
        # Longer than the test's own wait for the answer, so that one gives up first.
        released.append(finish.wait(timeout=1.5 * WAIT))
        return draw(*args, **kwargs)

    draw = digest_messages.render_chart
    monkeypatch.setattr(digest_messages, "render_chart", slow_chart)
    h.clock.advance(timedelta(minutes=30))  # 08:30 in Shanghai: the digest is owed
    assert await asyncio.to_thread(drawing.wait, WAIT), "the digest was never drawn"
    since = time.monotonic()
    await h.send_text(RESIDENT, "/start")
    await h.reply_to(RESIDENT, since=since)
    finish.set()
    for coordinator in COORDINATORS:
        await h.reply_to(coordinator, "简报")
    assert released and all(released), "the bot stood still while the chart was drawn"


async def test_a_restarted_bot_carries_on_where_the_old_one_stopped(
        fake_api: LocalBotApi, config: Config, classifier: Classifier, tmp_path: Path) -> None:
    clock = ManualClock(EARLY + timedelta(hours=2))  # 10:00: no quiet hours in the way
    db = tmp_path / "bot.db"
    async for first in start_harness(fake_api, config, classifier, db, clock,
                                     sweep_interval=TICK):
        number = resolved_ticket(first)
    # While the bot is down the deadline passes; the new process finds it in the database.
    clock.advance(first.config.followups.confirm_reminder)
    async for second in start_harness(fake_api, config, classifier, db, clock,
                                      sweep_interval=TICK):
        await second.reply_to(RESIDENT, REMINDER)
        clock.advance(second.config.followups.auto_close)
        await second.reply_to(RESIDENT, part(texts.NOTICE_AUTO_CLOSED))
        assert reload(second.uows, number).status == S.CLOSED
    assert sent_count(fake_api, RESIDENT, REMINDER) == 1


async def test_digest_command_sends_the_chart_and_numbers_now(bot: Harness) -> None:
    resolved_ticket(bot)
    since = time.monotonic()
    await bot.send_text(COORDINATORS[0], "/digest")
    text = await bot.reply_to(COORDINATORS[0], "简报", since=since)
    assert "和兴社区" in text.params["text"]
    [photo] = [c for c in bot.api.calls("sendPhoto") if c.chat_id == COORDINATORS[0]]
    assert photo.ok
    # Residents and volunteers are refused politely.
    since = time.monotonic()
    await bot.send_text(RESIDENT, "/digest")
    refusal = await bot.reply_to(RESIDENT, since=since)
    assert refusal.params["text"] == texts.NOT_COORDINATOR_COMMAND


async def test_revisit_buttons_reopen_to_the_same_volunteer(ticking: Harness) -> None:
    h = ticking
    number = resolved_ticket(h)
    T.confirm_resolution(deps_at(h.uows, h.config, h.clock.now()), number, RESIDENT)
    h.clock.advance(h.config.followups.revisit_after)
    asked = await h.reply_to(RESIDENT, part(texts.NOTICE_REVISIT))
    since = time.monotonic()
    await h.press(RESIDENT, asked, texts.BTN_REVISIT_BAD)
    await h.reply_to(RESIDENT, texts.REVISIT_REOPENED.format(number=number), since=since)
    told = await h.reply_to(VOLUNTEER, part(texts.NOTICE_REOPENED), since=since)
    assert f"#{number}" in told.params["text"]
    ticket = reload(h.uows, number)
    assert ticket.status == S.REOPENED and ticket.assignee_id is not None
    # Pressing the other button of the same question afterwards changes nothing.
    again = await h.press(RESIDENT, asked, texts.BTN_REVISIT_OK)
    alert = await h.api.wait_for(lambda c: c.method == "answerCallbackQuery"
                                 and c.params.get("callback_query_id")
                                 == again["callback_query"]["id"])
    assert alert.params.get("show_alert") is True
    assert reload(h.uows, number).status == S.REOPENED


async def test_quiet_hours_hold_a_reminder_until_morning_but_not_an_urgent_alert(
        fake_api: LocalBotApi, config: Config, classifier: Classifier, tmp_path: Path) -> None:
    evening = ManualClock(datetime(2026, 11, 2, 14, 0, tzinfo=UTC))  # 22:00 in Shanghai
    async for h in start_harness(fake_api, config, classifier, tmp_path / "bot.db", evening,
                                 sweep_interval=TICK):
        number = resolved_ticket(h)
        h.clock.advance(h.config.followups.confirm_reminder)  # 22:00 the next day
        urgent = submit(h.uows, h.config, h.clock.now(), text="电梯里困了人", urgent=True)
        h.clock.advance(h.config.classifier.urgent_time_limit)  # midnight: overdue already
        await h.reply_to(COORDINATORS[0], f"#{urgent.id}")
        await h.api.wait_for(lambda c: c.chat_id == COORDINATORS[0]
                             and "督办" in (c.params.get("text") or ""))
        # The same sweep owed the resident's reminder; it waits in the outbox for 07:30.
        with h.uows() as uow:
            [held] = uow.session.exec(select(Outbox).where(
                Outbox.ticket_id == number, Outbox.notice == "confirm_reminder")).all()
        assert (held.status, held.not_before) == (
            "pending", datetime(2026, 11, 3, 23, 30, tzinfo=UTC))
        assert sent_count(h.api, RESIDENT, REMINDER) == 0
        h.clock.advance(timedelta(hours=7, minutes=31))  # 07:31
        reminder = await h.reply_to(RESIDENT, REMINDER)
        assert f"编号 {number}" in reminder.params["text"]
