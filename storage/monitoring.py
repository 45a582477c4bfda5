"""What /healthz and /metrics read from the database, at request time: the outbox's backlog,
its latest send, tickets by state. Each is one cheap statement (an index range, a short
backward scan of the primary key, an index-only count), so a scrape every few seconds costs
little however many tickets there are."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import case, func, literal
from sqlmodel import Session, col, select

from storage.models import InboxUpdate, Outbox, Ticket

# The latest send is looked for among this many newest rows (a backward scan of the primary
# key; no index on sent_at is needed). A sender that works through an older backlog still
# shows, unless this many newer rows were queued since: then it is behind anyway.
RECENT_ROWS = 1000


def ping(session: Session) -> None:
    """Raises SQLAlchemyError when the database does not answer."""
    session.exec(select(literal(1))).one()


def outbox_backlog(session: Session, now: datetime) -> tuple[int, int, datetime | None]:
    """(due now and unsent, held for later, when the oldest due one fell due): one range scan
    of ix_outbox_pending."""
    due = col(Outbox.not_before) <= now
    row = session.exec(
        select(func.coalesce(func.sum(case((due, 1), else_=0)), 0),
               func.coalesce(func.sum(case((due, 0), else_=1)), 0),
               func.min(case((due, col(Outbox.not_before)), else_=None)))
        .where(Outbox.status == "pending")
    ).one()
    return int(row[0]), int(row[1]), _aware(row[2])


def inbox_backlog(session: Session) -> tuple[int, datetime | None]:
    """(updates stored and not handled yet, when the oldest arrived): a range scan of
    ix_inbox_undone."""
    n, oldest = session.exec(
        select(func.count(), func.min(col(InboxUpdate.received_at)))
        .where(col(InboxUpdate.done_at).is_(None))
    ).one()
    return int(n), _aware(oldest)


def last_sent_at(session: Session) -> datetime | None:
    """When the latest message among the newest RECENT_ROWS owed ones was sent."""
    recent = select(col(Outbox.sent_at)).order_by(col(Outbox.id).desc()).limit(
        RECENT_ROWS).subquery()
    return _aware(session.exec(select(func.max(recent.c.sent_at))).one())


def tickets_by_state(session: Session) -> list[tuple[str, str, int]]:
    """(community, state, count) for every pair that has tickets: an index-only count on
    ix_ticket_community_status_due."""
    rows = session.exec(
        select(col(Ticket.community), col(Ticket.status), func.count())
        .group_by(col(Ticket.community), col(Ticket.status))
        .order_by(col(Ticket.community), col(Ticket.status))
    ).all()
    return [(str(c), str(getattr(s, "value", s)), int(n)) for c, s, n in rows]


def _aware(value: datetime | str | None) -> datetime | None:
    """SQLite hands aggregates back naive (or as text): they are UTC like every stored time."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
