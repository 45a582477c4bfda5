"""The numbers behind /stats and the daily digest: counts, the three rates, the lists a
coordinator works from, per-volunteer counts and a chart's row per day (DayRow).

Everything is computed by aggregate queries (storage.stats_queries); this module turns their
small results into frozen dataclasses. Times are aware UTC in and out. The digest sums the
same numbers per local day from tallies instead (bot.digest.daystats).

The three rates are defined on bot.domain.rates.Rates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.rates import Rates, share
from bot.domain.states import OPEN_STATUSES, TicketStatus
from storage import stats_queries as q
from storage.db import Session

TOP_CATEGORIES = 5

@dataclass(frozen=True)
class PeriodStats:
    start: datetime
    end: datetime
    new: int  # created_at in [start, end)
    claimed: int  # claimed_at in the window
    resolved: int  # resolved_at in the window
    closed: int  # closed_at in the window, status closed (the resident confirmed)
    closed_unresolved: int  # closed_at in the window, status closed_unresolved
    cancelled: int  # closed_at in the window, status cancelled
    rates: Rates
    top_categories: list[tuple[str, int]]  # category code -> new tickets, top 5, most first


@dataclass(frozen=True)
class OverdueRow:
    number: int
    category: str
    assignee: str | None  # the volunteer's name, None when nobody holds it
    due_at: datetime
    days_late: int  # whole days past due_at (floor)


@dataclass(frozen=True)
class UnclaimedRow:
    number: int
    category: str
    created_at: datetime
    needs_triage: bool
    building: str | None


@dataclass(frozen=True)
class VolunteerRow:
    tg_id: int
    name: str
    unit: str
    open: int  # held now: assigned / claimed / in_progress / reopened
    claimed_in_window: int  # accept/claim events by them in the window
    resolved_in_window: int  # resolve events by them in the window
    active: bool


@dataclass(frozen=True)
class DayRow:
    day: date  # the community's local calendar day
    new: int  # created that day
    closed: int  # closed that day, resolved or not (cancelled excluded)
    backlog: int  # created before the day's end and not closed/cancelled by then


def period_stats(
    session: Session, community: str, start: datetime, end: datetime, now: datetime
) -> PeriodStats:
    """Counts and rates for [start, end); `now` decides which response limits have passed."""
    by_category = q.created_by_category(session, community, start, end, now)
    closed = q.closed_counts(session, community, start, end)
    claimed, resolved = q.claimed_resolved_counts(session, community, start, end)
    responded = sum(r for _, _, _, r in by_category)
    response_base = sum(b for _, _, b, _ in by_category)
    closed_total = closed[TicketStatus.CLOSED] + closed[TicketStatus.CLOSED_UNRESOLVED]
    rates = Rates(
        response=share(responded, response_base),
        resolution=share(closed["resolved_closed"], closed_total),
        satisfaction=share(closed["satisfied"], closed["rated"]),
        responded=responded,
        response_base=response_base,
        resolved_closed=closed["resolved_closed"],
        closed_total=closed_total,
        satisfied=closed["satisfied"],
        rated=closed["rated"],
    )
    ranked = sorted(((c, n) for c, n, _, _ in by_category), key=lambda cn: (-cn[1], cn[0]))
    return PeriodStats(
        start=start,
        end=end,
        new=sum(n for _, n, _, _ in by_category),
        claimed=claimed,
        resolved=resolved,
        closed=closed[TicketStatus.CLOSED],
        closed_unresolved=closed[TicketStatus.CLOSED_UNRESOLVED],
        cancelled=closed[TicketStatus.CANCELLED],
        rates=rates,
        top_categories=ranked[:TOP_CATEGORIES],
    )


def backlog(session: Session, community: str) -> dict[str, int]:
    """Open tickets by status (every open status present, 0 when none) plus "total"."""
    counts = q.open_by_status(session, community)
    result: dict[str, int] = {status: counts.get(status, 0) for status in OPEN_STATUSES}
    result["total"] = sum(result.values())
    return result


def overdue_tickets(
    session: Session, community: str, now: datetime, limit: int = 50
) -> list[OverdueRow]:
    """Open tickets not yet resolved whose due_at has passed, the longest overdue first."""
    rows = []
    for number, category, assignee, due_at in q.overdue(session, community, now, limit):
        late = q.utc(now) - due_at
        rows.append(OverdueRow(number, category, assignee, due_at, late // timedelta(days=1)))
    return rows


def unclaimed_tickets(session: Session, community: str, limit: int = 50) -> list[UnclaimedRow]:
    """Submitted or reopened tickets nobody holds, the oldest first."""
    return [UnclaimedRow(*row) for row in q.unclaimed(session, community, limit)]


def volunteer_counts(
    session: Session, community: str, in_window: Mapping[int, tuple[int, int]]
) -> list[VolunteerRow]:
    """Every volunteer of the community (inactive ones too, flagged), the active first, then
    by resolved and claimed in the window, most first. `in_window`: Telegram id -> (claims,
    resolves) they made in the window (bot.digest.daystats.DayTallies.by_volunteer)."""
    held = q.held_counts(session, community)
    rows = []
    for volunteer_id, tg_id, name, unit, active in q.volunteers_of(session, community):
        claims, resolves = in_window.get(tg_id, (0, 0))
        rows.append(
            VolunteerRow(tg_id, name, unit, held.get(volunteer_id, 0), claims, resolves, active)
        )
    rows.sort(key=lambda r: (not r.active, -r.resolved_in_window, -r.claimed_in_window))
    return rows
