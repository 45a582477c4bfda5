"""Named queries: the only place outside models.py that knows table shapes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import (
    OPEN_STATUSES,
    WORKLOAD_STATUSES,
    Block,
    Draft,
    Outbox,
    Resident,
    SenderLease,
    Ticket,
    TicketEvent,
    Volunteer,
)


def resident_by_tg(session: Session, tg_id: int) -> Resident | None:
    return session.exec(select(Resident).where(Resident.tg_id == tg_id)).first()


def volunteer_by_tg(session: Session, tg_id: int) -> Volunteer | None:
    return session.exec(select(Volunteer).where(Volunteer.tg_id == tg_id)).first()


def volunteers_by_tg(session: Session, tg_ids: Sequence[int]) -> dict[int, Volunteer]:
    rows = session.exec(select(Volunteer).where(col(Volunteer.tg_id).in_(list(tg_ids)))).all()
    return {v.tg_id: v for v in rows}


def ticket_by_source_key(session: Session, key: str) -> Ticket | None:
    return session.exec(select(Ticket).where(Ticket.source_key == key)).first()


def volunteer_loads(session: Session, community: str) -> list[tuple[Volunteer, int]]:
    """Every volunteer of the community with how many tasks they hold now."""
    open_count = func.count(col(Ticket.id))
    stmt = (
        select(Volunteer, open_count)
        .join(
            Ticket,
            and_(
                col(Ticket.assignee_id) == Volunteer.id,
                col(Ticket.status).in_(WORKLOAD_STATUSES),
            ),
            isouter=True,
        )
        .where(Volunteer.community == community)
        .group_by(col(Volunteer.id))
        .order_by(col(Volunteer.id))
    )
    return [(v, int(n)) for v, n in session.exec(stmt).all()]


def open_task_count(session: Session, volunteer_id: int) -> int:
    stmt = select(func.count(col(Ticket.id))).where(
        Ticket.assignee_id == volunteer_id, col(Ticket.status).in_(WORKLOAD_STATUSES)
    )
    return int(session.exec(stmt).one())


def volunteers_who_passed(session: Session, ticket_id: int) -> set[int]:
    """Telegram ids of volunteers who declined, released or let this ticket time out."""
    stmt = select(TicketEvent.actor_tg_id).where(
        TicketEvent.ticket_id == ticket_id,
        col(TicketEvent.action).in_(("decline", "release", "accept_timeout")),
    )
    return {int(tg) for tg in session.exec(stmt).all() if tg is not None}


def update_ticket_if_unchanged(
    session: Session, ticket: Ticket, values: dict[str, Any]
) -> bool:
    """Write only if nobody changed the ticket since it was read (the version still matches)."""
    stmt = (
        update(Ticket)
        .where(col(Ticket.id) == ticket.id, col(Ticket.version) == ticket.version)
        .values(version=ticket.version + 1, **values)
        .execution_options(synchronize_session="fetch")
    )
    result = session.exec(stmt)
    return bool(result.rowcount == 1)


def tickets_of_reporter(session: Session, resident_id: int, limit: int = 20) -> list[Ticket]:
    stmt = (
        select(Ticket)
        .where(Ticket.reporter_id == resident_id)
        .order_by(col(Ticket.id).desc())
        .limit(limit)
    )
    return list(session.exec(stmt).all())


def open_tickets_of_volunteer(session: Session, volunteer_id: int) -> list[Ticket]:
    stmt = (
        select(Ticket)
        .where(Ticket.assignee_id == volunteer_id, col(Ticket.status).in_(OPEN_STATUSES))
        .order_by(col(Ticket.id))
    )
    return list(session.exec(stmt).all())


def add_outbox(session: Session, message: Outbox) -> None:
    session.add(message)


def pending_outbox(session: Session, now: datetime, limit: int = 100,
                   skip_chats: Sequence[int] = ()) -> list[Outbox]:
    stmt = select(Outbox).where(Outbox.status == "pending", col(Outbox.not_before) <= now)
    if skip_chats:
        stmt = stmt.where(col(Outbox.chat_id).not_in(skip_chats))
    stmt = stmt.order_by(col(Outbox.urgent).desc(), col(Outbox.id)).limit(limit)
    return list(session.exec(stmt).all())


def failed_sends(session: Session, community: str, start: datetime, end: datetime,
                 limit: int) -> tuple[list[tuple[int, str, str | None]], int]:
    """Owed messages about the community's tickets that Telegram refused in [start, end):
    (ticket number, notice, Telegram's answer) of the first `limit`, and how many in all.
    `start` and `end` are aware UTC (a range scan of ix_outbox_failed)."""
    where = (col(Outbox.failed_at) >= start, col(Outbox.failed_at) < end,
             col(Ticket.community) == community)
    rows = session.exec(
        select(col(Outbox.ticket_id), col(Outbox.notice), col(Outbox.last_error))
        .join(Ticket, col(Ticket.id) == col(Outbox.ticket_id))
        .where(*where)
        .order_by(col(Outbox.failed_at), col(Outbox.id))
        .limit(limit)
    ).all()
    total = session.exec(
        select(func.count()).select_from(Outbox)
        .join(Ticket, col(Ticket.id) == col(Outbox.ticket_id))
        .where(*where)
    ).one()
    return [(int(n or 0), str(notice), error) for n, notice, error in rows], int(total)


def due_ticket_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Tickets whose next follow-up is due, soonest first (a range scan of ix_ticket_due)."""
    stmt = (
        select(Ticket.id)
        .where(col(Ticket.next_action_at) <= now)
        .order_by(col(Ticket.next_action_at))
        .limit(limit)
    )
    return [int(i) for i in session.exec(stmt).all() if i is not None]


def has_event_since(session: Session, ticket_id: int, actions: Sequence[str],
                    since: datetime) -> bool:
    stmt = select(TicketEvent.id).where(
        TicketEvent.ticket_id == ticket_id, col(TicketEvent.action).in_(actions),
        col(TicketEvent.at) >= since).limit(1)
    return session.exec(stmt).first() is not None


def take_sender_lease(session: Session, holder: str, now: datetime, until: datetime) -> bool:
    """Renew our lease, or take it when its holder stopped renewing; False: another sends."""
    stmt = (
        update(SenderLease)
        .where(col(SenderLease.id) == 1,
               (col(SenderLease.holder) == holder) | (col(SenderLease.until) <= now))
        .values(holder=holder, until=until)
    )
    if session.exec(stmt).rowcount == 1:
        return True
    if session.get(SenderLease, 1) is not None:
        return False
    try:
        with session.begin_nested():  # the first dispatcher ever: two may race to insert
            session.add(SenderLease(id=1, holder=holder, until=until))
    except IntegrityError:
        return False
    return True


def release_sender_lease(session: Session, holder: str, now: datetime) -> None:
    """Stopping: another replica (or our restart) may take over at once."""
    session.exec(update(SenderLease).where(col(SenderLease.holder) == holder).values(until=now))


def block_by_hash(session: Session, key_hash: str) -> Block | None:
    return session.get(Block, key_hash)


def drafts_started_since(session: Session, user_id: int, since: datetime) -> int:
    """How many drafts (each one a preview message) this person started since then."""
    stmt = select(func.count(col(Draft.id))).where(
        Draft.user_id == user_id, col(Draft.created_at) > since)
    return int(session.exec(stmt).one())


def submissions_since(session: Session, tg_id: int, since: datetime) -> list[datetime]:
    """When this person's tickets after `since` were submitted, oldest first (withdrawn ones
    too: submitting and withdrawing in a loop is still a flood)."""
    stmt = (
        select(Ticket.created_at)
        .join(Resident, col(Resident.id) == col(Ticket.reporter_id))
        .where(Resident.tg_id == tg_id, col(Ticket.created_at) > since)
        .order_by(col(Ticket.created_at))
    )
    return list(session.exec(stmt).all())


def draft_by_source_key(session: Session, key: str) -> Draft | None:
    return session.exec(select(Draft).where(Draft.source_key == key)).first()
