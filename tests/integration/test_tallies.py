"""The digest's per-day tallies: kept exact through every service, rebuilt when they must be,
and summing to what counting the tickets directly gives. SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text
from sqlmodel import select

from bot.app.clock import ManualClock
from bot.config import Config
from bot.digest.daystats import DayTallies
from bot.digest.stats import DayRow, backlog, period_stats
from bot.domain.errors import DomainError
from bot.domain.states import OPEN_STATUSES, Action, Role
from bot.domain.states import TicketStatus as S
from bot.services.followups import answer_revisit, sweep
from bot.services.moves import load_ticket, move
from bot.services.office import close_ticket, reopen_ticket
from bot.services.residents import cancel_ticket, confirm_resolution, rate_ticket, reject_resolution
from bot.services.volunteers import accept_ticket, claim_ticket, release_ticket, resolve_ticket
from storage.db import create_schema, make_engine, uow_factory
from storage.models import Ticket, TicketEvent, Volunteer
from storage.tallies import ensure_tallies
from tests.conftest import REPO
from tests.factories import (
    COORDINATOR,
    RESIDENT,
    Uows,
    add_volunteer,
    deps_at,
    recounted_tallies,
    submit,
    tallies_now,
)

VOLUNTEERS = (701, 702, 703, 704)
CATEGORIES = ("repairs", "sanitation", "parking", "elderly")
START = datetime(2026, 9, 20, 1, 0, tzinfo=UTC)


def _midnight(config: Config, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=config.tz).astimezone(UTC)


def _state(uows: Uows, number: int) -> tuple[str, int | None]:
    """The ticket's status and the Telegram id of whoever holds or was offered it."""
    with uows() as uow:
        ticket = uow.session.get(Ticket, number)
        assert ticket is not None
        holder = uow.session.get(Volunteer, ticket.assignee_id) if ticket.assignee_id else None
        return ticket.status, holder.tg_id if holder else None


def _act(uows: Uows, config: Config, now: datetime, number: int, rng: random.Random,
         status: str, holder: int | None) -> None:
    """What a person might plausibly do with the ticket next; now and then something the
    ticket's state does not allow, which must be refused without moving any counter."""
    anyone = rng.choice(VOLUNTEERS)
    volunteer = holder if holder is not None and rng.random() < 0.9 else anyone
    if rng.random() < 0.1:
        status = rng.choice((S.SUBMITTED, S.ASSIGNED, S.CLAIMED, S.RESOLVED, S.CLOSED))
    d = deps_at(uows, config, now)
    choices: dict[str, tuple[Callable[[], object], ...]] = {
        S.SUBMITTED: (
            lambda: claim_ticket(d, number, anyone),
            lambda: cancel_ticket(d, number, RESIDENT),
            lambda: close_ticket(d, number, COORDINATOR, "duplicate"),
        ),
        S.ASSIGNED: (
            lambda: accept_ticket(d, number, volunteer),
            lambda: accept_ticket(d, number, volunteer),
            lambda: cancel_ticket(d, number, RESIDENT),
        ),
        S.CLAIMED: (
            lambda: resolve_ticket(d, number, volunteer, "已修好"),
            lambda: resolve_ticket(d, number, volunteer, "已修好"),
            lambda: release_ticket(d, number, volunteer),
            lambda: close_ticket(d, number, COORDINATOR, "unable"),
        ),
        S.RESOLVED: (
            lambda: confirm_resolution(d, number, RESIDENT),
            lambda: reject_resolution(d, number, RESIDENT, "还是坏的"),
            lambda: reopen_ticket(d, number, COORDINATOR, "居民来电"),
        ),
        S.CLOSED: (
            lambda: rate_ticket(d, number, RESIDENT, rng.randint(1, 5)),
            lambda: reopen_ticket(d, number, COORDINATOR, "居民来电"),
            lambda: answer_revisit(d, number, RESIDENT, rng.random() < 0.5),
        ),
    }
    same = {S.IN_PROGRESS: S.CLAIMED, S.REOPENED: S.CLAIMED if holder else S.SUBMITTED,
            S.CLOSED_UNRESOLVED: S.CLOSED, S.CANCELLED: S.CLOSED}
    with contextlib.suppress(DomainError):
        rng.choice(choices[same.get(status, status)])()


def _live(uows: Uows, config: Config, clock: ManualClock, steps: int, seed: int) -> None:
    """A community's weeks: residents submit, volunteers take, hand back and finish tickets,
    residents confirm, reject, rate and withdraw, the office closes and reopens, and the
    sweep runs its follow-ups (accept timeouts, auto-closes, 回头看)."""
    rng = random.Random(seed)
    for tg_id in VOLUNTEERS:
        add_volunteer(uows, clock.now(), tg_id, categories=CATEGORIES, max_open=50)
    numbers: list[int] = []
    for _ in range(steps):
        clock.advance(timedelta(minutes=rng.choice((20, 90, 240, 600))))
        now = clock.now()
        if not numbers or rng.random() < 0.25:
            numbers.append(submit(uows, config, now, category=rng.choice(CATEGORIES)).id or 0)
        elif rng.random() < 0.1:
            sweep(deps_at(uows, config, now))
        else:
            number = rng.choice(numbers[-40:])  # mostly the recent ones, as in life
            _act(uows, config, now, number, rng, *_state(uows, number))


def _tickets(uows: Uows) -> list[Ticket]:
    with uows() as uow:
        return list(uow.session.exec(select(Ticket).where(Ticket.community == "hx")).all())


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)


def _series_by_hand(config: Config, tickets: list[Ticket], end: date,
                    days: int) -> list[DayRow]:
    rows = []
    for i in range(days, 0, -1):
        day = end - timedelta(days=i)
        start, stop = _midnight(config, day), _midnight(config, day + timedelta(days=1))
        created = [_aware(t.created_at) for t in tickets]
        closed = [_aware(t.closed_at) for t in tickets]
        rows.append(DayRow(
            day=day,
            new=sum(1 for c in created if c is not None and start <= c < stop),
            closed=sum(1 for t, c in zip(tickets, closed, strict=True)
                       if c is not None and start <= c < stop
                       and t.status in (S.CLOSED, S.CLOSED_UNRESOLVED)),
            backlog=sum(1 for c, e in zip(created, closed, strict=True)
                        if c is not None and c < stop and (e is None or e >= stop)),
        ))
    return rows


def _by_volunteer_by_hand(uows: Uows, config: Config, day: date) -> dict[int, tuple[int, int]]:
    start, stop = _midnight(config, day), _midnight(config, day + timedelta(days=1))
    counts: Counter[tuple[int, str]] = Counter()
    with uows() as uow:
        for event in uow.session.exec(select(TicketEvent)).all():
            at = _aware(event.at)
            if event.actor_tg_id is not None and at is not None and start <= at < stop:
                kind = {"accept": "c", "claim": "c", "resolve": "r"}.get(event.action)
                if kind:
                    counts[(event.actor_tg_id, kind)] += 1
    actors = {a for a, _ in counts}
    return {a: (counts[(a, "c")], counts[(a, "r")]) for a in actors}


def test_a_month_of_work_keeps_the_tallies_equal_to_the_tickets(
        uows: Uows, engine: Engine, config: Config) -> None:
    clock = ManualClock(START)
    _live(uows, config, clock, steps=700, seed=4)
    # The digest is sent the morning after the last step.
    day = clock.now().astimezone(config.tz).date() + timedelta(days=1)
    now = _midnight(config, day) + timedelta(hours=9)
    tickets = _tickets(uows)
    statuses = Counter(t.status for t in tickets)
    # The life above reached every state the digest counts.
    assert {S.CLOSED, S.CLOSED_UNRESOLVED, S.CANCELLED, S.REOPENED, S.RESOLVED} <= set(statuses)
    assert any(t.rating for t in tickets) and any(t.reopen_count for t in tickets)

    assert tallies_now(engine) == recounted_tallies(engine, config.tz)
    with uows() as uow:
        tallies = DayTallies(uow.session, config, "hx", day - timedelta(days=30))
        for first in (day - timedelta(days=1), day - timedelta(days=7),
                      day - timedelta(days=30)):
            # The same numbers /stats counts straight from the tickets.
            assert tallies.window(first, day) == period_stats(
                uow.session, "hx", _midnight(config, first), _midnight(config, day), now)
        open_now = backlog(uow.session, "hx")["total"]
        assert open_now == sum(statuses[s] for s in OPEN_STATUSES)
        assert tallies.series(14, day, open_now) == _series_by_hand(config, tickets, day, 14)
        for back in (1, 2, 3):
            one = day - timedelta(days=back)
            assert tallies.by_volunteer(one, one + timedelta(days=1)) == \
                _by_volunteer_by_hand(uows, config, one)


def test_refused_and_uncommitted_changes_move_no_counter(
        uows: Uows, engine: Engine, config: Config) -> None:
    clock = ManualClock(START)
    add_volunteer(uows, clock.now(), VOLUNTEERS[0], categories=CATEGORIES)
    ticket = submit(uows, config, clock.now())
    before = tallies_now(engine)
    assert before  # the submission itself was counted
    with pytest.raises(DomainError):  # nothing to confirm yet
        confirm_resolution(deps_at(uows, config, clock.now()), ticket.id or 0, RESIDENT)
    with uows() as uow:  # a change that is never committed
        move(uow.session, config, clock.now(), load_ticket(uow.session, ticket.id or 0),
             action=Action.CANCEL, role=Role.RESIDENT, actor_tg_id=RESIDENT,
             closed_at=clock.now())
    with uows() as uow:  # the same kind of session, committing something else
        uow.session.exec(select(Ticket)).all()
        uow.commit()
    assert tallies_now(engine) == before


def test_counters_are_recounted_once_for_an_older_database_or_another_timezone(
        uows: Uows, engine: Engine, config: Config) -> None:
    clock = ManualClock(datetime(2026, 11, 1, 16, 30, tzinfo=UTC))  # 00:30, 2 Nov in Shanghai
    add_volunteer(uows, clock.now(), VOLUNTEERS[0], categories=CATEGORIES)
    submit(uows, config, clock.now())
    kept = tallies_now(engine)
    # A database from before the tallies: tickets, but no counters and no record of them.
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM tally"))
        conn.execute(text("DELETE FROM tallystate"))
    assert ensure_tallies(engine, config.tz, clock.now()) is True
    assert tallies_now(engine) == kept
    assert ensure_tallies(engine, config.tz, clock.now()) is False  # the next start: nothing
    assert {day for (_c, metric, day, _k) in kept if metric == "new"} == {20261102}
    # The office moves the bot to another timezone: days are local days, so all is recounted.
    assert ensure_tallies(engine, ZoneInfo("America/New_York"), clock.now()) is True
    days = {day for (_c, metric, day, _k) in tallies_now(engine) if metric == "new"}
    assert days == {20261101}  # 12:30 on 1 November in New York
    assert ensure_tallies(engine, config.tz, clock.now()) is True  # and back
    assert tallies_now(engine) == kept


def test_two_replicas_starting_together_count_once(
        uows: Uows, engine: Engine, config: Config) -> None:
    clock = ManualClock(START)
    add_volunteer(uows, clock.now(), VOLUNTEERS[0], categories=CATEGORIES)
    for _ in range(20):
        submit(uows, config, clock.now())
    kept = tallies_now(engine)
    with engine.begin() as conn:  # as if upgraded from a version without tallies
        conn.execute(text("DELETE FROM tally"))
        conn.execute(text("DELETE FROM tallystate"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        counted = list(pool.map(lambda _: ensure_tallies(engine, config.tz, clock.now()),
                                range(2)))
    assert sorted(counted) == [False, True]
    assert tallies_now(engine) == kept


def test_the_recount_command_repairs_tallies_after_a_hand_edit(tmp_path: Path,
                                                                config: Config) -> None:
    db_path = tmp_path / "bot.db"
    engine = make_engine(f"sqlite:///{db_path}")
    create_schema(engine)
    uows = uow_factory(engine)
    add_volunteer(uows, START, VOLUNTEERS[0], categories=CATEGORIES)
    number = submit(uows, config, START).id
    with engine.begin() as conn:  # someone fixes a category straight in the database
        conn.execute(text("UPDATE ticket SET category = 'parking' WHERE id = :n"), {"n": number})
    assert tallies_now(engine) != recounted_tallies(engine, config.tz)
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "BOT_CONFIG")}
    env.update(DATABASE_URL=f"sqlite:///{db_path}", PYTHONIOENCODING="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "recount"], cwd=REPO, env=env,
                            capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "已按 1 件工单重新统计简报计数。" in result.stdout
    assert tallies_now(engine) == recounted_tallies(engine, config.tz)
    assert ("hx", "new", 20260920, "parking") in tallies_now(engine)
    engine.dispose()
