"""Who may act on a ticket, and where to reach the people on it (a button is only a hint:
these checks read the database)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import texts
from bot.config import Config
from bot.domain.errors import DomainError
from bot.services.notices import owe
from storage.db import Session, UnitOfWork
from storage.models import Resident, Ticket, Volunteer
from storage.queries import (
    resident_by_tg,
    volunteer_by_tg,
)

UowFactory = Callable[[], UnitOfWork]


def volunteer_for(session: Session, tg_id: int, ticket: Ticket) -> Volunteer:
    volunteer = volunteer_by_tg(session, tg_id)
    if volunteer is None:
        raise DomainError("not_volunteer")
    if not volunteer.active:
        raise DomainError("volunteer_inactive")
    if volunteer.community != ticket.community:
        raise DomainError("wrong_community")
    return volunteer


def assignee_of(session: Session, tg_id: int, ticket: Ticket) -> Volunteer:
    volunteer = volunteer_by_tg(session, tg_id)
    if volunteer is None or ticket.assignee_id is None or volunteer.id != ticket.assignee_id:
        raise DomainError("not_assignee")
    return volunteer


def require_coordinator(config: Config, tg_id: int, ticket: Ticket) -> None:
    community = config.community(ticket.community)
    if community is None or tg_id not in community.coordinators:
        raise DomainError("not_coordinator")


def require_staff(config: Config, tg_id: int, ticket: Ticket) -> None:
    """A coordinator, or a 网格长 of the ticket's community (who may look, not act)."""
    community = config.community(ticket.community)
    if community is None or (tg_id not in community.coordinators
                             and community not in config.communities_led_by(tg_id)):
        raise DomainError("not_coordinator")


def require_reporter(session: Session, tg_id: int, ticket: Ticket) -> Resident:
    resident = resident_by_tg(session, tg_id)
    if resident is None or ticket.reporter_id != resident.id:
        raise DomainError("not_reporter")
    return resident


def reporter_chat(session: Session, ticket: Ticket) -> int | None:
    resident = session.get(Resident, ticket.reporter_id) if ticket.reporter_id else None
    return resident.tg_id if resident else None


def volunteer_chat(session: Session, volunteer_id: int | None) -> int | None:
    volunteer = session.get(Volunteer, volunteer_id) if volunteer_id else None
    return volunteer.tg_id if volunteer else None


def volunteer_name(session: Session, volunteer_id: int) -> str:
    volunteer = session.get(Volunteer, volunteer_id, populate_existing=True)
    return volunteer.name if volunteer else texts.OTHER_VOLUNTEER


def refresh_group_post(s: Session, config: Config, now: datetime, ticket: Ticket) -> None:
    """The group's post of the ticket is edited to show its new state. Owed even while the
    post's message id is not recorded yet (Telegram showed the post and someone pressed 认领
    before the sender had stored the answer): the edit waits behind the post in the group's
    queue and is rendered when it goes, by then with the id. A post stays the group's after
    the ticket leaves open claim (sent to one volunteer, closed): it is edited still, so it
    never shows a state the ticket has left. Owed once per transaction: it is rendered from
    the ticket as it is when sent."""
    if not ticket.offered_in_group and ticket.group_message_id is None:
        return
    transaction = s.get_transaction()
    done: tuple[object, set[int | None]] | None = s.info.get(_REFRESHED)
    if done is None or done[0] is not transaction:
        done = s.info[_REFRESHED] = (transaction, set())
    if ticket.id in done[1]:
        return
    chat_id = ticket.group_chat_id
    if chat_id is None:
        community = config.community(ticket.community)
        chat_id = community.volunteer_chat_id if community else None
    if chat_id is not None:
        done[1].add(ticket.id)
        owe(s, config, now, chat_id, "group_update", ticket, quiet=False)


_REFRESHED = "group_post_refreshed"  # session.info: (transaction, tickets refreshed in it)
