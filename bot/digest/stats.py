"""The numbers behind /stats and the daily digest: counts, the three rates, the lists a
coordinator works from, per-volunteer counts and a chart's row per day (DayRow).

Everything is computed by aggregate queries (storage.stats_queries); this module turns their
small results into frozen dataclasses. Times are aware UTC in and out. The digest sums the
same numbers per local day from tallies instead (bot.daystats).

The three rates are defined on Rates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot import texts
from storage import stats_queries as q
from storage.models import OPEN_STATUSES

TOP_CATEGORIES = 5



@dataclass(frozen=True)
class Rates:
    """The three rates of domain.md for a window [start, end), each with its numerator and
    denominator so a coordinator sees "12/15". A rate is None when its denominator is 0.

    响应率 response = responded / response_base, over tickets *created* in [start, end):
      response_base: those whose accept time limit (accept_due_at) is before `end` (in the
        window or earlier) and at or before `now` (it has passed), minus those cancelled by
        the resident before that limit. A ticket whose limit has not passed yet, or falls
        after the window, is not judgeable here and left out, claimed or not: the rate is
        judged at the limits only, so early claims do not flatter it and a past window's
        rate does not change later.
      responded: those of the base with claimed_at at or before accept_due_at. A ticket
        still unclaimed, or claimed after its limit, is in the base but not responded.
        claimed_at is the latest claim: one released again (claimed_at cleared) does not count.
    解决率 resolution = resolved_closed / closed_total, over tickets with closed_at in
    [start, end):
      closed_total: status 'closed' or 'closed_unresolved' (cancelled is not a closure).
      resolved_closed: status 'closed' with no close_reason; closed-unresolved never counts.
    满意率 satisfaction = satisfied / rated, over tickets with closed_at in [start, end) and a
    rating (1–5): satisfied are ratings 4–5. Closures nobody rated are in neither number.
    """

    response: float | None  # 响应率, 0..1
    resolution: float | None  # 解决率, 0..1
    satisfaction: float | None  # 满意率, 0..1
    responded: int
    response_base: int
    resolved_closed: int
    closed_total: int
    satisfied: int
    rated: int


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


def share(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def format_rate(numerator: int, denominator: int) -> str:
    """"80.0%（12/15）", or "—（暂无数据）" when there is nothing to judge."""
    if denominator <= 0:
        return texts.RATE_NO_DATA
    return texts.RATE_TEXT.format(
        percent=100 * numerator / denominator, numerator=numerator, denominator=denominator
    )


def period_stats(
    session: Session, community: str, start: datetime, end: datetime, now: datetime
) -> PeriodStats:
    """Counts and rates for [start, end); `now` decides which response limits have passed."""
    by_category = q.created_by_category(session, community, start, end, now)
    closed = q.closed_counts(session, community, start, end)
    claimed, resolved = q.claimed_resolved_counts(session, community, start, end)
    responded = sum(r for _, _, _, r in by_category)
    response_base = sum(b for _, _, b, _ in by_category)
    closed_total = closed["closed"] + closed["closed_unresolved"]
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
        closed=closed["closed"],
        closed_unresolved=closed["closed_unresolved"],
        cancelled=closed["cancelled"],
        rates=rates,
        top_categories=ranked[:TOP_CATEGORIES],
    )


def backlog(session: Session, community: str) -> dict[str, int]:
    """Open tickets by status (every open status present, 0 when none) plus "total"."""
    counts = q.open_by_status(session, community)
    result = {status: counts.get(status, 0) for status in OPEN_STATUSES}
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
    resolves) they made in the window (bot.daystats.DayTallies.by_volunteer)."""
    held = q.held_counts(session, community)
    rows = []
    for volunteer_id, tg_id, name, unit, active in q.volunteers_of(session, community):
        claims, resolves = in_window.get(tg_id, (0, 0))
        rows.append(
            VolunteerRow(tg_id, name, unit, held.get(volunteer_id, 0), claims, resolves, active)
        )
    rows.sort(key=lambda r: (not r.active, -r.resolved_in_window, -r.claimed_in_window))
    return rows
