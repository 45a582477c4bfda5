"""A chat Telegram refuses (403): stop writing to it, and tell whoever must act instead."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.config import Config
from bot.services.notices import owe_coordinators
from storage.db import Session
from storage.models import Outbox, Resident, Ticket, Volunteer
from storage.outbox import drop_pending
from storage.queries import resident_by_tg, volunteer_by_tg

log = logging.getLogger(__name__)


def mark_unreachable(s: Session, config: Config, now: datetime, row: Outbox,
                     error: str) -> None:
    """Mark the row, and what else is pending for its chat, unreachable; a person who blocked
    the bot is marked too. The coordinators hear of it when the ticket now needs them: a
    resident or volunteer who blocked the bot, a 网格长 who missed a 催办, a lost group."""
    stored = s.get(Outbox, row.id)
    if stored is None:
        return
    stored.status, stored.last_error, stored.lease_until = "unreachable", error, None
    stored.attempts += 1
    s.add(stored)
    # Everything else pending for this chat would only earn the same 403, one by one.
    drop_pending(s, row.chat_id, row.id, f"after row {row.id}: {error}")
    person: Resident | Volunteer | None = resident_by_tg(s, row.chat_id) or \
        volunteer_by_tg(s, row.chat_id)
    ticket = s.get(Ticket, row.ticket_id) if row.ticket_id else None
    community = config.community(ticket.community) if ticket else None
    if person is not None:
        if not person.unreachable:
            person.unreachable = True
            s.add(person)
            if ticket is not None:
                owe_coordinators(s, config, now, community, "unreachable", ticket,
                                 quiet=False, tg_id=row.chat_id, name=person.name)
        return
    if row.chat_id < 0:
        log.error("the bot cannot post in group %s any more: %s", row.chat_id, error)
    if ticket is None:
        return
    if row.chat_id < 0:
        # Kicked out or muted: open claim in the group is broken, and only the coordinators
        # can route this ticket (and fix the group) now.
        owe_coordinators(s, config, now, community, "group_unreachable", ticket, quiet=False)
    elif community is not None and any(g.leader_id == row.chat_id for g in community.grids):
        # A 网格长 who never opened the bot (or blocked it) missed a 催办: the office must act
        # on the ticket, and ask the 网格长 to /start the bot.
        owe_coordinators(s, config, now, community, "leader_unreachable", ticket, quiet=False)
