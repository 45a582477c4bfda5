"""The coordinators' daily digest: yesterday's numbers, the backlog, what is late or waiting,
the three rates, busy categories and volunteers, and a 14-day series for the chart.

build_digest sums per-day counters (bot.digest.daystats) and counts what is open from indexes, so
its cost follows how many days and open tickets it reports on, not how busy those days were
or how large the ticket table is.
bot/digest/render.py turns them into one Telegram message.
Owed messages Telegram refused the day before are listed for the coordinators ("发送失败"),
so a ticket whose details never arrived is not left unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.config import Config
from bot.digest.daystats import DayTallies, local_midnight
from bot.digest.stats import (
    DayRow,
    OverdueRow,
    Rates,
    UnclaimedRow,
    VolunteerRow,
    backlog,
    overdue_tickets,
    unclaimed_tickets,
    volunteer_counts,
)
from bot.domain.states import OPEN_STATUSES, TicketStatus
from storage import stats_queries as q
from storage.db import Session
from storage.outbox import failed_sends

PERIOD_DAYS = 30  # the longer window for the rates and categories
SERIES_DAYS = 14  # days in the chart
LIST_LIMIT = 10  # overdue / unclaimed tickets and volunteers listed by name, the rest counted
TOP_LIMIT = 5  # categories listed per window


@dataclass(frozen=True)
class CategoryCount:
    code: str
    name: str  # the Chinese name from config
    count: int  # new tickets in the window


@dataclass(frozen=True)
class FailedSend:
    number: int  # the ticket
    notice: str  # what the message was (bot/texts/notices.py's notice codes)
    error: str | None  # Telegram's answer


@dataclass(frozen=True)
class Digest:
    """Everything the digest text and chart show; sent on local date `day`, about the day before."""

    community: str
    community_name: str
    day: date
    now: datetime  # aware UTC: when the numbers were taken (days late, waiting times)
    # yesterday, by the moment each thing happened
    new: int
    claimed: int
    resolved: int
    closed: int  # confirmed by the resident
    closed_unresolved: int
    cancelled: int
    # now
    backlog: tuple[tuple[TicketStatus, int], ...]  # (open status, count) in OPEN_STATUSES order
    backlog_total: int
    overdue: tuple[OverdueRow, ...]  # the LIST_LIMIT longest overdue, oldest due first
    overdue_total: int
    unclaimed: tuple[UnclaimedRow, ...]  # the LIST_LIMIT longest waiting, oldest first
    unclaimed_total: int
    # the three rates
    rates_yesterday: Rates
    rates_period: Rates  # the PERIOD_DAYS local days up to and including yesterday
    top_yesterday: tuple[CategoryCount, ...]
    top_period: tuple[CategoryCount, ...]
    volunteers: tuple[VolunteerRow, ...]  # yesterday's claims/resolves, tickets held now
    series: tuple[DayRow, ...]  # SERIES_DAYS local days, oldest first, yesterday last
    # owed messages Telegram refused yesterday (the LIST_LIMIT first), and how many in all
    failed: tuple[FailedSend, ...] = ()
    failed_total: int = 0

    @property
    def yesterday(self) -> date:
        """The local day the digest reports on."""
        return self.day - timedelta(days=1)


def _named(config: Config, top: list[tuple[str, int]]) -> tuple[CategoryCount, ...]:
    return tuple(CategoryCount(c, config.category_name(c), n) for c, n in top[:TOP_LIMIT])


def build_digest(
    session: Session, config: Config, community_code: str, day: date, now: datetime
) -> Digest:
    """The digest sent on local date `day` (reporting on the day before), as seen at `now`.

    Window counts, rates and the chart come from the per-day tallies (bot.digest.daystats); what is
    open now (backlog, overdue, unclaimed, held) is counted from the ticket indexes.
    """
    community = config.community(community_code)
    if community is None:
        raise ValueError(f"unknown community {community_code!r}")
    if q.utc(now) < local_midnight(config, day):
        raise ValueError("a digest reports on days that have ended")
    yesterday_date = day - timedelta(days=1)
    first = day - timedelta(days=max(PERIOD_DAYS, SERIES_DAYS))
    tallies = DayTallies(session, config, community_code, first)
    yesterday = tallies.window(yesterday_date, day)
    period = tallies.window(day - timedelta(days=PERIOD_DAYS), day)
    open_counts = backlog(session, community_code)
    failed, failed_total = failed_sends(session, community_code,
                                        local_midnight(config, yesterday_date),
                                        local_midnight(config, day), LIST_LIMIT)
    return Digest(
        community=community_code,
        community_name=community.name,
        day=day,
        now=q.utc(now),
        new=yesterday.new,
        claimed=yesterday.claimed,
        resolved=yesterday.resolved,
        closed=yesterday.closed,
        closed_unresolved=yesterday.closed_unresolved,
        cancelled=yesterday.cancelled,
        backlog=tuple((s, open_counts[s]) for s in OPEN_STATUSES),
        backlog_total=open_counts["total"],
        overdue=tuple(overdue_tickets(session, community_code, now, LIST_LIMIT)),
        overdue_total=q.overdue_count(session, community_code, now),
        unclaimed=tuple(unclaimed_tickets(session, community_code, LIST_LIMIT)),
        unclaimed_total=q.unclaimed_count(session, community_code),
        rates_yesterday=yesterday.rates,
        rates_period=period.rates,
        top_yesterday=_named(config, yesterday.top_categories),
        top_period=_named(config, period.top_categories),
        volunteers=tuple(volunteer_counts(
            session, community_code, tallies.by_volunteer(yesterday_date, day))),
        series=tuple(tallies.series(SERIES_DAYS, day, open_counts["total"])),
        failed=tuple(FailedSend(*row) for row in failed),
        failed_total=failed_total,
    )
