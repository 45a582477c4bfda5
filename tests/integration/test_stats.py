"""/stats and digest numbers on a hand-made ledger, checked exactly, on SQLite and PostgreSQL.

The window under test is the local day 2026-11-01 in Asia/Shanghai; "now" is 2026-11-02
09:00 local. Every ticket below is commented with what it is there to prove.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import texts
from bot.config import Config
from bot.digest.daystats import DayTallies
from bot.digest.stats import (
    DayRow,
    OverdueRow,
    UnclaimedRow,
    VolunteerRow,
    backlog,
    overdue_tickets,
    period_stats,
    unclaimed_tickets,
    volunteer_counts,
)
from bot.domain.states import TicketStatus as S
from bot.texts.render import format_rate
from storage.db import UnitOfWork
from storage.models import Ticket, TicketEvent, Volunteer
from tests.factories import Uows, recount_tallies, store

SH = ZoneInfo("Asia/Shanghai")


def L(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock moment in 2026, as the aware UTC the database holds."""
    return datetime(2026, month, day, hour, minute, tzinfo=SH).astimezone(UTC)


START, END = L(11, 1, 0), L(11, 2, 0)  # the local day 1 November
NOW = L(11, 2, 9)
V1, V2, V3, VQ = 501, 502, 503, 601  # volunteers' Telegram ids (VQ serves community "qt")


def _ticket(
    number: int,
    category: str,
    created: datetime,
    status: str,
    *,
    community: str = "hx",
    accept_due: datetime | None = None,
    due: datetime | None = None,
    claimed: datetime | None = None,
    resolved: datetime | None = None,
    closed: datetime | None = None,
    assignee: int | None = None,
    rating: int | None = None,
    close_reason: str | None = None,
    needs_triage: bool = False,
    building: str | None = None,
) -> Ticket:
    return Ticket(
        id=number, kind="complaint", text=f"工单{number}", category=category, status=status,
        community=community, created_at=created,
        accept_due_at=accept_due or created + timedelta(hours=8),
        due_at=due or created + timedelta(days=7),
        claimed_at=claimed, resolved_at=resolved, closed_at=closed, assignee_id=assignee,
        rating=rating, close_reason=close_reason, needs_triage=needs_triage, building=building,
    )


def _volunteer(vid: int, tg_id: int, name: str, community: str = "hx",
               active: bool = True) -> Volunteer:
    return Volunteer(
        id=vid, tg_id=tg_id, name=name, unit=f"单位{vid}", community=community,
        active=active, created_at=L(10, 1, 9), updated_at=L(10, 1, 9),
    )


def _event(number: int, tg_id: int, action: str, at: datetime) -> TicketEvent:
    return TicketEvent(ticket_id=number, actor_kind="volunteer", actor_tg_id=tg_id,
                       action=action, at=at)


def build_ledger(uows: Uows) -> None:
    volunteers = [
        _volunteer(1, V1, "张三"),
        _volunteer(2, V2, "李四"),
        _volunteer(3, V3, "王五", active=False),
        _volunteer(4, VQ, "赵六", community="qt"),
    ]
    tickets = [
        # created 00:30 local = 16:30 UTC the day before: belongs to the local day 1 Nov;
        # claimed in time, resolved, confirmed, rated 5
        _ticket(1, "repairs", L(11, 1, 0, 30), S.CLOSED, claimed=L(11, 1, 2),
                resolved=L(11, 1, 10), closed=L(11, 1, 15), assignee=1, rating=5),
        # claimed after its accept limit (17:00): in the base, not responded; overdue 23 h
        _ticket(2, "repairs", L(11, 1, 9), S.IN_PROGRESS, claimed=L(11, 1, 18),
                due=L(11, 1, 10), assignee=2),
        # never claimed, limit (18:00) passed: not responded; waiting in the unclaimed list
        _ticket(3, "sanitation", L(11, 1, 10), S.SUBMITTED, building="b3"),
        # created 23:30 local: local day 1 Nov; limit 07:30 on 2 Nov is after the window
        _ticket(4, "sanitation", L(11, 1, 23, 30), S.SUBMITTED, needs_triage=True),
        # claimed in time, resolved and confirmed, never rated
        _ticket(5, "parking", L(11, 1, 11), S.CLOSED, claimed=L(11, 1, 12),
                resolved=L(11, 1, 13), closed=L(11, 1, 14), assignee=1),
        # withdrawn before its limit: out of the response base; cancelled, not a closure
        _ticket(6, "parking", L(11, 1, 12), S.CANCELLED, closed=L(11, 1, 12, 30)),
        # withdrawn after its limit passed unclaimed: in the base, not responded
        _ticket(7, "safety", L(11, 1, 13), S.CANCELLED, closed=L(11, 1, 22)),
        # created before the window, resolved and closed in it, rated 2 (not satisfied)
        _ticket(8, "other", L(10, 30, 10), S.CLOSED, claimed=L(10, 30, 11),
                resolved=L(11, 1, 9), closed=L(11, 1, 10), assignee=2, rating=2),
        # closed unresolved (duplicate) in the window; past due but final: not overdue
        _ticket(9, "disputes", L(10, 28, 10), S.CLOSED_UNRESOLVED, closed=L(11, 1, 16),
                due=L(10, 29, 10), close_reason="duplicate"),
        # reopened, held by 张三, due 28 Oct 10:00: 4 days 23 h late
        _ticket(10, "repairs", L(10, 25, 10), S.REOPENED, claimed=L(10, 25, 11),
                due=L(10, 28, 10), assignee=1),
        # assigned to 李四, not yet accepted, due 31 Oct 08:00: 2 days 1 h late
        _ticket(11, "elderly", L(10, 29, 8), S.ASSIGNED, due=L(10, 31, 8), assignee=2),
        # created today, claimed at once, limit 16:00 today not passed: not judgeable yet
        _ticket(12, "repairs", L(11, 2, 8), S.CLAIMED, claimed=L(11, 2, 8, 30), assignee=1),
        # resolved (awaiting the resident) in the window; past due but resolved: not overdue
        _ticket(13, "culture", L(10, 31, 23), S.RESOLVED, claimed=L(10, 31, 23, 30),
                resolved=L(11, 1, 11), due=L(11, 1, 0), assignee=2),
        # claimed exactly at its limit (22:00): responded
        _ticket(14, "sanitation", L(11, 1, 14), S.CLAIMED, claimed=L(11, 1, 22), assignee=2),
        # limit 23:00, before the window end: claimed in time
        _ticket(15, "greening", L(11, 1, 15), S.CLAIMED, claimed=L(11, 1, 15, 30),
                assignee=1),
        # limit exactly at the window end (2 Nov 00:00): not in this window's base
        _ticket(16, "hardship", L(11, 1, 16), S.SUBMITTED),
        # reopened and handed back: nobody holds it; 5 days 23 h late
        _ticket(17, "repairs", L(10, 20, 10), S.REOPENED, due=L(10, 27, 10)),
        # ---- community "qt": must never be counted for "hx" ----
        _ticket(20, "repairs", L(11, 1, 10), S.CLOSED, community="qt", claimed=L(11, 1, 10, 30),
                resolved=L(11, 1, 11), closed=L(11, 1, 12), assignee=4, rating=5),
        _ticket(21, "repairs", L(10, 20, 10), S.SUBMITTED, community="qt", due=L(10, 25, 10)),
        _ticket(22, "parking", L(11, 1, 13), S.CANCELLED, community="qt",
                closed=L(11, 1, 13, 10)),
    ]
    events = [
        _event(1, V1, "accept", L(11, 1, 2)),
        _event(1, V1, "resolve", L(11, 1, 10)),
        _event(2, V2, "claim", L(11, 1, 18)),
        _event(2, V2, "progress", L(11, 1, 19)),  # not a claim or a resolve
        _event(5, V1, "accept", L(11, 1, 12)),
        _event(5, V1, "resolve", L(11, 1, 13)),
        _event(8, V2, "accept", L(10, 30, 11)),  # before the window
        _event(8, V2, "resolve", L(11, 1, 9)),
        _event(10, V1, "accept", L(10, 25, 11)),  # before the window
        _event(12, V1, "accept", L(11, 2, 8, 30)),  # after the window
        _event(13, V2, "accept", L(10, 31, 23, 30)),  # half an hour before the window
        _event(13, V2, "resolve", L(11, 1, 11)),
        _event(14, V2, "claim", L(11, 1, 22)),
        _event(15, V1, "claim", L(11, 1, 15, 30)),
        _event(17, V1, "release", L(11, 1, 8)),
        _event(20, VQ, "claim", L(11, 1, 10, 30)),
        _event(20, VQ, "resolve", L(11, 1, 11)),
        _event(20, V1, "resolve", L(11, 1, 11)),  # another community's ticket: not counted
    ]
    store(uows, volunteers, tickets, events)
    recount_tallies(uows, SH, NOW)


@pytest.fixture
def ledger(uows: Uows) -> Uows:
    build_ledger(uows)
    return uows


def _tallies(uow: UnitOfWork, config: Config) -> DayTallies:
    return DayTallies(uow.session, config, "hx", date(2026, 10, 1))


# ---- period_stats ---------------------------------------------------------------------------


def test_period_counts(ledger: Uows) -> None:
    with ledger() as uow:
        stats = period_stats(uow.session, "hx", START, END, NOW)
    assert (stats.start, stats.end) == (START, END)
    assert stats.new == 10  # 1-7, 14, 15, 16
    assert stats.claimed == 5  # 1, 2, 5, 14, 15 (13 was claimed before, 12 after)
    assert stats.resolved == 4  # 1, 5, 8, 13
    assert stats.closed == 3  # 1, 5, 8
    assert stats.closed_unresolved == 1  # 9
    assert stats.cancelled == 2  # 6, 7
    assert stats.top_categories == [
        ("sanitation", 3), ("parking", 2), ("repairs", 2), ("greening", 1), ("hardship", 1),
    ]  # safety (1) is the sixth; ties by code


def test_period_rates(ledger: Uows) -> None:
    with ledger() as uow:
        rates = period_stats(uow.session, "hx", START, END, NOW).rates
    # base 1, 2, 3, 5, 7, 14, 15 (4 and 16: limit not before the end; 6: withdrawn in time);
    # responded 1, 5, 14 (at the limit), 15 — 2 was late, 3 and 7 never claimed
    assert (rates.responded, rates.response_base) == (4, 7)
    assert rates.response == pytest.approx(4 / 7)
    # closures 1, 5, 8 resolved + 9 unresolved; cancelled 6 and 7 are not closures
    assert (rates.resolved_closed, rates.closed_total) == (3, 4)
    assert rates.resolution == pytest.approx(0.75)
    # rated: 1 (5) and 8 (2); 5 was never rated
    assert (rates.satisfied, rates.rated) == (1, 2)
    assert rates.satisfaction == pytest.approx(0.5)


def test_response_rate_leaves_out_limits_not_yet_passed(ledger: Uows) -> None:
    # Looking at 1 November from 19:00 that day: only limits up to 19:00 can be judged.
    with ledger() as uow:
        rates = period_stats(uow.session, "hx", START, END, L(11, 1, 19)).rates
    assert (rates.responded, rates.response_base) == (2, 4)  # 1, 5 of 1, 2, 3, 5


def test_today_so_far_has_nothing_judgeable(ledger: Uows) -> None:
    with ledger() as uow:
        stats = period_stats(uow.session, "hx", END, END + timedelta(days=1), NOW)
    assert (stats.new, stats.claimed, stats.resolved) == (1, 1, 0)
    # 12 was claimed already, but its limit (16:00) is still ahead: not judgeable yet
    assert (stats.rates.responded, stats.rates.response_base) == (0, 0)
    assert stats.rates.response is None
    assert stats.rates.resolution is None and stats.rates.satisfaction is None
    assert stats.top_categories == [("repairs", 1)]


def test_a_window_given_in_local_time_means_the_same_moments(ledger: Uows) -> None:
    with ledger() as uow:
        local = period_stats(uow.session, "hx", START.astimezone(SH), END.astimezone(SH),
                             NOW.astimezone(SH))
        utc = period_stats(uow.session, "hx", START, END, NOW)
    assert (local.new, local.claimed, local.resolved, local.closed, local.rates) == (
        utc.new, utc.claimed, utc.resolved, utc.closed, utc.rates)


def test_other_community_alone(ledger: Uows) -> None:
    with ledger() as uow:
        stats = period_stats(uow.session, "qt", START, END, NOW)
    assert (stats.new, stats.claimed, stats.resolved, stats.closed, stats.cancelled) == (
        2, 1, 1, 1, 1)
    assert (stats.rates.responded, stats.rates.response_base) == (1, 1)
    assert (stats.rates.satisfied, stats.rates.rated) == (1, 1)


# ---- backlog and lists ----------------------------------------------------------------------


def test_backlog_by_status(ledger: Uows) -> None:
    with ledger() as uow:
        counts = backlog(uow.session, "hx")
    assert counts == {
        S.SUBMITTED: 3,  # 3, 4, 16
        S.ASSIGNED: 1,  # 11
        S.CLAIMED: 3,  # 12, 14, 15
        S.IN_PROGRESS: 1,  # 2
        S.RESOLVED: 1,  # 13
        S.REOPENED: 2,  # 10, 17
        "total": 11,
    }


def test_overdue_oldest_due_first(ledger: Uows) -> None:
    with ledger() as uow:
        rows = overdue_tickets(uow.session, "hx", NOW)
    assert rows == [
        OverdueRow(17, "repairs", None, L(10, 27, 10), 5),
        OverdueRow(10, "repairs", "张三", L(10, 28, 10), 4),
        OverdueRow(11, "elderly", "李四", L(10, 31, 8), 2),
        OverdueRow(2, "repairs", "李四", L(11, 1, 10), 0),
    ]
    assert all(r.due_at.tzinfo is not None for r in rows)
    with ledger() as uow:
        assert [r.number for r in overdue_tickets(uow.session, "hx", NOW, limit=2)] == [17, 10]


def test_unclaimed_oldest_first(ledger: Uows) -> None:
    with ledger() as uow:
        rows = unclaimed_tickets(uow.session, "hx")
    assert rows == [
        UnclaimedRow(17, "repairs", L(10, 20, 10), False, None),
        UnclaimedRow(3, "sanitation", L(11, 1, 10), False, "b3"),
        UnclaimedRow(16, "hardship", L(11, 1, 16), False, None),
        UnclaimedRow(4, "sanitation", L(11, 1, 23, 30), True, None),
    ]
    with ledger() as uow:
        assert [r.number for r in unclaimed_tickets(uow.session, "hx", limit=1)] == [17]


def test_volunteer_counts(ledger: Uows, config: Config) -> None:
    with ledger() as uow:
        in_window = _tallies(uow, config).by_volunteer(date(2026, 11, 1), date(2026, 11, 2))
        rows = volunteer_counts(uow.session, "hx", in_window)
    assert rows == [
        # holds 10, 12, 15; claimed 1, 5, 15 and resolved 1, 5 in the window
        VolunteerRow(V1, "张三", "单位1", 3, 3, 2, True),
        # holds 2, 11, 14 (13 is resolved, no longer held); claimed 2, 14; resolved 8, 13
        VolunteerRow(V2, "李四", "单位2", 3, 2, 2, True),
        VolunteerRow(V3, "王五", "单位3", 0, 0, 0, False),
    ]


# ---- daily series ---------------------------------------------------------------------------


def test_series_by_local_day(ledger: Uows, config: Config) -> None:
    with ledger() as uow:
        open_now = backlog(uow.session, "hx")["total"]
        rows = _tallies(uow, config).series(2, date(2026, 11, 2), open_now)
    assert rows == [
        # 13 (23:00 local); 1 was created at 16:30 UTC on 31 Oct but 00:30 local on 1 Nov.
        # open at midnight: 8, 9, 10, 11, 13, 17
        DayRow(date(2026, 10, 31), 1, 0, 6),
        # 1-7, 14, 15, 16 (4 at 23:30 local); closed 1, 5, 8 and 9 (6, 7 were cancelled)
        # open at midnight: 2, 3, 4, 10, 11, 13, 14, 15, 16, 17
        DayRow(date(2026, 11, 1), 10, 4, 10),
    ]


def test_tallied_window_counts_what_the_direct_queries_count(
        ledger: Uows, config: Config) -> None:
    """The digest's window (from tallies) and /stats (straight from the tickets) agree on
    every number of the tricky ledger above."""
    with ledger() as uow:
        tallied = _tallies(uow, config).window(date(2026, 11, 1), date(2026, 11, 2))
        direct = period_stats(uow.session, "hx", START, END, NOW)
        assert tallied == direct
        month = _tallies(uow, config).window(date(2026, 10, 3), date(2026, 11, 2))
        assert month == period_stats(uow.session, "hx", L(10, 3, 0), END, NOW)


# ---- empty database -------------------------------------------------------------------------


def test_empty_database(uows: Uows, config: Config) -> None:
    with uows() as uow:
        s = uow.session
        stats = period_stats(s, "hx", START, END, NOW)
        assert (stats.new, stats.claimed, stats.resolved, stats.closed,
                stats.closed_unresolved, stats.cancelled) == (0, 0, 0, 0, 0, 0)
        r = stats.rates
        assert (r.response, r.resolution, r.satisfaction) == (None, None, None)
        assert (r.responded, r.response_base, r.resolved_closed, r.closed_total, r.satisfied,
                r.rated) == (0, 0, 0, 0, 0, 0)
        assert stats.top_categories == []
        assert backlog(s, "hx") == {
            S.SUBMITTED: 0, S.ASSIGNED: 0, S.CLAIMED: 0, S.IN_PROGRESS: 0, S.RESOLVED: 0,
            S.REOPENED: 0, "total": 0,
        }
        assert overdue_tickets(s, "hx", NOW) == []
        assert unclaimed_tickets(s, "hx") == []
        assert volunteer_counts(s, "hx", {}) == []
        tallies = _tallies(uow, config)
        assert tallies.series(2, date(2026, 11, 2), 0) == [
            DayRow(date(2026, 10, 31), 0, 0, 0), DayRow(date(2026, 11, 1), 0, 0, 0),
        ]
        assert tallies.series(0, date(2026, 11, 2), 0) == []
        assert tallies.by_volunteer(date(2026, 11, 1), date(2026, 11, 2)) == {}


# ---- formatting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "text"),
    [
        (12, 15, "80.0%（12/15）"),
        (1, 3, "33.3%（1/3）"),
        (0, 5, "0.0%（0/5）"),
        (7, 7, "100.0%（7/7）"),
        (0, 0, "—（暂无数据）"),
    ],
)
def test_format_rate(numerator: int, denominator: int, text: str) -> None:
    assert format_rate(numerator, denominator) == text
    assert texts.RATE_NO_DATA == "—（暂无数据）"
