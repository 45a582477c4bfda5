"""The one way a ticket changes: a conditional update plus its audit event, in one transaction.

What may change, and into what, is bot.domain.states.TRANSITIONS: move() looks the action up
for the ticket's state as read and the actor's role, and refuses what the table has no row for.

A ticket made in this transaction and not yet inserted (a submission being routed) takes its
moves in memory: it is inserted once, in the state its moves left it, with their events, when
something first needs its number (store_ticket). A new ticket costs one INSERT, not an INSERT
and an UPDATE per move.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot import texts
from bot.config import Config
from bot.domain.deadlines import next_action_for, restarted_limit
from bot.domain.errors import DomainError
from bot.domain.states import (
    Action,
    Role,
    Transition,
    group_view,
    starts_waiting,
    transition,
)
from bot.ops.logs import note
from bot.services.notices import declare_owed
from bot.services.roles import refresh_group_post
from bot.texts.render import status_name
from storage.db import Session
from storage.models import Ticket, TicketEvent, new_row
from storage.queries import EventRow, insert_events, update_ticket_if_unchanged
from storage.tallies import note_event, note_ticket, tallied
from storage.writes import insert_now

_UNSTORED = "unstored_events"  # session.info: events of tickets not inserted yet


def load_ticket(session: Session, number: int) -> Ticket:
    ticket = session.get(Ticket, number) if 0 < number < 2**62 else None
    if ticket is None:
        raise DomainError("ticket_not_found", number=number)
    note(ticket=number)  # the update's log lines name the ticket from here on
    return ticket


def require_allowed(ticket: Ticket, action: Action, role: Role) -> Transition:
    """The table's row for `action` by `role` on the ticket as read; refused (bad_state: "it
    is now X, it can no longer be Y") when there is none. move() asks this itself; a service
    asks first only where its other refusals must not come before this one, or to check a
    button before asking its presser for words."""
    change = transition(ticket.status, action, role)
    if change is None:
        raise DomainError(
            "bad_state",
            number=ticket.id,
            status=status_name(ticket.status, role),  # as its presser sees it
            action=texts.ACTION_NAMES.get(action, action),
        )
    return change


def move(
    session: Session,
    config: Config,
    now: datetime,
    ticket: Ticket,
    *,
    action: Action,
    role: Role,
    actor_tg_id: int | None,
    note: str | None = None,
    **values: Any,
) -> None:
    """`action` by `role`: the ticket takes the state the table says, with `values`, only if
    it is as we read it; the event is logged and the messages the table lists may be owed.

    Raises DomainError("bad_state") when the table has no such move from the ticket's state,
    DomainError("changed_meanwhile") when someone else changed it first: the caller's
    transaction then rolls back, so nothing half-done is kept.
    """
    change = require_allowed(ticket, action, role)
    from_status = ticket.status
    values["status"] = change.to
    current = ticket.model_dump()
    projected = {**current, **values}
    if starts_waiting(current, projected):
        # A new wait for a claimer: the 催办 ladder starts again from the bottom rung.
        values["waiting_since"] = projected["waiting_since"] = now
        values["escalation_level"] = projected["escalation_level"] = 0
    # Taken in hand or back to work: a new time limit from now (bot.domain.deadlines).
    restart = restarted_limit(config, change.event, now, projected)
    values.update(restart)
    projected.update(restart)
    values["next_action"], values["next_action_at"] = next_action_for(config, projected)
    event = EventRow(ticket_id=ticket.id, actor_kind=role, actor_tg_id=actor_tg_id,
                     action=change.event, from_status=from_status, to_status=change.to,
                     note=note, at=now)
    note_event(session, config.tz, ticket.community, now, change.event, actor_tg_id)
    if ticket.id is None:
        for name, value in values.items():
            setattr(ticket, name, value)
        ticket.version += 1  # one per move, as a stored ticket's conditional update counts
        note_ticket(session, config.tz, tallied(current), projected)
        remember_unstored(session, ticket, event, change.owes)
        return
    before = tallied(current)
    if not update_ticket_if_unchanged(session, ticket, values):
        raise DomainError("changed_meanwhile", number=ticket.id)
    note_ticket(session, config.tz, before, projected)
    declare_owed(session, ticket.id, change.owes)
    session.add(new_row(TicketEvent, **event))
    session.flush()
    if "group_update" in change.owes and (current["offered_in_group"]
                                          or current["group_message_id"] is not None) \
            and group_view(current) != group_view(projected):
        # The group has (or is owed) a post that would show a state the ticket has left: it
        # is edited (once per transaction, whichever service made the change, the sweep's
        # included). A first offer to the group is offer_to_group's to post.
        refresh_group_post(session, config, now, ticket)


def remember_unstored(session: Session, ticket: Ticket, event: EventRow,
                      owes: Iterable[str]) -> None:
    """An event of a ticket not inserted yet: written with it by store_ticket."""
    waiting: list[tuple[Ticket, EventRow, tuple[str, ...]]] = session.info.setdefault(
        _UNSTORED, [])
    waiting.append((ticket, event, tuple(owes)))


def store_ticket(session: Session, ticket: Ticket) -> int:
    """Insert a ticket made in this transaction (in its state after its moves) with the events
    of those moves; its number. A ticket already stored is left alone."""
    if ticket.id is None:
        insert_now(session, ticket)
        waiting = session.info.get(_UNSTORED, [])
        events = []
        for _, event, owes in [w for w in waiting if w[0] is ticket]:
            event["ticket_id"] = ticket.id
            events.append(event)
            declare_owed(session, ticket.id, owes)
        insert_events(session, events)
        session.info[_UNSTORED] = [w for w in waiting if w[0] is not ticket]
    assert ticket.id is not None
    note(ticket=ticket.id)
    return ticket.id

