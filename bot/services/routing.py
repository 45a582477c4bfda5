"""Sending a ticket on its way: to the volunteer bot.domain.routing chooses, to the community's
volunteer group for open claim, or to the coordinators."""

from __future__ import annotations

from datetime import datetime

from bot.config import Config
from bot.domain.routing import Candidate, choose_volunteer
from bot.domain.states import Action, Role
from bot.services.moves import move, store_ticket
from bot.services.notices import owe, owe_coordinators
from bot.services.roles import refresh_group_post
from storage.db import Session
from storage.models import Ticket, Volunteer
from storage.outbox import pending_notice
from storage.queries import volunteer_loads, volunteers_who_passed


def _candidate(volunteer: Volunteer, open_count: int) -> Candidate:
    return Candidate(
        volunteer_id=volunteer.id or 0,
        tg_id=volunteer.tg_id,
        categories=tuple(volunteer.categories),
        buildings=tuple(volunteer.buildings),
        max_open=volunteer.max_open,
        open_count=open_count,
        last_assigned_at=volunteer.last_assigned_at,
        active=volunteer.active,
        unreachable=volunteer.unreachable,
    )


def route_ticket(session: Session, config: Config, now: datetime, ticket: Ticket) -> str:
    """Send the ticket on its way; returns 'triage', 'volunteer' or 'group'."""
    community = config.community(ticket.community)
    if ticket.needs_triage or ticket.category in config.routing.coordinator_categories:
        move(
            session, config, now, ticket,
            action=Action.TRIAGE_REQUESTED, role=Role.SYSTEM, actor_tg_id=None,
            needs_triage=True, assignee_id=None, offered_in_group=False,
        )
        store_ticket(session, ticket)
        owe_coordinators(session, config, now, community, "triage", ticket)
        return "triage"
    if ticket.category not in config.routing.open_claim_categories:
        loads = volunteer_loads(session, ticket.community)
        # A ticket not stored yet is new: nobody has passed it on.
        passed = volunteers_who_passed(session, ticket.id) if ticket.id else set()
        choice = choose_volunteer(
            [_candidate(v, n) for v, n in loads], ticket.category, ticket.building, passed
        )
        if choice is not None:
            volunteer = next(v for v, _ in loads if v.id == choice.volunteer_id)
            move(
                session, config, now, ticket,
                action=Action.ROUTE, role=Role.SYSTEM, actor_tg_id=None, note=volunteer.name,
                assignee_id=volunteer.id, routed_at=now, offered_in_group=False,
            )
            volunteer.last_assigned_at = now
            session.add(volunteer)
            store_ticket(session, ticket)
            owe(session, config, now, volunteer.tg_id, "offer", ticket, urgent=ticket.urgent)
            return "volunteer"
    offer_to_group(session, config, now, ticket)
    return "group"


def offer_to_group(session: Session, config: Config, now: datetime, ticket: Ticket,
                   action: Action = Action.OFFER_GROUP) -> None:
    """Open claim in the volunteers' group; without a group the coordinators must act. (A
    reopened ticket stays reopened; one whose offer lapsed is submitted again: the table.)"""
    community = config.community(ticket.community)
    new = ticket.id is None
    move(
        session, config, now, ticket,
        action=action, role=Role.SYSTEM, actor_tg_id=None,
        assignee_id=None, offered_in_group=True, routed_at=ticket.routed_at or now,
    )
    store_ticket(session, ticket)
    chat_id = community.volunteer_chat_id if community else None
    if chat_id is not None and ticket.group_message_id is not None \
            and ticket.group_chat_id == chat_id:
        # Already posted once (then taken and handed back): the same post offers it again,
        # so the group never shows a stale "taken by" next to a second copy.
        refresh_group_post(session, config, now, ticket)
    elif chat_id is not None and not new and pending_notice(session, ticket.id or 0,
                                                            "group_post"):
        pass  # a post still waiting to go out (quiet hours) offers it: no second copy
    elif chat_id is not None:
        owe(session, config, now, chat_id, "group_post", ticket, urgent=ticket.urgent)
    else:
        owe_coordinators(session, config, now, community, "no_volunteer", ticket)
