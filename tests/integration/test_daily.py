"""The daily digest is owed once per community per local day, across sweeps and replicas."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from bot.app.clock import ManualClock
from bot.config import Config
from bot.services.digests import owe_due_digests
from bot.services.owed import render_owed
from storage.models import DigestRun, Outbox
from tests.factories import Uows, add_volunteer, deps_at, submit

COORDINATORS = {10001, 10002}
BEFORE_DIGEST = datetime(2026, 11, 3, 0, 29, tzinfo=UTC)  # 08:29 in Shanghai
AT_DIGEST = datetime(2026, 11, 3, 0, 30, tzinfo=UTC)  # 08:30


def digest_rows(uows: Uows) -> list[Outbox]:
    with uows() as uow:
        return list(uow.session.exec(
            select(Outbox).where(Outbox.notice == "digest").order_by(Outbox.id)).all())


def test_nothing_is_owed_before_digest_time(uows: Uows, config: Config) -> None:
    assert owe_due_digests(deps_at(uows, config, BEFORE_DIGEST)) == []
    assert digest_rows(uows) == []


def test_each_coordinator_gets_one_digest_a_day_however_often_the_sweep_runs(
        uows: Uows, config: Config) -> None:
    assert owe_due_digests(deps_at(uows, config, AT_DIGEST)) == ["hx"]
    for minutes in (1, 60, 600):  # later ticks the same day
        assert owe_due_digests(deps_at(uows, config, AT_DIGEST + timedelta(minutes=minutes))) == []
    rows = digest_rows(uows)
    assert {r.chat_id for r in rows} == COORDINATORS and len(rows) == 2
    assert all(r.payload == {"community_code": "hx", "day": "2026-11-03"} for r in rows)
    assert all(r.not_before == AT_DIGEST for r in rows)  # staff alert: sent at once

    assert owe_due_digests(deps_at(uows, config, AT_DIGEST + timedelta(days=1))) == ["hx"]
    assert len(digest_rows(uows)) == 4


def test_a_bot_down_at_digest_time_sends_today_s_digest_late_and_no_stale_ones(
        uows: Uows, config: Config) -> None:
    afternoon = AT_DIGEST + timedelta(days=2, hours=6)
    assert owe_due_digests(deps_at(uows, config, afternoon)) == ["hx"]
    with uows() as uow:
        days = [r.day for r in uow.session.exec(select(DigestRun)).all()]
    assert days == [date(2026, 11, 5)]


def test_two_replicas_at_the_same_tick_owe_the_digest_once(
        uows: Uows, config: Config) -> None:
    barrier = threading.Barrier(4)
    owed: list[list[str]] = []

    def tick() -> None:
        barrier.wait()
        owed.append(owe_due_digests(deps_at(uows, config, AT_DIGEST)))

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(code for codes in owed for code in codes) == ["hx"]
    assert len(digest_rows(uows)) == 2


def test_the_owed_digest_renders_as_a_chart_and_the_numbers(
        uows: Uows, config: Config) -> None:
    clock = ManualClock(AT_DIGEST - timedelta(hours=12))  # yesterday evening
    add_volunteer(uows, clock.now(), 500, buildings=["b1"])
    submit(uows, config, clock.now())
    owe_due_digests(deps_at(uows, config, AT_DIGEST))
    row = digest_rows(uows)[0]
    with uows() as uow:
        chart, text = render_owed(uow.session, config, row)
    assert chart.kind == "photo" and chart.photo is not None
    assert chart.photo.startswith(b"\x89PNG\r\n\x1a\n")
    assert text.kind == "text" and "和兴社区" in text.text
