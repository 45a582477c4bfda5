"""What the bot owes whom: outbox rows written inside the caller's transaction.

A notice is stored as a code plus parameters and rendered when it is sent, so a restart
between the state change and the send loses nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.config import Community, Config
from bot.domain.deadlines import quiet_hours_end
from storage.db import Session
from storage.models import Outbox, Ticket
from storage.outbox import add_outbox


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
    if chat_id is None:
        return
    not_before = now if urgent or not quiet else quiet_hours_end(config, now)
    add_outbox(
        session,
        Outbox(
            chat_id=chat_id,
            notice=notice,
            ticket_id=ticket.id if ticket else None,
            payload=payload,
            urgent=urgent,
            created_at=now,
            not_before=not_before,
        ),
    )


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
    if community is None:
        return
    for coordinator in community.coordinators:
        owe(
            session, config, now, coordinator, notice, ticket,
            urgent=urgent, quiet=quiet, **payload,
        )
