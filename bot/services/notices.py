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
from datetime import datetime, timedelta
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
    held_for: timedelta | None = None,
    **payload: Any,
) -> int | None:
    """Queue one message; its outbox row's id. `quiet=False` for staff alerts that must not
    wait for morning; `held_for`: the row is born leased to the caller for that long (it
    delivers the message itself; the sender steps in only if it did not)."""
    if ticket is not None:
        _check_declared(session, ticket, notice)
    if chat_id is None:
        return None
    not_before = now if urgent or not quiet else quiet_hours_end(config, now)
    return add_outbox(
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
            lease_until=now + held_for if held_for is not None else None,
        ),
    )


# How long the handler that stored a ticket has to deliver its receipt itself before the
# outbox sender steps in (a crash in between): the row is born leased for this long.
REPLY_GRACE = timedelta(seconds=15)


def next_step(ticket: Ticket) -> str:
    """What happens to a matter just stored (a key of bot.texts.render.NEXT_STEPS)."""
    if ticket.urgent:
        return "urgent"
    if ticket.needs_triage:
        return "triage"
    return "volunteer" if ticket.status == TicketStatus.ASSIGNED else "group"


def owe_submitted(session: Session, config: Config, now: datetime, user_id: int,
                  ticket: Ticket, message_id: int | None) -> int:
    """The resident's receipt (已提交，编号 N, an edit of the preview they pressed on,
    `message_id`; a new message when it is not known), owed in the transaction that stores
    the ticket; its outbox row's id. The handler delivers it at once and says so
    (bot/services/replies.py); the row is leased to it for REPLY_GRACE, so the sender sends it only
    when the handler did not (the process stopped in between). A receipt delivered twice is
    an edit that changes nothing: the resident sees it once."""
    row_id = owe(session, config, now, user_id, "submitted", ticket, urgent=ticket.urgent,
                 quiet=False, held_for=REPLY_GRACE, message_id=message_id,
                 next=next_step(ticket))
    assert row_id is not None  # a resident always has a chat
    return row_id


def owe_preview(session: Session, config: Config, now: datetime, user_id: int,
                draft_id: int, seal: str) -> int:
    """A new draft's preview (what the bot understood, with 确认提交), owed in the
    transaction that stores the draft; its outbox row's id. As the receipt: the handler shows
    it at once and says so (bot/services/replies.py), the sender only when it did not.
    `seal`: the draft's tag for a 确认提交 that asks the building (Deps.draft_tag), which the
    sender cannot make (it has no key)."""
    row_id = owe(session, config, now, user_id, "preview", None, quiet=False,
                 held_for=REPLY_GRACE, draft_id=draft_id, seal=seal)
    assert row_id is not None
    return row_id


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
