"""/healthz's judgement and /metrics' database gauges (bot/services/health.py over
storage/monitoring.py), on SQLite and PostgreSQL, with the clock moved by hand."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select

from bot.app.clock import ManualClock
from bot.config import Config
from bot.services.deps import Deps
from bot.services.health import check_health, database_snapshot
from storage.db import make_engine, uow_factory
from storage.models import Outbox, Ticket
from tests.factories import Uows, add_volunteer, store, submit

FRESH = 1.0  # seconds since the last sweep: a live ticker


def owe(uows: Uows, clock: ManualClock, chat_id: int, *, due_in: timedelta = timedelta(0),
        status: str = "pending", sent_ago: timedelta | None = None) -> None:
    now = clock.now()
    store(uows, [Outbox(chat_id=chat_id, notice="digest_failed", created_at=now,
                        not_before=now + due_in, status=status,
                        sent_at=None if sent_ago is None else now - sent_ago)])


def test_an_idle_bot_is_healthy(deps: Deps) -> None:
    health = check_health(deps, FRESH)
    assert health.ok and health.reason == "ok" and health.database
    assert (health.outbox_backlog, health.outbox_oldest_age, health.last_send_age) == (0, 0, None)
    assert health.as_dict()["status"] == "ok"


def test_a_sweep_that_stopped_makes_it_stale(deps: Deps, config: Config) -> None:
    limit = config.ops.sweep_stale_after.total_seconds()
    assert check_health(deps, limit).ok
    health = check_health(deps, limit + 1)
    assert not health.ok and health.reason.startswith("sweep stale")
    assert health.as_dict()["status"] == "stale"


def test_a_message_due_long_ago_with_nothing_sent_makes_it_stale(
        deps: Deps, uows: Uows, clock: ManualClock, config: Config) -> None:
    limit = config.ops.send_stale_after
    owe(uows, clock, 777)
    owe(uows, clock, 778, due_in=timedelta(hours=9))  # held for the morning: not late
    clock.advance(limit)
    assert check_health(deps, FRESH).ok  # due exactly the limit ago: not yet
    clock.advance(timedelta(seconds=1))
    health = check_health(deps, FRESH)
    assert not health.ok and health.reason.startswith("sender stale")
    assert health.outbox_backlog == 1 and health.outbox_oldest_age == limit.total_seconds() + 1


def test_a_sender_busy_with_a_backlog_is_not_stale(
        deps: Deps, uows: Uows, clock: ManualClock, config: Config) -> None:
    owe(uows, clock, 777)
    clock.advance(config.ops.send_stale_after * 2)
    owe(uows, clock, 779, status="sent", sent_ago=timedelta(seconds=30))
    health = check_health(deps, FRESH)
    assert health.ok, health
    assert health.last_send_age == 30 and health.outbox_backlog == 1


def test_a_database_that_does_not_answer_is_stale(config: Config, clock: ManualClock) -> None:
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")  # nothing listens on port 1
    try:
        health = check_health(Deps(config, uow_factory(engine), clock), FRESH)
    finally:
        engine.dispose()
    assert not health.ok and not health.database and health.reason == "database unreachable"


def test_the_database_snapshot_counts_the_backlog_and_tickets_by_state(
        deps: Deps, uows: Uows, clock: ManualClock, config: Config) -> None:
    submit(uows, config, clock.now())  # nobody serves repairs yet: it waits, submitted
    add_volunteer(uows, clock.now(), 500, buildings=["b1"])
    submit(uows, config, clock.now())  # offered to the volunteer
    submit(uows, config, clock.now())
    owe(uows, clock, 777)
    owe(uows, clock, 778, due_in=timedelta(hours=9))
    with uows() as uow:  # the submissions' own notices were sent just now
        uow.session.exec(update(Outbox).where(col(Outbox.ticket_id).is_not(None)).values(
            status="sent", sent_at=clock.now()))
        uow.commit()
        expected = Counter((t.community, str(t.status.value))
                           for t in uow.session.exec(select(Ticket)).all())
    clock.advance(timedelta(minutes=1))
    snapshot = database_snapshot(deps)
    assert (snapshot.outbox_due, snapshot.outbox_scheduled) == (1, 1)
    assert snapshot.outbox_oldest_due_age == 60 and snapshot.outbox_last_sent_age == 60
    assert {(c, s): n for c, s, n in snapshot.tickets} == expected
    assert sum(expected.values()) == 3 and len(expected) == 2
