"""What the bot owes whom: outbox rows written inside the caller's transaction.

A notice is stored as a code plus parameters and rendered when it is sent, so a restart
between the state change and the send loses nothing.

A ticket's changes may owe only the notices bot.domain.states.TRANSITIONS lists for them:
each move() declares its row's notices in the session, and a notice about a ticket that moved
in this transaction but that none of its moves lists is logged as an error (the tests fail on
it; the message still goes out).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.config import Community, Config
from bot.domain.deadlines import quiet_hours_end
from bot.domain.states import TicketStatus
from storage.db import Session
from storage.models import Outbox, Ticket, new_row
from storage.outbox import add_outbox

log = logging.getLogger(__name__)
_DECLARED = "owed_by_moves"  # session.info key: ticket id → the notices its moves may owe


def declare_owed(session: Session, ticket_id: int | None, notices: Iterable[str]) -> None:
    """A change of the ticket in this transaction may owe these notices."""
    declared: dict[int | None, set[str]] = session.info.setdefault(_DECLARED, {})
    declared.setdefault(ticket_id, set()).update(notices)


def owe(
    session: Session,
    config: Config,
    now: datetime,
    chat_id: int | None,
    notice: str,
    ticket: Ticket | None,
    *,
    urgent: bool = False,
    quiet: bool = True,
    **payload: Any,
) -> None:
    """Queue one message. `quiet=False` for staff alerts that must not wait for morning."""
    if ticket is not None:
        _check_declared(session, ticket, notice)
    if chat_id is None:
        return
    not_before = now if urgent or not quiet else quiet_hours_end(config, now)
    add_outbox(
        session,
        new_row(
            Outbox,
            chat_id=chat_id,
            notice=notice,
            ticket_id=ticket.id if ticket else None,
            payload=payload,
            urgent=urgent,
            created_at=now,
            not_before=not_before,
        ),
    )


def owe_submitted(session: Session, config: Config, now: datetime, user_id: int,
                  ticket: Ticket, message_id: int | None, ask_phone: bool) -> None:
    """What the resident is told when their matter is stored: its number, as an edit of the
    preview they pressed on (`message_id`; a new message when it is not known), then, once
    per resident, the phone question. Owed at once, whatever the hour: they are waiting."""
    if ticket.urgent:
        step = "urgent"
    elif ticket.needs_triage:
        step = "triage"
    elif ticket.status == TicketStatus.ASSIGNED:
        step = "volunteer"
    else:
        step = "group"
    owe(session, config, now, user_id, "submitted", ticket, urgent=ticket.urgent, quiet=False,
        message_id=message_id, next=step)
    if ask_phone:
        owe(session, config, now, user_id, "ask_phone", ticket, urgent=ticket.urgent,
            quiet=False)


def _check_declared(session: Session, ticket: Ticket, notice: str) -> None:
    declared = session.info.get(_DECLARED, {}).get(ticket.id)
    if declared is not None and notice not in declared:
        log.error("ticket %s owes %r, which no transition it made in this transaction lists "
                  "(bot/domain/states.py)", ticket.id, notice)


def owe_coordinators(
    session: Session,
    config: Config,
    now: datetime,
    community: Community | None,
    notice: str,
    ticket: Ticket | None,
    *,
    urgent: bool = False,
    quiet: bool = True,
    **payload: Any,
) -> None:
    """Queue one message to every coordinator of the community."""
    if ticket is not None:
        _check_declared(session, ticket, notice)
    if community is None:
        return
    for coordinator in community.coordinators:
        owe(
            session, config, now, coordinator, notice, ticket,
            urgent=urgent, quiet=quiet, **payload,
        )
