"""Aggregate queries behind /stats and the daily digest.

Every query here is a COUNT / SUM(CASE ...) / GROUP BY that starts from an indexed range of
the ticket table (community + status, created_at or closed_at), so the database hands back a
handful of numbers and never every ticket. The same SQL runs on SQLite and PostgreSQL:

* datetimes are bound as UTC (SQLite stores them as text without an offset, so a moment in
  another zone would compare wrongly) and read back as aware UTC;
* CASE yields integers, never booleans, and SUM of no rows (NULL) is read as 0;
* grouping by a computed bucket goes through a subquery, because PostgreSQL does not treat two
  copies of an expression with separately bound parameters as the same GROUP BY key.

"Touched since S": a ticket that was claimed, resolved or had any event at or after S is
either not final now (closed_at IS NULL: open statuses never carry closed_at, since a reopen
clears it) or reached its final status at or after that moment (closed_at >= S). Queries about
activity inside a window therefore read only those two index ranges instead of the whole table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, union_all
from sqlmodel import Session, col

from bot.domain.rates import SATISFIED_MIN
from bot.domain.states import (
    CLAIMABLE,
    OPEN_STATUSES,
    WORKING,
    WORKLOAD_STATUSES,
    TicketStatus,
)
from storage.models import Ticket, Volunteer

# Open and not yet done: what can be late for its resolution time limit.
NOT_DONE_STATUSES = WORKING
UNCLAIMED_STATUSES = CLAIMABLE


def utc(moment: datetime) -> datetime:
    """A datetime to bind: aware UTC (a naive one is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _read(moment: datetime) -> datetime:
    # Both backends store "timestamp without time zone" in UTC and give naive values back.
    return utc(moment)


def _rows(session: Session, stmt: Any) -> list[Any]:
    """Rows of a Core select (typed loosely: results are converted field by field)."""
    return list(session.exec(stmt).all())


def _one(session: Session, stmt: Any) -> Any:
    return session.exec(stmt).one()


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _touched_since(since: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The two index ranges that together hold every ticket with activity at/after `since`."""
    return col(Ticket.closed_at).is_(None), col(Ticket.closed_at) >= utc(since)


def _in(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= utc(start), column < utc(end))


# ---- period statistics ----------------------------------------------------------------------


def created_by_category(
    session: Session, community: str, start: datetime, end: datetime, now: datetime
) -> list[tuple[str, int, int, int]]:
    """(category, new, response base, responded) for tickets created in [start, end).

    A ticket is in the response base when its accept time limit lies before `end` and has
    passed by `now`, and it was not cancelled before that limit; it responded when claimed_at
    is at or before the limit.
    """
    due = col(Ticket.accept_due_at)
    claimed = col(Ticket.claimed_at)
    withdrawn = and_(
        col(Ticket.status) == TicketStatus.CANCELLED,
        col(Ticket.closed_at).is_not(None),
        col(Ticket.closed_at) < due,
    )
    judged = and_(due.is_not(None), due < utc(end), due <= utc(now), ~withdrawn)
    responded = and_(judged, claimed.is_not(None), claimed <= due)
    stmt = (
        select(col(Ticket.category), func.count(), _count_if(judged), _count_if(responded))
        .where(col(Ticket.community) == community, _in(col(Ticket.created_at), start, end))
        .group_by(col(Ticket.category))
    )
    return [(str(c), int(n), int(b), int(r)) for c, n, b, r in _rows(session, stmt)]


def closed_counts(
    session: Session, community: str, start: datetime, end: datetime
) -> dict[str, int]:
    """Final tickets by closed_at in [start, end): closures, their reasons and their ratings."""
    status = col(Ticket.status)
    rating = col(Ticket.rating)
    stmt = select(
        _count_if(status == TicketStatus.CLOSED),
        _count_if(status == TicketStatus.CLOSED_UNRESOLVED),
        _count_if(status == TicketStatus.CANCELLED),
        _count_if(and_(status == TicketStatus.CLOSED, col(Ticket.close_reason).is_(None))),
        _count_if(rating.is_not(None)),
        _count_if(and_(rating.is_not(None), rating >= SATISFIED_MIN)),
    ).where(col(Ticket.community) == community, _in(col(Ticket.closed_at), start, end))
    row = _one(session, stmt)
    keys = (TicketStatus.CLOSED, TicketStatus.CLOSED_UNRESOLVED, TicketStatus.CANCELLED,
            "resolved_closed", "rated", "satisfied")
    return {k: int(v) for k, v in zip(keys, row, strict=True)}


def claimed_resolved_counts(
    session: Session, community: str, start: datetime, end: datetime
) -> tuple[int, int]:
    """How many tickets have claimed_at, and how many resolved_at, in [start, end)."""
    claimed = resolved = 0
    for touched in _touched_since(start):
        stmt = select(
            _count_if(_in(col(Ticket.claimed_at), start, end)),
            _count_if(_in(col(Ticket.resolved_at), start, end)),
        ).where(col(Ticket.community) == community, touched)
        c, r = _one(session, stmt)
        claimed += int(c)
        resolved += int(r)
    return claimed, resolved


# ---- lists for the coordinator --------------------------------------------------------------


def open_by_status(session: Session, community: str) -> dict[str, int]:
    stmt = (
        select(col(Ticket.status), func.count())
        .where(col(Ticket.community) == community, col(Ticket.status).in_(OPEN_STATUSES))
        .group_by(col(Ticket.status))
    )
    return {str(s): int(n) for s, n in _rows(session, stmt)}


def _overdue_where(community: str, now: datetime) -> tuple[ColumnElement[bool], ...]:
    # Served by the (community, status, due_at) index alone: one short range per status.
    return (
        col(Ticket.community) == community,
        col(Ticket.status).in_(NOT_DONE_STATUSES),
        col(Ticket.due_at) < utc(now),
    )


def _first_ids(column: Any, statuses: tuple[str, ...], where: tuple[ColumnElement[bool], ...],
               limit: int) -> Any:
    """The `limit` ticket numbers first by `column` among `statuses`, as a scalar subquery.

    One ordered, limited scan per status, then a merge of those few: an index that starts
    (community, status, ...) and continues with `column` then serves each scan in order, where
    one sort over every matching row (thousands of open tickets in a big community) would not.
    """
    parts = [
        select(col(Ticket.id).label("id"), column.label("at"))
        .where(*where, col(Ticket.status) == status)
        .order_by(column, col(Ticket.id))
        .limit(limit)
        .subquery()
        for status in statuses
    ]
    merged = union_all(*(select(p.c.id, p.c.at) for p in parts)).subquery()
    return select(merged.c.id).order_by(merged.c.at, merged.c.id).limit(limit).scalar_subquery()


def _unclaimed_where(community: str) -> tuple[ColumnElement[bool], ...]:
    return (
        col(Ticket.community) == community,
        col(Ticket.status).in_(UNCLAIMED_STATUSES),
        col(Ticket.assignee_id).is_(None),
    )


def overdue(
    session: Session, community: str, now: datetime, limit: int
) -> list[tuple[int, str, str | None, datetime]]:
    """(number, category, assignee name, due_at) of open, not yet resolved tickets past due_at."""
    # First the numbers, from the index alone; only those few rows are then read in full.
    first = _first_ids(col(Ticket.due_at), NOT_DONE_STATUSES,
                       (col(Ticket.community) == community, col(Ticket.due_at) < utc(now)), limit)
    stmt = (
        select(col(Ticket.id), col(Ticket.category), col(Volunteer.name), col(Ticket.due_at))
        .join(Volunteer, col(Volunteer.id) == col(Ticket.assignee_id), isouter=True)
        .where(col(Ticket.id).in_(first))
        .order_by(col(Ticket.due_at), col(Ticket.id))
    )
    return [
        (int(n), str(c), None if v is None else str(v), _read(d))
        for n, c, v, d in _rows(session, stmt)
    ]


def unclaimed(
    session: Session, community: str, limit: int
) -> list[tuple[int, str, datetime, bool, str | None]]:
    """(number, category, created_at, needs_triage, building) waiting for someone, oldest first."""
    first = _first_ids(col(Ticket.created_at), UNCLAIMED_STATUSES,
                       (col(Ticket.community) == community, col(Ticket.assignee_id).is_(None)),
                       limit)
    stmt = (
        select(
            col(Ticket.id), col(Ticket.category), col(Ticket.created_at),
            col(Ticket.needs_triage), col(Ticket.building),
        )
        .where(col(Ticket.id).in_(first))
        .order_by(col(Ticket.created_at), col(Ticket.id))
    )
    return [
        (int(n), str(c), _read(t), bool(triage), b)
        for n, c, t, triage, b in _rows(session, stmt)
    ]


def overdue_count(session: Session, community: str, now: datetime) -> int:
    """How many tickets `overdue` would list without a limit."""
    stmt = select(func.count()).select_from(Ticket).where(*_overdue_where(community, now))
    return int(_one(session, stmt)[0])


def unclaimed_count(session: Session, community: str) -> int:
    """How many tickets `unclaimed` would list without a limit."""
    stmt = select(func.count()).select_from(Ticket).where(*_unclaimed_where(community))
    return int(_one(session, stmt)[0])


# ---- volunteers -----------------------------------------------------------------------------


def volunteers_of(session: Session, community: str) -> list[tuple[int, int, str, str, bool]]:
    """(id, tg_id, name, unit, active) of the community's volunteers."""
    stmt = (
        select(
            col(Volunteer.id), col(Volunteer.tg_id), col(Volunteer.name), col(Volunteer.unit),
            col(Volunteer.active),
        )
        .where(col(Volunteer.community) == community)
        .order_by(col(Volunteer.id))
    )
    return [(int(i), int(t), str(n), str(u), bool(a)) for i, t, n, u, a in _rows(session, stmt)]


def held_counts(session: Session, community: str) -> dict[int, int]:
    """Volunteer id -> tickets they hold now (assigned/claimed/in_progress/reopened)."""
    mine = select(col(Volunteer.id)).where(col(Volunteer.community) == community)
    stmt = (
        select(col(Ticket.assignee_id), func.count())
        .where(col(Ticket.assignee_id).in_(mine), col(Ticket.status).in_(WORKLOAD_STATUSES))
        .group_by(col(Ticket.assignee_id))
    )
    return {int(v): int(n) for v, n in _rows(session, stmt) if v is not None}


__all__ = [
    "claimed_resolved_counts",
    "closed_counts",
    "created_by_category",
    "held_counts",
    "open_by_status",
    "overdue",
    "overdue_count",
    "unclaimed",
    "unclaimed_count",
    "utc",
    "volunteers_of",
]

