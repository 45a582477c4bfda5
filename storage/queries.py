"""Named queries about people, tickets, drafts and invites (the outbox's are storage/outbox.py):
with models.py, the only place that knows table shapes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import and_, bindparam, func, insert, update
from sqlmodel import Session, col, select

from bot.domain.states import OPEN_STATUSES, WORKLOAD_STATUSES
from storage.models import (
    Block,
    CategoryCorrection,
    DigestRun,
    Draft,
    Invite,
    Resident,
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


def _volunteer_loads_statement() -> Any:
    open_count = func.count(col(Ticket.id))
    return (
        select(Volunteer, open_count)
        .join(
            Ticket,
            and_(
                col(Ticket.assignee_id) == Volunteer.id,
                col(Ticket.status).in_(WORKLOAD_STATUSES),
            ),
            isouter=True,
        )
        .where(col(Volunteer.community) == bindparam("community"))
        .group_by(col(Volunteer.id))
        .order_by(col(Volunteer.id))
    )


# Built once: every ticket routed runs it (see storage/contexts.py on statements built once).
_VOLUNTEER_LOADS = _volunteer_loads_statement()


def volunteer_loads(session: Session, community: str) -> list[tuple[Volunteer, int]]:
    """Every volunteer of the community with how many tasks they hold now."""
    rows = session.exec(_VOLUNTEER_LOADS, params={"community": community}).all()
    return [(v, int(n)) for v, n in rows]


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


def block_by_hash(session: Session, key_hash: str) -> Block | None:
    return session.get(Block, key_hash)


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


def open_draft(session: Session, user_id: int, since: datetime) -> Draft | None:
    """The person's newest open draft touched at or after `since`."""
    stmt = (
        select(Draft)
        .where(Draft.user_id == user_id, Draft.status == "open",
               col(Draft.updated_at) >= since)
        .order_by(col(Draft.id).desc())
    )
    return session.exec(stmt).first()


def album_draft(session: Session, user_id: int, media_group_id: str) -> Draft | None:
    """The draft an album's earlier photos started (Telegram sends one message per photo)."""
    return session.exec(select(Draft).where(
        Draft.user_id == user_id, Draft.media_group_id == media_group_id)).first()


def open_tickets_without_phone(session: Session, resident_id: int) -> list[Ticket]:
    """The resident's open tickets that carry no contact phone yet."""
    return list(session.exec(select(Ticket).where(
        Ticket.reporter_id == resident_id, col(Ticket.status).in_(OPEN_STATUSES),
        col(Ticket.contact_phone).is_(None))).all())


def use_invite(session: Session, token: str, user_id: int, now: datetime) -> Invite | None:
    """Mark the invite used by `user_id`, if it is unused and unexpired; None otherwise. A
    conditional update: two people opening the same link at once, one gets it."""
    used = session.exec(
        update(Invite)
        .where(col(Invite.token) == token, col(Invite.used_by).is_(None),
               col(Invite.expires_at) > now)
        .values(used_by=user_id, used_at=now)
    )
    if used.rowcount != 1:
        return None
    return session.exec(select(Invite).where(Invite.token == token)).one()


def digest_owed(session: Session, community: str, day: date) -> bool:
    """Was the community's digest for local date `day` owed already (by any replica)?"""
    stmt = select(DigestRun.id).where(DigestRun.community == community, DigestRun.day == day)
    return session.exec(stmt).first() is not None


def category_corrections(session: Session) -> list[CategoryCorrection]:
    """Every stored change of a ticket's category by a coordinator, oldest first."""
    return list(session.exec(select(CategoryCorrection).order_by(col(CategoryCorrection.id))))


class EventRow(TypedDict):
    """An audit event to insert (TicketEvent's columns but its id): appended, never read back
    in the transaction that writes it, so no TicketEvent object is made for it."""

    ticket_id: int | None  # None until its ticket is inserted (bot/services/moves.py)
    actor_kind: str
    actor_tg_id: int | None
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None
    at: datetime


_INSERT_EVENTS = insert(TicketEvent)


def insert_events(session: Session, events: Sequence[EventRow]) -> None:
    """Audit events in one statement. Their ids are not read back: nothing in the transaction
    reads them, and one INSERT per event would cost a round trip each."""
    if events:
        session.connection().execute(_INSERT_EVENTS, list(events))
