"""Residents' remembered details, and who someone is to the bot (the question the bot waits
for is bot/services/conversation.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.config import Building, Community, Config
from storage.db import UnitOfWork
from storage.models import Resident
from storage.queries import open_tickets_without_phone, resident_by_tg, volunteer_by_tg

UowFactory = Callable[[], UnitOfWork]


def find_building(config: Config, code: str) -> tuple[Community, Building] | None:
    """A building by the code printed on its QR code (codes are unique across communities)."""
    for community in config.communities:
        building = community.building(code)
        if building is not None:
            return community, building
    return None


@dataclass(frozen=True)
class Welcome:
    building: tuple[Community, Building] | None  # from a QR code's b_<code>, when it is known
    unknown_building: bool  # a b_<code> that matches no building
    ask_phone: bool  # never asked before: the greeting carries the share-phone keyboard


def offer_phone_once(resident: Resident, now: datetime) -> bool:
    """True (and remembered) the first time a resident without a phone can be asked for one."""
    if resident.phone or resident.phone_asked_at is not None:
        return False
    resident.phone_asked_at = now
    return True


def welcome_resident(uow_factory: UowFactory, config: Config, now: datetime, user_id: int,
                     name: str, code: str | None) -> Welcome:
    """/start (b_<code> from a building's QR code): remember the building, offer the phone once."""
    found = find_building(config, code) if code else None
    with uow_factory() as uow:
        resident = resident_by_tg(uow.session, user_id) or Resident(
            tg_id=user_id, name=name, created_at=now)
        if found is not None:
            resident.community, resident.building = found[0].code, found[1].code
        ask_phone = offer_phone_once(resident, now)
        uow.session.add(resident)
        uow.commit()
    return Welcome(found, bool(code) and found is None, ask_phone)


def save_phone(uow_factory: UowFactory, now: datetime, user_id: int, name: str,
               phone: str) -> int:
    """Keep the shared phone number and add it to the resident's open tickets lacking one."""
    with uow_factory() as uow:
        s = uow.session
        resident = resident_by_tg(s, user_id) or Resident(tg_id=user_id, name=name, created_at=now)
        resident.phone = phone
        s.add(resident)
        s.flush()
        open_tickets = open_tickets_without_phone(s, resident.id or 0)
        for ticket in open_tickets:
            ticket.contact_phone = phone  # not a state change: no event, no version bump
            s.add(ticket)
        uow.commit()
        return len(open_tickets)


def mark_reachable(uow_factory: UowFactory, user_id: int) -> None:
    """Someone who /starts the bot can be written to again (they may have blocked it before)."""
    with uow_factory() as uow:
        for person in (resident_by_tg(uow.session, user_id), volunteer_by_tg(uow.session, user_id)):
            if person is not None and person.unreachable:
                person.unreachable = False
                uow.session.add(person)
        uow.commit()


def role_of(uow_factory: UowFactory, config: Config, user_id: int) -> str:
    """coordinator, volunteer or resident: who /help should speak to."""
    if config.communities_coordinated_by(user_id):
        return "coordinator"
    with uow_factory() as uow:
        volunteer = volunteer_by_tg(uow.session, user_id)
    return "volunteer" if volunteer is not None and volunteer.active else "resident"
