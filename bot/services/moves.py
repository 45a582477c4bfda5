"""The one way a ticket changes: a conditional update plus its audit event, in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot import texts
from bot.config import Config
from bot.domain.deadlines import next_action_for
from bot.domain.errors import DomainError
from bot.domain.states import starts_waiting
from storage.db import Session
from storage.models import Ticket, TicketEvent
from storage.queries import update_ticket_if_unchanged
from storage.tallies import note_event, note_ticket, tallied


def load_ticket(session: Session, number: int) -> Ticket:
    ticket = session.get(Ticket, number) if 0 < number < 2**62 else None
    if ticket is None:
        raise DomainError("ticket_not_found", number=number)
    return ticket


def require_status(ticket: Ticket, allowed: Iterable[str], action: str) -> None:
    if ticket.status not in allowed:
        raise DomainError(
            "bad_state",
            number=ticket.id,
            status=texts.STATUS_NAMES.get(ticket.status, ticket.status),
            action=texts.ACTION_NAMES.get(action, action),
        )


def move(
    session: Session,
    config: Config,
    now: datetime,
    ticket: Ticket,
    *,
    action: str,
    actor_kind: str,
    actor_tg_id: int | None,
    to_status: str | None = None,
    note: str | None = None,
    **values: Any,
) -> None:
    """Apply `values` (and the new status) only if the ticket is as we read it; log the event.

    Raises DomainError("changed_meanwhile") when someone else changed it first: the caller's
    transaction then rolls back, so nothing half-done is kept.
    """
    from_status = ticket.status
    values["status"] = to_status or from_status
    current = ticket.model_dump()
    projected = {**current, **values}
    if starts_waiting(current, projected):
        # A new wait for a claimer: the 催办 ladder starts again from the bottom rung.
        values["waiting_since"] = projected["waiting_since"] = now
        values["escalation_level"] = projected["escalation_level"] = 0
    values["next_action"], values["next_action_at"] = next_action_for(config, projected)
    before = tallied(current)
    if not update_ticket_if_unchanged(session, ticket, values):
        raise DomainError("changed_meanwhile", number=ticket.id)
    note_ticket(session, config.tz, before, projected)
    note_event(session, config.tz, ticket.community, now, action, actor_tg_id)
    session.add(
        TicketEvent(
            ticket_id=ticket.id,  # type: ignore[arg-type]
            actor_kind=actor_kind,
            actor_tg_id=actor_tg_id,
            action=action,
            from_status=from_status,
            to_status=values["status"],
            note=note,
            at=now,
        )
    )
    session.flush()

