"""The 一领四单 lifecycle: 下单 → 接单 → 做单 → 结单, and who may do what.

Each service opens its own unit of work, re-checks the actor's role and the ticket's state
in the database, changes the ticket with a conditional update, appends the audit event and
queues the notices, all in one transaction, or changes nothing and raises DomainError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import texts
from bot.config import Config
from bot.errors import DomainError
from bot.moves import load_ticket, move, require_status
from bot.notices import owe, owe_coordinators
from bot.routing import route_ticket
from bot.schedule import time_limit
from storage.db import UnitOfWork
from storage.models import Resident, Ticket, TicketEvent, Volunteer
from storage.queries import (
    open_task_count,
    resident_by_tg,
    ticket_by_source_key,
    volunteer_by_tg,
)

UowFactory = Callable[[], UnitOfWork]
HELD = ("claimed", "in_progress", "reopened")  # a volunteer holds it and works on it
UNCLAIMED = ("submitted", "assigned")


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


# ---- role checks: a button is a hint, the database decides --------------------------------


def _volunteer_for(session: Session, tg_id: int, ticket: Ticket) -> Volunteer:
    volunteer = volunteer_by_tg(session, tg_id)
    if volunteer is None:
        raise DomainError("not_volunteer")
    if not volunteer.active:
        raise DomainError("volunteer_inactive")
    if volunteer.community != ticket.community:
        raise DomainError("wrong_community")
    return volunteer


def _assignee(session: Session, tg_id: int, ticket: Ticket) -> Volunteer:
    volunteer = volunteer_by_tg(session, tg_id)
    if volunteer is None or ticket.assignee_id is None or volunteer.id != ticket.assignee_id:
        raise DomainError("not_assignee")
    return volunteer


def _require_coordinator(config: Config, tg_id: int, ticket: Ticket) -> None:
    community = config.community(ticket.community)
    if community is None or tg_id not in community.coordinators:
        raise DomainError("not_coordinator")


def require_reporter(session: Session, tg_id: int, ticket: Ticket) -> Resident:
    resident = resident_by_tg(session, tg_id)
    if resident is None or ticket.reporter_id != resident.id:
        raise DomainError("not_reporter")
    return resident


def _reporter_chat(session: Session, ticket: Ticket) -> int | None:
    resident = session.get(Resident, ticket.reporter_id) if ticket.reporter_id else None
    return resident.tg_id if resident else None


def _volunteer_chat(session: Session, volunteer_id: int | None) -> int | None:
    volunteer = session.get(Volunteer, volunteer_id) if volunteer_id else None
    return volunteer.tg_id if volunteer else None


# ---- 下单: the resident submits ------------------------------------------------------------


def submit_ticket(
    uow_factory: UowFactory,
    config: Config,
    now: datetime,
    reporter_tg_id: int,
    new: NewTicket,
    reporter_name: str = "",
) -> Ticket:
    """Store the ticket and route it. A source_key already seen returns the earlier ticket."""
    with uow_factory() as uow:
        return submit_in(uow, config, now, reporter_tg_id, new, reporter_name)


def submit_in(
    uow: UnitOfWork,
    config: Config,
    now: datetime,
    reporter_tg_id: int,
    new: NewTicket,
    reporter_name: str = "",
    also: Callable[[Session, Ticket], None] | None = None,
) -> Ticket:
    """submit_ticket inside the caller's unit of work; `also` runs in the same transaction."""
    session = uow.session
    if new.source_key and (seen := ticket_by_source_key(session, new.source_key)):
        return seen
    try:
        ticket = _insert_ticket(session, config, now, reporter_tg_id, new, reporter_name)
        route_ticket(session, config, now, ticket)
        if ticket.urgent:
            owe_coordinators(
                session, config, now, config.community(ticket.community), "urgent_alert",
                ticket, urgent=True,
            )
        if also is not None:
            also(session, ticket)
        uow.commit()
    except IntegrityError:
        # The same update raced in twice: the other copy won; give back its ticket.
        uow.rollback()
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
) -> Ticket:
    if config.community(new.community) is None:
        raise DomainError("wrong_community")
    if new.category not in config.categories:
        raise DomainError("bad_category", code=new.category)
    resident = resident_by_tg(session, reporter_tg_id)
    if resident is None:
        resident = Resident(tg_id=reporter_tg_id, name=reporter_name, created_at=now)
    resident.community = new.community
    resident.building = new.building or resident.building
    resident.phone = new.contact_phone or resident.phone
    resident.name = resident.name or reporter_name
    session.add(resident)
    session.flush()
    ticket = Ticket(
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
    session.add(ticket)
    session.flush()
    session.add(
        TicketEvent(
            ticket_id=ticket.id,  # type: ignore[arg-type]
            actor_kind="resident",
            actor_tg_id=reporter_tg_id,
            action="submit",
            to_status="submitted",
            at=now,
        )
    )
    return ticket


def cancel_ticket(uow_factory: UowFactory, config: Config, now: datetime, number: int,
                  tg_id: int) -> Ticket:
    """The reporter withdraws a ticket nobody has claimed yet."""
    with uow_factory() as uow:
        s = uow.session
        ticket = load_ticket(s, number)
        require_reporter(s, tg_id, ticket)
        require_status(ticket, UNCLAIMED, "cancel")
        offered_to = _volunteer_chat(s, ticket.assignee_id)
        move(s, config, now, ticket, action="cancel", actor_kind="resident", actor_tg_id=tg_id,
             to_status="cancelled", closed_at=now)
        owe(s, config, now, offered_to, "withdrawn", ticket)
        _refresh_group_post(s, config, now, ticket)
        uow.commit()
        return ticket


# ---- 接单: a volunteer accepts, claims, passes on or releases --------------------------------


def accept_ticket(uow_factory: UowFactory, config: Config, now: datetime, number: int,
                  tg_id: int) -> Ticket:
    """The volunteer it was routed to presses 接单."""
    with uow_factory() as uow:
        s = uow.session
        ticket = load_ticket(s, number)
        volunteer = _volunteer_for(s, tg_id, ticket)
        require_status(ticket, ("assigned",), "accept")
        if ticket.assignee_id != volunteer.id:
            raise DomainError("not_assignee")
        move(s, config, now, ticket, action="accept", actor_kind="volunteer", actor_tg_id=tg_id,
             to_status="claimed", claimed_at=now)
        _after_claim(s, config, now, ticket, volunteer)
        uow.commit()
        return ticket


def claim_ticket(uow_factory: UowFactory, config: Config, now: datetime, number: int,
                 tg_id: int) -> Ticket:
    """A volunteer presses 认领 in the group: exactly one of many simultaneous presses wins."""
    with uow_factory() as uow:
        s = uow.session
        ticket = load_ticket(s, number)
        volunteer = _volunteer_for(s, tg_id, ticket)
        if ticket.assignee_id is not None and ticket.status in (*HELD, "assigned", "resolved"):
            raise DomainError("already_taken", number=ticket.id,
                              name=_volunteer_name(s, ticket.assignee_id))
        require_status(ticket, ("submitted", "reopened"), "claim")
        if ticket.needs_triage:
            raise DomainError("bad_state", number=ticket.id, status="待社区分类",
                              action=texts.ACTION_NAMES["claim"])
        if open_task_count(s, volunteer.id or 0) >= volunteer.max_open:
            raise DomainError("volunteer_full", name=volunteer.name, limit=volunteer.max_open)
        try:
            move(s, config, now, ticket, action="claim", actor_kind="volunteer",
                 actor_tg_id=tg_id, to_status="claimed", assignee_id=volunteer.id,
                 claimed_at=now)
        except DomainError:
            uow.rollback()
            winner = s.get(Ticket, number)
            if winner is not None and winner.assignee_id is not None:
                raise DomainError("already_taken", number=number,
                                  name=_volunteer_name(s, winner.assignee_id)) from None
            raise
        _after_claim(s, config, now, ticket, volunteer)
        uow.commit()
        return ticket


def _volunteer_name(session: Session, volunteer_id: int) -> str:
    volunteer = session.get(Volunteer, volunteer_id, populate_existing=True)
    return volunteer.name if volunteer else "其他志愿者"


def _after_claim(s: Session, config: Config, now: datetime, ticket: Ticket,
                 volunteer: Volunteer) -> None:
    owe(s, config, now, _reporter_chat(s, ticket), "claimed", ticket,
        urgent=ticket.urgent, volunteer=volunteer.name, unit=volunteer.unit)
    owe(s, config, now, volunteer.tg_id, "details", ticket, urgent=ticket.urgent, quiet=False)
    _refresh_group_post(s, config, now, ticket)


def _refresh_group_post(s: Session, config: Config, now: datetime, ticket: Ticket) -> None:
    if ticket.offered_in_group and ticket.group_chat_id is not None:
        owe(s, config, now, ticket.group_chat_id, "group_update", ticket, quiet=False)


def decline_ticket(uow_factory: UowFactory, config: Config, now: datetime, number: int,
                   tg_id: int) -> Ticket:
    """The volunteer it was routed to passes it on; it goes to the next person or the group."""
    with uow_factory() as uow:
        s = uow.session
        ticket = load_ticket(s, number)
        _assignee(s, tg_id, ticket)
        require_status(ticket, ("assigned",), "decline")
        move(s, config, now, ticket, action="decline", actor_kind="volunteer", actor_tg_id=tg_id,
             to_status="submitted", assignee_id=None)
        route_ticket(s, config, now, ticket)
        uow.commit()
        return ticket


def release_ticket(uow_factory: UowFactory, config: Config, now: datetime, number: int,
                   tg_id: int) -> Ticket:
    """The volunteer hands a claimed ticket back; the resident is told it is being re-sent."""
    with uow_factory() as uow:
        s = uow.session
        ticket = load_ticket(s, number)
        _assignee(s, tg_id, ticket)
        require_status(ticket, HELD, "release")
        move(s, config, now, ticket, action="release", actor_kind="volunteer", actor_tg_id=tg_id,
             to_status="submitted", assignee_id=None, claimed_at=None)
        owe(s, config, now, _reporter_chat(s, ticket), "released", ticket)
        route_ticket(s, config, now, ticket)
        uow.commit()
        return ticket


# ---- 做单: progress and resolution ------------------------------------------------------------


def add_progress(uow_factory: UowFactory, config: Config, now: datetime, number: int,
                 tg_id: int, note: str) -> Ticket:
    """The volunteer adds a progress note; the resident receives it."""
    with uow_factory() as uow:
        s = uow.session
        ticket = load_ticket(s, number)
        _assignee(s, tg_id, ticket)
        require_status(ticket, HELD, "progress")
        move(s, config, now, ticket, action="progress", actor_kind="volunteer",
             actor_tg_id=tg_id, to_status="in_progress", note=note, last_progress_at=now)
        owe(s, config, now, _reporter_chat(s, ticket), "progress", ticket, note=note)
        uow.commit()
        return ticket


def check_holds(uow_factory: UowFactory, number: int, tg_id: int) -> None:
    """Before asking a volunteer for a note: do they hold this ticket in a workable state?"""
    with uow_factory() as uow:
        ticket = load_ticket(uow.session, number)
        _assignee(uow.session, tg_id, ticket)
        require_status(ticket, HELD, "progress")


def resolve_ticket(uow_factory: UowFactory, config: Config, now: datetime, number: int,
                   tg_id: int, summary: str) -> Ticket:
    """The volunteer marks it 已办结; the resident is asked to confirm."""
    with uow_factory() as uow:
        s = uow.session
        ticket = load_ticket(s, number)
        _assignee(s, tg_id, ticket)
        require_status(ticket, HELD, "resolve")
        move(s, config, now, ticket, action="resolve", actor_kind="volunteer", actor_tg_id=tg_id,
             to_status="resolved", note=summary, resolved_at=now, resolution_note=summary,
             last_progress_at=now)
        owe(s, config, now, _reporter_chat(s, ticket), "resolved", ticket, summary=summary)
        uow.commit()
        return ticket


# ---- 结单: the resident confirms, rejects, rates ---------------------------------------------


def confirm_resolution(uow_factory: UowFactory, config: Config, now: datetime, number: int,
                       tg_id: int) -> Ticket:
    """The reporter says 已解决: the ticket is closed."""
    with uow_factory() as uow:
        s = uow.session
        ticket = load_ticket(s, number)
        require_reporter(s, tg_id, ticket)
        require_status(ticket, ("resolved",), "confirm")
        move(s, config, now, ticket, action="confirm", actor_kind="resident", actor_tg_id=tg_id,
             to_status="closed", closed_at=now, close_reason=None)
        owe(s, config, now, _volunteer_chat(s, ticket.assignee_id), "confirmed", ticket)
        uow.commit()
        return ticket


def reject_resolution(uow_factory: UowFactory, config: Config, now: datetime, number: int,
                      tg_id: int, reason: str) -> Ticket:
    """The reporter says 未解决: back to the same volunteer; the second time, to the office."""
    with uow_factory() as uow:
        s = uow.session
        ticket = load_ticket(s, number)
        require_reporter(s, tg_id, ticket)
        require_status(ticket, ("resolved", "closed"), "reject")
        _reopen(s, config, now, ticket, "reject", "resident", tg_id, reason, count=True)
        uow.commit()
        return ticket


def reopen_after_revisit(s: Session, config: Config, now: datetime, ticket: Ticket,
                         tg_id: int, reason: str) -> None:
    """回头看 found it broken again: reopened like a 未解决 (a second time goes to the office)."""
    _reopen(s, config, now, ticket, "revisit_reopen", "resident", tg_id, reason, count=True)


def community_of(uow_factory: UowFactory, config: Config, number: int, tg_id: int) -> str:
    """The ticket's community, if this coordinator runs it (before showing assign buttons)."""
    with uow_factory() as uow:
        ticket = load_ticket(uow.session, number)
        _require_coordinator(config, tg_id, ticket)
        return ticket.community


def check_can_reject(uow_factory: UowFactory, number: int, tg_id: int) -> None:
    """Before asking the reporter why it is not fixed: is it theirs, and can it be reopened?"""
    with uow_factory() as uow:
        ticket = load_ticket(uow.session, number)
        require_reporter(uow.session, tg_id, ticket)
        require_status(ticket, ("resolved", "closed"), "reject")


def _reopen(s: Session, config: Config, now: datetime, ticket: Ticket, action: str,
            actor_kind: str, actor_tg_id: int | None, reason: str, *, count: bool) -> None:
    reopen_count = ticket.reopen_count + (1 if count else 0)
    escalate = count and reopen_count >= 2
    previous = ticket.assignee_id
    move(s, config, now, ticket, action=action, actor_kind=actor_kind, actor_tg_id=actor_tg_id,
         to_status="reopened", note=reason, reopen_count=reopen_count, resolved_at=None,
         closed_at=None, close_reason=None, last_progress_at=now,
         assignee_id=None if escalate else previous)
    community = config.community(ticket.community)
    if escalate:
        owe(s, config, now, _volunteer_chat(s, previous), "reopened_to_office", ticket,
            reason=reason)
        owe_coordinators(s, config, now, community, "reopened_escalated", ticket, reason=reason,
                         quiet=False)
    elif previous is not None:
        owe(s, config, now, _volunteer_chat(s, previous), "reopened", ticket, reason=reason,
            by_office=actor_kind == "coordinator")
    else:
        route_ticket(s, config, now, ticket)


def rate_ticket(uow_factory: UowFactory, config: Config, now: datetime, number: int,
                tg_id: int, stars: int, comment: str | None = None) -> Ticket:
    """The reporter rates a closed ticket 1–5 (and may leave a comment)."""
    if not 1 <= stars <= 5:
        raise DomainError("bad_rating")
    with uow_factory() as uow:
        s = uow.session
        ticket = load_ticket(s, number)
        require_reporter(s, tg_id, ticket)
        require_status(ticket, ("closed",), "rate")
        move(s, config, now, ticket, action="rate", actor_kind="resident", actor_tg_id=tg_id,
             note=comment, rating=stars, comment=comment or ticket.comment)
        owe(s, config, now, _volunteer_chat(s, ticket.assignee_id), "rated", ticket,
            stars=stars, comment=comment)
        uow.commit()
        return ticket


def comment_ticket(uow_factory: UowFactory, config: Config, now: datetime, number: int,
                   tg_id: int, comment: str) -> Ticket:
    """The reporter adds the optional comment after rating."""
    with uow_factory() as uow:
        s = uow.session
        ticket = load_ticket(s, number)
        require_reporter(s, tg_id, ticket)
        require_status(ticket, ("closed",), "rate")
        move(s, config, now, ticket, action="comment", actor_kind="resident", actor_tg_id=tg_id,
             note=comment, comment=comment)
        owe(s, config, now, _volunteer_chat(s, ticket.assignee_id), "commented", ticket,
            comment=comment)
        uow.commit()
        return ticket


# ---- coordinators -----------------------------------------------------------------------------


def assign_ticket(uow_factory: UowFactory, config: Config, now: datetime, number: int,
                  tg_id: int, volunteer_tg_id: int) -> Ticket:
    """A coordinator (re)assigns a ticket to a volunteer, who is asked to 接单."""
    with uow_factory() as uow:
        s = uow.session
        ticket = load_ticket(s, number)
        _require_coordinator(config, tg_id, ticket)
        require_status(ticket, (*UNCLAIMED, *HELD), "assign")
        volunteer = volunteer_by_tg(s, volunteer_tg_id)
        if volunteer is None or volunteer.community != ticket.community:
            raise DomainError("volunteer_not_found")
        if not volunteer.active:
            raise DomainError("volunteer_inactive")
        previous = ticket.assignee_id
        move(s, config, now, ticket, action="assign", actor_kind="coordinator",
             actor_tg_id=tg_id, to_status="assigned", note=volunteer.name,
             assignee_id=volunteer.id, routed_at=now, claimed_at=None, needs_triage=False)
        volunteer.last_assigned_at = now
        s.add(volunteer)
        if previous is not None and previous != volunteer.id:
            owe(s, config, now, _volunteer_chat(s, previous), "unassigned", ticket)
        owe(s, config, now, volunteer.tg_id, "offer", ticket, urgent=ticket.urgent)
        _refresh_group_post(s, config, now, ticket)
        uow.commit()
        return ticket


def close_ticket(uow_factory: UowFactory, config: Config, now: datetime, number: int,
                 tg_id: int, reason: str, note: str | None = None) -> Ticket:
    """A coordinator closes a ticket unresolved, with one of the reasons."""
    if reason not in texts.CLOSE_REASONS:
        raise DomainError("bad_reason", reasons="、".join(texts.CLOSE_REASONS.values()))
    with uow_factory() as uow:
        s = uow.session
        ticket = load_ticket(s, number)
        _require_coordinator(config, tg_id, ticket)
        require_status(ticket, (*UNCLAIMED, *HELD, "resolved"), "close")
        move(s, config, now, ticket, action="close", actor_kind="coordinator", actor_tg_id=tg_id,
             to_status="closed_unresolved", note=note or reason, close_reason=reason,
             closed_at=now)
        owe(s, config, now, _reporter_chat(s, ticket), "closed_unresolved", ticket,
            reason=reason, note=note)
        owe(s, config, now, _volunteer_chat(s, ticket.assignee_id), "closed_by_office", ticket,
            reason=reason)
        _refresh_group_post(s, config, now, ticket)
        uow.commit()
        return ticket


def reopen_ticket(uow_factory: UowFactory, config: Config, now: datetime, number: int,
                  tg_id: int, note: str = "") -> Ticket:
    """A coordinator reopens a resolved or closed ticket; it goes back to its volunteer."""
    with uow_factory() as uow:
        s = uow.session
        ticket = load_ticket(s, number)
        _require_coordinator(config, tg_id, ticket)
        require_status(ticket, ("resolved", "closed", "closed_unresolved"), "reopen")
        _reopen(s, config, now, ticket, "reopen", "coordinator", tg_id, note, count=False)
        owe(s, config, now, _reporter_chat(s, ticket), "reopened_by_office", ticket)
        uow.commit()
        return ticket


def triage_ticket(uow_factory: UowFactory, config: Config, now: datetime, number: int,
                  tg_id: int, category: str) -> Ticket:
    """A coordinator picks the category of a ticket waiting for triage; routing proceeds."""
    if category not in config.categories:
        raise DomainError("bad_category", code=category)
    with uow_factory() as uow:
        s = uow.session
        ticket = load_ticket(s, number)
        _require_coordinator(config, tg_id, ticket)
        require_status(ticket, ("submitted", "reopened"), "triage")
        if ticket.assignee_id is not None:
            raise DomainError("already_taken", number=ticket.id,
                              name=_volunteer_name(s, ticket.assignee_id))
        if not ticket.needs_triage and ticket.offered_in_group:
            # Another coordinator already classified it and it is posted for claim: a second
            # press on their own copy of the triage message must not post it again.
            raise DomainError("changed_meanwhile", number=ticket.id)
        move(s, config, now, ticket, action="triage", actor_kind="coordinator",
             actor_tg_id=tg_id, note=category, category=category, needs_triage=False,
             due_at=ticket.created_at + time_limit(config, category, ticket.urgent, ticket.text))
        if category in config.routing.coordinator_categories:
            # The office keeps it: it stays with them rather than bouncing back to triage.
            uow.commit()
            return ticket
        route_ticket(s, config, now, ticket)
        uow.commit()
        return ticket
