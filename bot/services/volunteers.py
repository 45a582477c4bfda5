"""接单 and 做单: a volunteer accepts, claims, passes on, releases, reports progress, resolves.

Same rules as bot/services/residents.py: one transaction per action, checked against the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.config import Config
from bot.domain.errors import DomainError
from bot.domain.states import TAKEN, Action, Role
from bot.services.moves import load_ticket, move, require_allowed
from bot.services.notices import owe
from bot.services.roles import (
    assignee_of,
    refresh_group_post,
    reporter_chat,
    volunteer_for,
    volunteer_name,
)
from bot.services.routing import route_ticket
from bot.services.template import Tx, action, query
from storage.db import Session
from storage.models import Ticket, Volunteer
from storage.queries import (
    open_task_count,
)


@action
def accept_ticket(tx: Tx, number: int, tg_id: int,
                  offer_message_id: int | None = None) -> Ticket:
    """The volunteer it was routed to presses 接单 (on the offer `offer_message_id`, whose
    buttons go once the details, with the work buttons, were delivered)."""
    s, config, now = tx.session, tx.config, tx.now
    ticket = load_ticket(s, number)
    volunteer = volunteer_for(s, tg_id, ticket)
    require_allowed(ticket, Action.ACCEPT, Role.VOLUNTEER)  # refused before not_assignee
    if ticket.assignee_id != volunteer.id:
        raise DomainError("not_assignee")
    move(s, config, now, ticket, action=Action.ACCEPT, role=Role.VOLUNTEER,
         actor_tg_id=tg_id, claimed_at=now)
    _after_claim(s, config, now, ticket, volunteer, offer_message_id)
    return ticket


@action
def claim_ticket(tx: Tx, number: int, tg_id: int) -> Ticket:
    """A volunteer presses 认领 in the group: exactly one of many simultaneous presses wins."""
    s, config, now = tx.session, tx.config, tx.now
    ticket = load_ticket(s, number)
    volunteer = volunteer_for(s, tg_id, ticket)
    if ticket.assignee_id is not None and ticket.status in TAKEN:
        raise DomainError("already_taken", number=ticket.id,
                          name=volunteer_name(s, ticket.assignee_id))
    require_allowed(ticket, Action.CLAIM, Role.VOLUNTEER)  # refused before the others
    if ticket.needs_triage:
        raise DomainError("awaiting_triage", number=ticket.id)
    if open_task_count(s, volunteer.id or 0) >= volunteer.max_open:
        raise DomainError("volunteer_full", name=volunteer.name, limit=volunteer.max_open)
    try:
        move(s, config, now, ticket, action=Action.CLAIM, role=Role.VOLUNTEER,
             actor_tg_id=tg_id, assignee_id=volunteer.id, claimed_at=now)
    except DomainError:
        # Lost the race: read who won, from the database as it is now.
        tx.uow.rollback()
        winner = s.get(Ticket, number)
        if winner is not None and winner.assignee_id is not None:
            raise DomainError("already_taken", number=number,
                              name=volunteer_name(s, winner.assignee_id)) from None
        raise
    _after_claim(s, config, now, ticket, volunteer)
    return ticket


def _after_claim(s: Session, config: Config, now: datetime, ticket: Ticket,
                 volunteer: Volunteer, offer_message_id: int | None = None) -> None:
    owe(s, config, now, reporter_chat(s, ticket), "claimed", ticket,
        urgent=ticket.urgent, volunteer=volunteer.name, unit=volunteer.unit)
    extra: dict[str, Any] = {"clear_buttons": offer_message_id} if offer_message_id else {}
    owe(s, config, now, volunteer.tg_id, "details", ticket, urgent=ticket.urgent, quiet=False,
        **extra)
    refresh_group_post(s, config, now, ticket)


@action
def decline_ticket(tx: Tx, number: int, tg_id: int) -> Ticket:
    """The volunteer it was routed to passes it on; it goes to the next person or the group."""
    s, config, now = tx.session, tx.config, tx.now
    ticket = load_ticket(s, number)
    assignee_of(s, tg_id, ticket)
    move(s, config, now, ticket, action=Action.DECLINE, role=Role.VOLUNTEER,
         actor_tg_id=tg_id, assignee_id=None)
    route_ticket(s, config, now, ticket)
    return ticket


@action
def release_ticket(tx: Tx, number: int, tg_id: int) -> Ticket:
    """The volunteer hands a claimed ticket back; the resident is told it is being re-sent."""
    s, config, now = tx.session, tx.config, tx.now
    ticket = load_ticket(s, number)
    assignee_of(s, tg_id, ticket)
    move(s, config, now, ticket, action=Action.RELEASE, role=Role.VOLUNTEER,
         actor_tg_id=tg_id, assignee_id=None, claimed_at=None)
    owe(s, config, now, reporter_chat(s, ticket), "released", ticket)
    route_ticket(s, config, now, ticket)
    return ticket


@action
def add_progress(tx: Tx, number: int, tg_id: int, note: str) -> Ticket:
    """The volunteer adds a progress note; the resident receives it."""
    s, config, now = tx.session, tx.config, tx.now
    ticket = load_ticket(s, number)
    assignee_of(s, tg_id, ticket)
    move(s, config, now, ticket, action=Action.PROGRESS, role=Role.VOLUNTEER,
         actor_tg_id=tg_id, note=note, last_progress_at=now)
    owe(s, config, now, reporter_chat(s, ticket), "progress", ticket, note=note)
    return ticket


@query
def check_holds(tx: Tx, number: int, tg_id: int, action: Action = Action.PROGRESS) -> None:
    """Before asking a volunteer for a note (`action`: progress or resolve): do they hold this
    ticket in a state where it can be done?"""
    ticket = load_ticket(tx.session, number)
    assignee_of(tx.session, tg_id, ticket)
    require_allowed(ticket, action, Role.VOLUNTEER)


@action
def resolve_ticket(tx: Tx, number: int, tg_id: int, summary: str) -> Ticket:
    """The volunteer marks it 已办结; the resident is asked to confirm."""
    s, config, now = tx.session, tx.config, tx.now
    ticket = load_ticket(s, number)
    assignee_of(s, tg_id, ticket)
    move(s, config, now, ticket, action=Action.RESOLVE, role=Role.VOLUNTEER,
         actor_tg_id=tg_id, note=summary, resolved_at=now, resolution_note=summary,
         last_progress_at=now)
    owe(s, config, now, reporter_chat(s, ticket), "resolved", ticket, summary=summary)
    return ticket
