"""The resident's side of 一领四单: 下单 (submit, withdraw) and 结单 (confirm, reject, rate).

Each service runs in its own unit of work (bot/services/template.py), re-checks the actor's
role and the ticket's state in the database, changes the ticket with a conditional update,
appends the audit event and queues the notices, all in one transaction, or changes nothing
and raises DomainError.
The volunteers' side is bot/services/volunteers.py, the coordinators' bot/services/office.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.config import Config
from bot.domain.deadlines import time_limit
from bot.domain.errors import DomainError
from bot.domain.states import NEW, TRANSITIONS, Action, Role, TicketStatus
from bot.services.moves import load_ticket, move, remember_unstored, require_allowed
from bot.services.notices import owe, owe_coordinators
from bot.services.roles import (
    refresh_group_post,
    require_reporter,
    volunteer_chat,
)
from bot.services.routing import route_ticket
from bot.services.template import Tx, action, query
from storage.db import IntegrityError, Session
from storage.models import Resident, Ticket, new_row
from storage.queries import (
    EventRow,
    resident_by_tg,
    ticket_by_source_key,
)
from storage.tallies import note_ticket
from storage.writes import insert_now


@dataclass(frozen=True)
class NewTicket:
    text: str
    kind: str
    category: str
    urgent: bool
    community: str
    building: str | None = None
    matched: tuple[str, ...] = ()
    location: tuple[float, float] | None = None
    photo_file_ids: tuple[str, ...] = ()
    voice_file_id: str | None = None
    contact_phone: str | None = None
    source_key: str | None = None
    needs_triage: bool = False


@action
def submit_ticket(
    tx: Tx,
    reporter_tg_id: int,
    new: NewTicket,
    reporter_name: str = "",
    also: Callable[[Session, Ticket], None] | None = None,
    *,
    resident: Resident | None = None,
    fresh_key: bool = False,
) -> Ticket:
    """Store the ticket and route it. A source_key already seen returns the earlier ticket.
    `also` runs in the same transaction; `resident`: the reporter, when the caller has read
    (or made) them already; `fresh_key`: the caller knows no ticket has this source key (a
    unique key still catches a race).

    It commits by itself, also within a caller's transaction (`submit_ticket.within`): a
    race on the unique source key shows at the commit, and is answered with the ticket that
    won."""
    session, config, now = tx.session, tx.config, tx.now
    if new.source_key and not fresh_key and (
            seen := ticket_by_source_key(session, new.source_key)):
        return seen
    try:
        ticket = _insert_ticket(session, config, now, reporter_tg_id, new, reporter_name,
                                resident)
        route_ticket(session, config, now, ticket)
        if ticket.urgent:
            owe_coordinators(
                session, config, now, config.community(ticket.community), "urgent_alert",
                ticket, urgent=True,
            )
        if also is not None:
            also(session, ticket)
        tx.uow.commit()
    except IntegrityError:
        # The same update raced in twice: the other copy won; give back its ticket.
        tx.uow.rollback()
        seen = ticket_by_source_key(session, new.source_key) if new.source_key else None
        if seen is None:
            raise
        return seen
    return ticket


def _insert_ticket(
    session: Session,
    config: Config,
    now: datetime,
    reporter_tg_id: int,
    new: NewTicket,
    reporter_name: str,
    resident: Resident | None = None,
) -> Ticket:
    """The ticket as submitted, not inserted yet (bot/services/moves.py: it is inserted once
    routed, in its state then)."""
    if config.community(new.community) is None:
        raise DomainError("wrong_community")
    if new.category not in config.categories:
        raise DomainError("bad_category", code=new.category)
    if resident is None:
        resident = resident_by_tg(session, reporter_tg_id)
    if resident is None:
        resident = Resident(tg_id=reporter_tg_id, name=reporter_name, created_at=now)
    moved = resident.community != new.community
    resident.community = new.community
    # Where they live: set once (the building question asks it; /start b_… sets it). A matter
    # at another building (named in the text, or 换个楼院 on the preview) does not move them.
    if moved or resident.building is None:
        resident.building = new.building or resident.building
    resident.phone = new.contact_phone or resident.phone
    resident.name = resident.name or reporter_name
    if resident.id is None:
        insert_now(session, resident)  # the ticket names its reporter by id
    else:
        session.add(resident)
    created = TRANSITIONS[(NEW, Action.SUBMIT, Role.RESIDENT)]
    ticket = new_row(
        Ticket,
        status=created.to,
        source_key=new.source_key,
        kind=new.kind,
        text=new.text,
        category=new.category,
        urgent=new.urgent,
        needs_triage=new.needs_triage or new.voice_file_id is not None,
        matched=list(new.matched),
        community=new.community,
        building=new.building,
        location_lat=new.location[0] if new.location else None,
        location_lon=new.location[1] if new.location else None,
        photo_file_ids=list(new.photo_file_ids),
        voice_file_id=new.voice_file_id,
        contact_phone=new.contact_phone,
        reporter_id=resident.id,
        created_at=now,
        accept_due_at=now + config.followups.claim_timeout,
        due_at=now + time_limit(config, new.category, new.urgent, new.text),
    )
    note_ticket(session, config.tz, None, ticket.model_dump())
    remember_unstored(session, ticket, EventRow(
        ticket_id=None,  # store_ticket gives it
        actor_kind=Role.RESIDENT,
        actor_tg_id=reporter_tg_id,
        action=created.event,
        from_status=None,
        to_status=created.to,
        note=None,
        at=now,
    ), created.owes)
    return ticket


@action
def cancel_ticket(tx: Tx, number: int, tg_id: int) -> Ticket:
    """The reporter withdraws a ticket nobody has claimed yet."""
    s, config, now = tx.session, tx.config, tx.now
    ticket = load_ticket(s, number)
    require_reporter(s, tg_id, ticket)
    offered_to = volunteer_chat(s, ticket.assignee_id)
    move(s, config, now, ticket, action=Action.CANCEL, role=Role.RESIDENT,
         actor_tg_id=tg_id, closed_at=now)
    owe(s, config, now, offered_to, "withdrawn", ticket)
    refresh_group_post(s, config, now, ticket)
    return ticket


@action
def confirm_resolution(tx: Tx, number: int, tg_id: int) -> Ticket:
    """The reporter says 已解决: the ticket is closed. Said again of a ticket already closed
    as resolved (auto-closed while they were away, or a second 解决了 on a reminder): the
    answer is right, nothing is left to do, nothing is recorded twice."""
    s, config, now = tx.session, tx.config, tx.now
    ticket = load_ticket(s, number)
    require_reporter(s, tg_id, ticket)
    if ticket.status == TicketStatus.CLOSED:
        return ticket
    move(s, config, now, ticket, action=Action.CONFIRM, role=Role.RESIDENT,
         actor_tg_id=tg_id, closed_at=now, close_reason=None)
    owe(s, config, now, volunteer_chat(s, ticket.assignee_id), "confirmed", ticket)
    return ticket


@action
def reject_resolution(tx: Tx, number: int, tg_id: int, reason: str) -> Ticket:
    """The reporter says 未解决: back to the same volunteer; the second time, to the office."""
    s, config, now = tx.session, tx.config, tx.now
    ticket = load_ticket(s, number)
    require_reporter(s, tg_id, ticket)
    reopen(s, config, now, ticket, Action.REJECT, Role.RESIDENT, tg_id, reason, count=True)
    return ticket


@query
def check_can_reject(tx: Tx, number: int, tg_id: int) -> None:
    """Before asking the reporter why it is not fixed: is it theirs, and can it be reopened?"""
    ticket = load_ticket(tx.session, number)
    require_reporter(tx.session, tg_id, ticket)
    require_allowed(ticket, Action.REJECT, Role.RESIDENT)


def reopen(s: Session, config: Config, now: datetime, ticket: Ticket, action: Action,
           role: Role, actor_tg_id: int | None, reason: str, *, count: bool) -> None:
    """Back to work: to the volunteer who worked on it, or routed afresh if nobody ever did
    (a ticket closed while only offered must not come back as if its offeree had taken it)."""
    reopen_count = ticket.reopen_count + (1 if count else 0)
    escalate = count and reopen_count >= 2
    previous = ticket.assignee_id if ticket.claimed_at is not None else None
    move(s, config, now, ticket, action=action, role=role, actor_tg_id=actor_tg_id,
         note=reason, reopen_count=reopen_count, resolved_at=None, closed_at=None,
         close_reason=None, last_progress_at=now, assignee_id=None if escalate else previous)
    community = config.community(ticket.community)
    if escalate:
        owe(s, config, now, volunteer_chat(s, previous), "reopened_to_office", ticket,
            reason=reason)
        owe_coordinators(s, config, now, community, "reopened_escalated", ticket, reason=reason,
                         quiet=False)
    elif previous is not None:
        owe(s, config, now, volunteer_chat(s, previous), "reopened", ticket, reason=reason,
            by_office=role == Role.COORDINATOR)
    else:
        route_ticket(s, config, now, ticket)


def reopen_after_revisit(s: Session, config: Config, now: datetime, ticket: Ticket,
                         tg_id: int, reason: str) -> None:
    """回头看 found it broken again: reopened like a 未解决 (a second time goes to the office)."""
    reopen(s, config, now, ticket, Action.REVISIT_REOPEN, Role.RESIDENT, tg_id, reason,
           count=True)


@action
def rate_ticket(tx: Tx, number: int, tg_id: int, stars: int,
                comment: str | None = None) -> Ticket:
    """The reporter rates a closed ticket 1–5 (and may leave a comment)."""
    if not 1 <= stars <= 5:
        raise DomainError("bad_rating")
    s, config, now = tx.session, tx.config, tx.now
    ticket = load_ticket(s, number)
    require_reporter(s, tg_id, ticket)
    move(s, config, now, ticket, action=Action.RATE, role=Role.RESIDENT, actor_tg_id=tg_id,
         note=comment, rating=stars, comment=comment or ticket.comment)
    owe(s, config, now, volunteer_chat(s, ticket.assignee_id), "rated", ticket,
        stars=stars, comment=comment)
    return ticket


@action
def comment_ticket(tx: Tx, number: int, tg_id: int, comment: str) -> Ticket:
    """The reporter adds the optional comment after rating."""
    s, config, now = tx.session, tx.config, tx.now
    ticket = load_ticket(s, number)
    require_reporter(s, tg_id, ticket)
    move(s, config, now, ticket, action=Action.COMMENT, role=Role.RESIDENT,
         actor_tg_id=tg_id, note=comment, comment=comment)
    owe(s, config, now, volunteer_chat(s, ticket.assignee_id), "commented", ticket,
        comment=comment)
    return ticket
