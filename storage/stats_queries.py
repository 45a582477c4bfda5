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

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlmodel import Session, col

from storage.models import OPEN_STATUSES, WORKLOAD_STATUSES, Ticket, TicketEvent, Volunteer

# Open and not yet done: what can be late for its resolution time limit.
NOT_DONE_STATUSES = tuple(s for s in OPEN_STATUSES if s != "resolved")
UNCLAIMED_STATUSES = ("submitted", "reopened")
CLOSED_STATUSES = ("closed", "closed_unresolved")
CLAIM_ACTIONS = ("accept", "claim")
RESOLVE_ACTION = "resolve"


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
        col(Ticket.status) == "cancelled",
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
        _count_if(status == "closed"),
        _count_if(status == "closed_unresolved"),
        _count_if(status == "cancelled"),
        _count_if(and_(status == "closed", col(Ticket.close_reason).is_(None))),
        _count_if(rating.is_not(None)),
        _count_if(and_(rating.is_not(None), rating >= 4)),
    ).where(col(Ticket.community) == community, _in(col(Ticket.closed_at), start, end))
    row = _one(session, stmt)
    keys = ("closed", "closed_unresolved", "cancelled", "resolved_closed", "rated", "satisfied")
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
    # due_at is compared through an expression so SQLite reads the (community, status) index,
    # bounded by the open tickets: on (community, due_at) it would walk every closed ticket
    # of the community's history that was ever due before now, checking each one's status.
    due = func.coalesce(col(Ticket.due_at), col(Ticket.due_at))
    return (
        col(Ticket.community) == community,
        col(Ticket.status).in_(NOT_DONE_STATUSES),
        due < utc(now),
    )


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
    stmt = (
        select(col(Ticket.id), col(Ticket.category), col(Volunteer.name), col(Ticket.due_at))
        .join(Volunteer, col(Volunteer.id) == col(Ticket.assignee_id), isouter=True)
        .where(*_overdue_where(community, now))
        # An expression again: sorting on the bare column would have SQLite walk the due_at
        # index from the community's first ticket to find the few still open.
        .order_by(func.coalesce(col(Ticket.due_at), col(Ticket.due_at)), col(Ticket.id))
        .limit(limit)
    )
    return [
        (int(n), str(c), None if v is None else str(v), _read(d))
        for n, c, v, d in _rows(session, stmt)
    ]


def unclaimed(
    session: Session, community: str, limit: int
) -> list[tuple[int, str, datetime, bool, str | None]]:
    """(number, category, created_at, needs_triage, building) waiting for someone, oldest first."""
    stmt = (
        select(
            col(Ticket.id), col(Ticket.category), col(Ticket.created_at),
            col(Ticket.needs_triage), col(Ticket.building),
        )
        .where(*_unclaimed_where(community))
        # Sorting on an expression rather than the bare column keeps SQLite from walking the
        # whole (community, created_at) index to skip a sort: the (community, status) index
        # bounds the work to the tickets actually waiting.
        .order_by(func.coalesce(col(Ticket.created_at), col(Ticket.created_at)), col(Ticket.id))
        .limit(limit)
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


def event_counts_by_actor(
    session: Session, community: str, start: datetime, end: datetime
) -> dict[int, tuple[int, int]]:
    """Telegram id -> (claims, resolves) they made in [start, end) on the community's tickets.

    Claims are 'accept' (of a ticket offered to them) and 'claim' (from the group) events.
    """
    action = col(TicketEvent.action)
    result: dict[int, tuple[int, int]] = {}
    for touched in _touched_since(start):
        stmt = (
            select(
                col(TicketEvent.actor_tg_id),
                _count_if(action.in_(CLAIM_ACTIONS)),
                _count_if(action == RESOLVE_ACTION),
            )
            .select_from(Ticket)
            .join(
                TicketEvent,
                and_(
                    col(TicketEvent.ticket_id) == col(Ticket.id),
                    _in(col(TicketEvent.at), start, end),
                ),
            )
            .where(
                col(Ticket.community) == community,
                touched,
                col(TicketEvent.actor_tg_id).is_not(None),
                action.in_((*CLAIM_ACTIONS, RESOLVE_ACTION)),
            )
            .group_by(col(TicketEvent.actor_tg_id))
        )
        for tg_id, claims, resolves in _rows(session, stmt):
            before = result.get(int(tg_id), (0, 0))
            result[int(tg_id)] = (before[0] + int(claims), before[1] + int(resolves))
    return result


# ---- per-day series -------------------------------------------------------------------------


def _bucket(column: Any, bounds: Sequence[datetime]) -> Any:
    """1 + how many of the ascending `bounds` are at or before the value (NULL -> past the end).

    With bounds = day ends B1..Bn: bucket i (1..n) means the value lies in day i; n + 1 means
    at or after Bn, or NULL.
    """
    whens = [(column < utc(b), i) for i, b in enumerate(bounds, start=1)]
    return case(*whens, else_=len(bounds) + 1)


def created_per_bucket(
    session: Session, community: str, first: datetime, bounds: Sequence[datetime]
) -> dict[int, int]:
    """Bucket (see _bucket) -> tickets created in [first, bounds[-1])."""
    sub = (
        select(_bucket(col(Ticket.created_at), bounds).label("b"))
        .where(col(Ticket.community) == community, _in(col(Ticket.created_at), first, bounds[-1]))
        .subquery()
    )
    stmt = select(sub.c.b, func.count()).group_by(sub.c.b)
    return {int(b): int(n) for b, n in _rows(session, stmt)}


def closed_per_bucket(
    session: Session, community: str, first: datetime, bounds: Sequence[datetime]
) -> dict[int, int]:
    """Bucket -> tickets closed (resolved or unresolved, not cancelled) in [first, bounds[-1])."""
    sub = (
        select(_bucket(col(Ticket.closed_at), bounds).label("b"))
        .where(
            col(Ticket.community) == community,
            _in(col(Ticket.closed_at), first, bounds[-1]),
            col(Ticket.status).in_(CLOSED_STATUSES),
        )
        .subquery()
    )
    stmt = select(sub.c.b, func.count()).group_by(sub.c.b)
    return {int(b): int(n) for b, n in _rows(session, stmt)}


def lifetimes_per_bucket(
    session: Session, community: str, bounds: Sequence[datetime]
) -> dict[tuple[int, int], int]:
    """(created bucket, ended bucket) -> tickets, for tickets possibly open at some bound.

    Only tickets not final before the first bound are read (through the closed_at index).
    A ticket with created bucket c and ended bucket e (closed_at bucket; NULL -> n + 1) was
    open at bounds c..e-1; one created at or after the last bound has c = n + 1 >= e.
    """
    result: dict[tuple[int, int], int] = {}
    for touched in _touched_since(bounds[0]):
        sub = (
            select(
                _bucket(col(Ticket.created_at), bounds).label("c"),
                _bucket(col(Ticket.closed_at), bounds).label("e"),
            )
            .where(col(Ticket.community) == community, touched)
            .subquery()
        )
        stmt = select(sub.c.c, sub.c.e, func.count()).group_by(sub.c.c, sub.c.e)
        for c, e, n in _rows(session, stmt):
            key = (int(c), int(e))
            result[key] = result.get(key, 0) + int(n)
    return result


__all__ = [
    "claimed_resolved_counts",
    "closed_counts",
    "closed_per_bucket",
    "created_by_category",
    "created_per_bucket",
    "event_counts_by_actor",
    "held_counts",
    "lifetimes_per_bucket",
    "open_by_status",
    "overdue",
    "overdue_count",
    "unclaimed",
    "unclaimed_count",
    "utc",
    "volunteers_of",
]

