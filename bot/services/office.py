"""The coordinators' actions: assign, close, reopen, triage and recategorise (/recat) a ticket
of their community.

Same rules as bot/services/residents.py: one transaction per action, checked against the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import texts
from bot.domain.deadlines import limit_for_category
from bot.domain.errors import DomainError
from bot.domain.states import CLAIMABLE, FINAL_STATUSES, Action, Role
from bot.services.corrections import record_correction
from bot.services.moves import load_ticket, move, require_allowed
from bot.services.notices import owe
from bot.services.residents import reopen
from bot.services.roles import (
    refresh_group_post,
    reporter_chat,
    require_coordinator,
    require_staff,
    volunteer_chat,
    volunteer_name,
)
from bot.services.routing import route_ticket
from bot.services.template import Tx, action, query
from bot.texts.render import Out, full_view
from storage.models import Resident, Ticket, Volunteer
from storage.queries import (
    volunteer_by_tg,
)


@query
def community_of(tx: Tx, number: int, tg_id: int) -> str:
    """The ticket's community, if this coordinator runs it (before showing assign buttons)."""
    ticket = load_ticket(tx.session, number)
    require_coordinator(tx.config, tg_id, ticket)
    return ticket.community


@query
def ticket_view(tx: Tx, number: int, tg_id: int) -> list[Out]:
    """/ticket N for a coordinator or 网格长 of the ticket's community: its full details."""
    s, config = tx.session, tx.config
    ticket = load_ticket(s, number)
    require_staff(config, tg_id, ticket)
    resident = s.get(Resident, ticket.reporter_id) if ticket.reporter_id else None
    holder = s.get(Volunteer, ticket.assignee_id) if ticket.assignee_id else None
    return full_view(config, ticket, resident, holder)


@action
def assign_ticket(tx: Tx, number: int, tg_id: int, volunteer_tg_id: int) -> Ticket:
    """A coordinator (re)assigns a ticket to a volunteer, who is asked to 接单."""
    s, config, now = tx.session, tx.config, tx.now
    ticket = load_ticket(s, number)
    require_coordinator(config, tg_id, ticket)
    require_allowed(ticket, Action.ASSIGN, Role.COORDINATOR)  # before the volunteer's
    volunteer = volunteer_by_tg(s, volunteer_tg_id)
    if volunteer is None or volunteer.community != ticket.community:
        raise DomainError("volunteer_not_found")
    if not volunteer.active:
        raise DomainError("volunteer_inactive")
    previous = ticket.assignee_id
    move(s, config, now, ticket, action=Action.ASSIGN, role=Role.COORDINATOR,
         actor_tg_id=tg_id, note=volunteer.name, assignee_id=volunteer.id, routed_at=now,
         claimed_at=None, needs_triage=False)
    volunteer.last_assigned_at = now
    s.add(volunteer)
    if previous is not None and previous != volunteer.id:
        owe(s, config, now, volunteer_chat(s, previous), "unassigned", ticket)
    owe(s, config, now, volunteer.tg_id, "offer", ticket, urgent=ticket.urgent)
    refresh_group_post(s, config, now, ticket)
    return ticket


def reason_from_words(words: str) -> str | None:
    """The close reason a coordinator's words after /close N name, if any ("重复" → duplicate)."""
    return next((code for code, keys in texts.CLOSE_REASON_WORDS.items()
                 if any(k in words for k in keys)), None)


@action
def close_ticket(tx: Tx, number: int, tg_id: int, reason: str,
                 note: str | None = None) -> Ticket:
    """A coordinator closes a ticket unresolved, with one of the reasons."""
    if reason not in texts.CLOSE_REASONS:
        raise DomainError("bad_reason", reasons="、".join(texts.CLOSE_REASONS.values()))
    s, config, now = tx.session, tx.config, tx.now
    ticket = load_ticket(s, number)
    require_coordinator(config, tg_id, ticket)
    move(s, config, now, ticket, action=Action.CLOSE, role=Role.COORDINATOR,
         actor_tg_id=tg_id, note=note or reason, close_reason=reason, closed_at=now)
    owe(s, config, now, reporter_chat(s, ticket), "closed_unresolved", ticket,
        reason=reason, note=note)
    owe(s, config, now, volunteer_chat(s, ticket.assignee_id), "closed_by_office", ticket,
        reason=reason)
    refresh_group_post(s, config, now, ticket)
    return ticket


@action
def reopen_ticket(tx: Tx, number: int, tg_id: int, note: str = "") -> Ticket:
    """A coordinator reopens a resolved or closed ticket; it goes back to its volunteer."""
    s, config, now = tx.session, tx.config, tx.now
    ticket = load_ticket(s, number)
    require_coordinator(config, tg_id, ticket)
    reopen(s, config, now, ticket, Action.REOPEN, Role.COORDINATOR, tg_id, note, count=False)
    owe(s, config, now, reporter_chat(s, ticket), "reopened_by_office", ticket)
    return ticket


@dataclass(frozen=True)
class Recat:
    ticket: Ticket
    before: str
    changed: bool


@action
def recategorise(tx: Tx, number: int, tg_id: int, category: str) -> Recat:
    """/recat N category (its name, 设施维修, or its code, repairs): a coordinator of the
    ticket's community gives it another category.

    A ticket still awaiting triage, or waiting with the office unrouted, is triaged (and
    routed) as by the triage buttons. Any other
    keeps its holder and state; an open one gets its new category's time limit and its group
    post shows the new category. Closed tickets may be corrected too: the digest's counts
    follow (move() keeps the tallies), and the classifier learns from the correction."""
    s, config, now = tx.session, tx.config, tx.now
    code = config.category_code(category)
    if code is None:
        raise DomainError("unknown_category", code=category,
                          names="、".join(c.name for c in config.categories.values()))
    category = code
    ticket = load_ticket(s, number)
    require_coordinator(config, tg_id, ticket)
    before = ticket.category
    if before == category:
        return Recat(ticket, before, changed=False)
    if ticket.status in CLAIMABLE and ticket.assignee_id is None \
            and (ticket.needs_triage or not ticket.offered_in_group):
        # Awaiting triage, or kept by the office with nobody asked yet: routed anew.
        triage_ticket.within(tx, number, tg_id, category, pressed=False)
        return Recat(ticket, before, changed=True)
    values: dict[str, Any] = {"category": category, "needs_triage": False}
    if ticket.status not in FINAL_STATUSES:
        values["due_at"] = limit_for_category(config, ticket.model_dump(), category)
    move(s, config, now, ticket, action=Action.RECAT, role=Role.COORDINATOR,
         actor_tg_id=tg_id, note=f"{before}→{category}", **values)
    record_correction(s, now, ticket, before, category, tg_id)
    if ticket.status not in FINAL_STATUSES:
        refresh_group_post(s, config, now, ticket)
    return Recat(ticket, before, changed=True)


@action
def triage_ticket(tx: Tx, number: int, tg_id: int, category: str,
                  pressed: bool = True) -> Ticket:
    """A coordinator picks the category of a ticket waiting for triage; routing proceeds.
    (Also /recat of a ticket awaiting triage, within its transaction: `pressed=False`.) A
    category other than the classifier's is stored as a correction. A button pressed on a
    triage message after another coordinator (or the same one) already picked the category
    is told so: each coordinator has their own copy of the message."""
    s, config, now = tx.session, tx.config, tx.now
    if category not in config.categories:
        raise DomainError("bad_category", code=category)
    ticket = load_ticket(s, number)
    require_coordinator(config, tg_id, ticket)
    if pressed and not ticket.needs_triage:
        raise DomainError("already_triaged", number=ticket.id,
                          category=config.category_name(ticket.category))
    require_allowed(ticket, Action.TRIAGE, Role.COORDINATOR)  # refused before the others
    if ticket.assignee_id is not None:
        raise DomainError("already_taken", number=ticket.id,
                          name=volunteer_name(s, ticket.assignee_id))
    if not ticket.needs_triage and ticket.offered_in_group:
        # Another coordinator already classified it and it is posted for claim: a second
        # press on their own copy of the triage message must not post it again.
        raise DomainError("changed_meanwhile", number=ticket.id)
    before = ticket.category
    move(s, config, now, ticket, action=Action.TRIAGE, role=Role.COORDINATOR,
         actor_tg_id=tg_id, note=category, category=category, needs_triage=False,
         due_at=limit_for_category(config, ticket.model_dump(), category))
    record_correction(s, now, ticket, before, category, tg_id)
    if category in config.routing.coordinator_categories:
        # The office keeps it: it stays with them rather than bouncing back to triage.
        return ticket
    route_ticket(s, config, now, ticket)
    return ticket
