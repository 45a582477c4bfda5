"""Residents' remembered details, and who someone is to the bot (the question the bot waits
for is bot/services/conversation.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config import Building, Community, Config
from bot.services.template import Tx, action, query
from storage.models import Resident
from storage.queries import open_tickets_without_phone, resident_by_tg, volunteer_by_tg


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


@action
def welcome_resident(tx: Tx, user_id: int, name: str, code: str | None) -> Welcome:
    """/start (b_<code> from a building's QR code): remember the building, offer the phone once."""
    now = tx.now
    found = find_building(tx.config, code) if code else None
    resident = resident_by_tg(tx.session, user_id) or Resident(
        tg_id=user_id, name=name, created_at=now)
    if found is not None:
        resident.community, resident.building = found[0].code, found[1].code
    ask_phone = offer_phone_once(resident, now)
    tx.session.add(resident)
    return Welcome(found, bool(code) and found is None, ask_phone)


@action
def save_phone(tx: Tx, user_id: int, name: str, phone: str) -> int:
    """Keep the shared phone number and add it to the resident's open tickets lacking one."""
    s = tx.session
    resident = resident_by_tg(s, user_id) or Resident(tg_id=user_id, name=name,
                                                      created_at=tx.now)
    resident.phone = phone
    s.add(resident)
    s.flush()
    open_tickets = open_tickets_without_phone(s, resident.id or 0)
    for ticket in open_tickets:
        ticket.contact_phone = phone  # not a state change: no event, no version bump
        s.add(ticket)
    return len(open_tickets)


@action
def mark_reachable(tx: Tx, user_id: int) -> None:
    """Someone who /starts the bot can be written to again (they may have blocked it before)."""
    for person in (resident_by_tg(tx.session, user_id), volunteer_by_tg(tx.session, user_id)):
        if person is not None and person.unreachable:
            person.unreachable = False
            tx.session.add(person)


@query
def role_of(tx: Tx, user_id: int) -> str:
    """coordinator, leader (网格长), volunteer or resident: who /help should speak to."""
    if tx.config.communities_coordinated_by(user_id):
        return "coordinator"  # (no statement was run: the session never connected)
    if tx.config.communities_led_by(user_id):
        return "leader"
    volunteer = volunteer_by_tg(tx.session, user_id)
    return "volunteer" if volunteer is not None and volunteer.active else "resident"
