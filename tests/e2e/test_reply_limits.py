"""A handler's replies go through the same path as the outbox (scheduler/limiter.py): a 429 on
one is waited out and the reply still arrives, and many residents at once against the stand-in's
flood limits all get their ticket number without a single 429 left unretried."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import texts
from bot.app.clock import ManualClock
from bot.classify import Classifier
from bot.config import Config
from bot.localapi import Call, LocalBotApi
from scheduler.pacing import Limits
from tests.e2e.conftest import Harness, start_harness

pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")

RESIDENT = 930
TEXT = "楼道灯坏了好几天了，晚上黑乎乎的"
BURST = 40  # residents at once: about 120 messages, four seconds at 30 a second


def calls_of(api: LocalBotApi, method: str, chat: int | None = None) -> list[Call]:
    return [c for c in api.calls(method) if chat is None or c.chat_id == chat]


async def test_a_reply_refused_with_429_is_sent_again_after_retry_after(bot: Harness) -> None:
    bot.api.fail_next("sendMessage", status=429, retry_after=1, chat_id=RESIDENT)
    since = time.monotonic()
    await bot.send_text(RESIDENT, TEXT)
    preview = await bot.reply_to(RESIDENT, "确认提交", since=since)
    refused, sent = calls_of(bot.api, "sendMessage", RESIDENT)
    assert refused.status == 429 and sent is preview and sent.ok
    assert sent.time - refused.time >= 1.0  # Telegram's retry_after, honoured
    await bot.settled()  # and handled once: one preview, no error reply
    assert bot.api.sent_to(RESIDENT) == [preview.params["text"]]


async def test_a_button_answer_refused_with_429_is_sent_again(bot: Harness) -> None:
    since = time.monotonic()
    await bot.send_text(RESIDENT, TEXT)
    preview = await bot.reply_to(RESIDENT, "确认提交", since=since)
    bot.api.fail_next("answerCallbackQuery", status=429, retry_after=1)
    await bot.press(RESIDENT, preview, "确认提交")
    await bot.api.wait_for(lambda c: c.method == "answerCallbackQuery" and c.ok)
    refused, answered = calls_of(bot.api, "answerCallbackQuery")
    assert refused.status == 429 and answered.time - refused.time >= 1.0
    await bot.reply_to(RESIDENT, "哪个楼院", since=since)  # and the press was handled


@pytest.fixture
async def telegram_like(config: Config, classifier: Classifier, tmp_path: Path,
                        clock: ManualClock) -> AsyncIterator[Harness]:
    """The bot with Telegram's limits as config.toml sets them, against a stand-in that refuses
    what Telegram would: 30 a second overall, 20 a minute per group, one a second per person
    with the same short burst."""
    limits = Limits.from_config(config.telegram)
    api = LocalBotApi(enforce_limits=True, private_burst=limits.private_burst)
    with api:
        async for harness in start_harness(api, config, classifier, tmp_path / "bot.db", clock,
                                           limits):
            yield harness


async def test_many_residents_at_once_all_get_their_number_within_the_limits(
        telegram_like: Harness) -> None:
    bot = telegram_like
    residents = range(7000, 7000 + BURST)
    numbers = await asyncio.gather(*(bot.submit(r, TEXT, building="3号楼") for r in residents))
    assert len(set(numbers)) == BURST
    # ...and the phone question after each number: a fourth message within seconds, which
    # waits until the person's burst window has room again.
    await bot.api.wait_for(lambda c: c.ok and c.chat_id in residents
                           and c.params.get("text") == texts.ASK_PHONE, count=BURST)
    for resident in residents:
        assert [c.status for c in bot.api.calls() if c.chat_id == resident
                and c.method in ("sendMessage", "editMessageText")] == [200] * 4
    # The stand-in refused nothing: the replies and the outbox's group posts kept 30 a second
    # together, and each person's chat its burst.
    assert bot.api.limit_violations == []
    assert [c for c in bot.api.calls() if c.status == 429] == []
