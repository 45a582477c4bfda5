"""The operations kit against the whole Application and the stand-in Bot API: /metrics counts
what the bot did, /healthz turns 503 when the sweep or the sender stalls (clocks moved by hand),
and JSON log lines carry the update, chat and ticket, never a resident's words."""

from __future__ import annotations

import io
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func
from sqlmodel import select
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot import texts
from bot.app.application import build_web, configure_logging
from bot.app.clock import ManualClock
from bot.classify import Classifier
from bot.config import Config, OpsSection
from bot.localapi import LocalBotApi
from bot.ops.metrics import Metrics
from scheduler.pacing import Limits
from storage.models import Outbox
from tests.e2e.conftest import FAST, GROUP, Harness, start_harness
from tests.factories import submit
from tests.logs import enable_loggers, unconfigure
from tests.waiting import until

RESIDENT = 4101
VOLUNTEER = 4201
BOOM = "/boom"  # a command whose handler raises (added by the test)
# FAST, but a 5xx rests its chat for an hour: a failed send stays failed while the test looks.
SLOW_RETRY = Limits(per_second=FAST.per_second, group_interval=0.0, private_interval=0.0,
                    retry_base=3600.0, retry_max=3600.0)


class FakeMonotonic:
    """The metrics' real-time clock, moved by hand: how long ago the sweep last ran."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Ops:
    bot: Harness
    web: Any
    monotonic: FakeMonotonic
    metrics: Metrics

    async def get(self, path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.web, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
            return await http.get(path)

    async def scrape(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        answer = await self.get("/metrics")
        assert answer.status_code == 200
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(answer.text)
                for s in family.samples}

    async def run_sweep(self) -> None:
        """One tick of the sweep job, as the JobQueue runs it."""
        job, = self.bot.app.job_queue.get_jobs_by_name("sweep")
        await job.run(self.bot.app)


async def _ops(api: LocalBotApi, config: Config, classifier: Classifier, tmp_path: Path,
               clock: ManualClock, limits: Limits = FAST) -> AsyncIterator[Ops]:
    monotonic = FakeMonotonic()
    metrics = Metrics(monotonic=monotonic)
    async for bot in start_harness(api, config, classifier, tmp_path / "bot.db", clock,
                                   limits=limits, metrics=metrics):
        async def boom(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            message = update.effective_message
            if message is not None and message.text == BOOM:
                raise RuntimeError("a handler failed")

        bot.app.add_handler(TypeHandler(Update, boom), group=-1)
        yield Ops(bot, build_web(bot.app), monotonic, metrics)


@pytest.fixture
async def ops(fake_api: LocalBotApi, config: Config, classifier: Classifier, tmp_path: Path,
              clock: ManualClock) -> AsyncIterator[Ops]:
    async for found in _ops(fake_api, config, classifier, tmp_path, clock):
        yield found


def value(scraped: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
          **labels: str) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_count_what_the_bot_did(ops: Ops) -> None:
    bot, api = ops.bot, ops.bot.api
    bot.add_volunteer(VOLUNTEER, "李明", categories=("repairs",), buildings=("b1",))
    before = await ops.scrape()
    assert value(before, "bot_updates_handled_total") == 0
    assert value(before, "bot_database_up") == 1
    # The offer to the volunteer fails once with a 5xx, then goes (after a second's rest).
    api.fail_next("sendMessage", status=500, chat_id=VOLUNTEER)
    number = await bot.submit(RESIDENT, "1号楼楼道灯坏了三天了，晚上看不见路")
    since = time.monotonic()
    api.push_text(RESIDENT, BOOM)
    await bot.reply_to(RESIDENT, texts.ERROR_TRY_AGAIN, since=since)
    await bot.settled()
    await ops.run_sweep()  # it owes the coordinators today's digest (it is past 08:30)
    await bot.settled()

    scraped = await ops.scrape()
    # The submission (its text names the building: text and 确认提交) and the failing one.
    assert value(scraped, "bot_updates_handled_total") == sum(bot.handled.values()) >= 3
    assert value(scraped, "bot_updates_failed_total") == 1
    with bot.uows() as uow:
        sent = uow.session.exec(select(func.count()).select_from(Outbox).where(
            Outbox.status == "sent")).one()
    assert sent >= 1
    assert value(scraped, "bot_outbox_sends_total", result="sent") == sent
    assert value(scraped, "bot_outbox_sends_total", result="retry") == 1
    assert value(scraped, "bot_outbox_sends_total", result="failed") == 0
    assert value(scraped, "bot_outbox_backlog") == 0
    assert value(scraped, "bot_outbox_oldest_age_seconds") == 0
    assert value(scraped, "bot_outbox_last_sent_age_seconds") == 0  # the clock stood still
    ticket_states = {dict(labels)["state"]: v for (name, labels), v in scraped.items()
                     if name == "bot_tickets"}
    assert sum(ticket_states.values()) == 1 and number == 1
    assert value(scraped, "bot_tickets", community="hx", state="assigned") == 1
    assert value(scraped, "bot_sweep_duration_seconds_count") == 1
    assert value(scraped, "bot_sweep_failures_total") == 0
    assert value(scraped, "bot_sweep_age_seconds") == 0  # the fake clock did not move


async def test_healthz_is_stale_while_the_sweep_has_not_run(ops: Ops, config: Config) -> None:
    assert (await ops.get("/healthz")).status_code == 200
    ops.monotonic.now += config.ops.sweep_stale_after.total_seconds() + 1
    stale = await ops.get("/healthz")
    assert stale.status_code == 503
    assert stale.json()["status"] == "stale" and stale.json()["reason"].startswith("sweep stale")
    await ops.run_sweep()
    healthy = await ops.get("/healthz")
    assert healthy.status_code == 200 and healthy.json()["sweep_age"] == 0


@pytest.fixture
async def slow_retry(fake_api: LocalBotApi, config: Config, classifier: Classifier,
                     tmp_path: Path, clock: ManualClock) -> AsyncIterator[Ops]:
    async for found in _ops(fake_api, config, classifier, tmp_path, clock, SLOW_RETRY):
        yield found


async def test_healthz_is_stale_when_owed_messages_wait_and_nothing_is_sent(
        slow_retry: Ops, config: Config, clock: ManualClock) -> None:
    ops, bot = slow_retry, slow_retry.bot
    bot.api.fail_next("sendMessage", status=502, chat_id=GROUP)  # Telegram is down for it
    submit(bot.uows, bot.config, clock.now())  # nobody serves repairs: posted to the group
    bot.app.bot_data["dispatcher"].wake()
    await until(lambda: ops.metrics.sends.labels("retry")._value.get() == 1)
    assert (await ops.get("/healthz")).status_code == 200  # due just now
    clock.advance(config.ops.send_stale_after + timedelta(seconds=1))
    stale = await ops.get("/healthz")
    assert stale.status_code == 503, stale.json()
    body = stale.json()
    assert body["reason"].startswith("sender stale") and body["outbox_backlog"] == 1
    assert body["last_send_age"] is None
    scraped = await ops.scrape()
    assert value(scraped, "bot_outbox_backlog") == 1
    assert value(scraped, "bot_outbox_oldest_age_seconds") == (
        config.ops.send_stale_after.total_seconds() + 1)


async def test_json_log_lines_carry_update_chat_and_ticket_and_no_residents_words(
        ops: Ops) -> None:
    bot = ops.bot
    enable_loggers()
    stream = io.StringIO()
    handler = configure_logging(OpsSection(log_format="json", log_level="DEBUG"), stream)
    words, name, phone = "1号楼楼道灯坏了三天了", "王秀英", "13812345678"
    try:
        number = await bot.submit(RESIDENT, f"{words}，我是{name}，电话{phone}", first_name=name)
        since = time.monotonic()
        bot.api.push_contact(RESIDENT, f"+86{phone}", first_name=name)
        bot.api.push_text(RESIDENT, BOOM, first_name=name)
        await bot.reply_to(RESIDENT, texts.ERROR_TRY_AGAIN, since=since)
        await bot.settled()
    finally:
        unconfigure(handler)
    output = stream.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]
    assert lines and all({"time", "level", "logger", "message"} <= set(x) for x in lines)
    failed = [x for x in lines if x["message"].startswith("update ") and "failed" in x["message"]]
    assert len(failed) == 1 and failed[0]["level"] == "ERROR"
    assert failed[0]["chat"] == RESIDENT and isinstance(failed[0]["update_id"], int)
    assert f"update {failed[0]['update_id']} failed" == failed[0]["message"]
    assert "RuntimeError: a handler failed" in failed[0]["exc"]
    handled = [x for x in lines if x["message"].startswith("update handled")]
    assert len(handled) == sum(bot.handled.values())
    assert all(x["chat"] == RESIDENT and "update_id" in x for x in handled)
    assert len({x["update_id"] for x in handled}) == len(handled)
    # The press that stored the ticket knows its number, and says it.
    assert [x["ticket"] for x in handled if "ticket" in x] == [number]
    for secret in (words, "楼道灯", name, phone, phone[-4:] + '"'):
        assert secret not in output, secret
