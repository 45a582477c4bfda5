"""Offers and group posts made at night: waiting counts from the morning, and the group never
gets two posts (or a stale 认领 button) for one matter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.app.clock import ManualClock
from bot.config import Config
from bot.domain.deadlines import quiet_hours_end
from bot.domain.states import TicketStatus as S
from bot.services import office
from bot.services import volunteers as volunteering
from bot.services.owed import render_owed
from storage.models import Outbox
from tests.factories import COORDINATOR, Uows, add_volunteer, deps_at, reload, submit

NIGHT = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai: quiet hours
VOLUNTEER, OTHER = 500, 501


def group_posts(uows: Uows, number: int) -> list[Outbox]:
    with uows() as uow:
        return list(uow.session.exec(select(Outbox).where(
            Outbox.ticket_id == number, Outbox.notice == "group_post")).all())


def test_an_offer_made_at_night_lapses_two_hours_after_the_morning(
        uows: Uows, config: Config, clock: ManualClock) -> None:
    add_volunteer(uows, NIGHT, VOLUNTEER)
    ticket = submit(uows, config, NIGHT)
    assert ticket.status == S.ASSIGNED
    morning = quiet_hours_end(config, NIGHT)  # 07:30 next day: when the offer arrives
    assert (ticket.next_action, ticket.next_action_at) == (
        "accept_timeout", morning + config.followups.accept_timeout)


def test_an_urgent_offer_at_night_does_not_wait_for_the_morning(
        uows: Uows, config: Config, clock: ManualClock) -> None:
    add_volunteer(uows, NIGHT, VOLUNTEER)
    ticket = submit(uows, config, NIGHT, text="楼道里有很浓的煤气味", urgent=True)
    assert ticket.next_action_at == NIGHT + config.followups.urgent_accept_timeout


def test_a_matter_offered_twice_overnight_gets_one_group_post(
        uows: Uows, config: Config, clock: ManualClock) -> None:
    """Nobody serves sanitation, so it goes to the group at night (held till morning); the
    office assigns it, the offer lapses, it goes back to the group: still one post."""
    add_volunteer(uows, NIGHT, OTHER, categories=("repairs",))
    number = submit(uows, config, NIGHT, text="楼下垃圾堆了好几天", category="sanitation").id
    assert number is not None and len(group_posts(uows, number)) == 1
    office.assign_ticket(deps_at(uows, config, NIGHT), number, COORDINATOR, OTHER)
    lapse = reload(uows, number).next_action_at
    assert lapse is not None
    from bot.services.followups import sweep

    sweep(deps_at(uows, config, lapse))
    assert reload(uows, number).offered_in_group
    assert len(group_posts(uows, number)) == 1


def test_a_held_group_post_for_a_matter_taken_meanwhile_is_not_posted(
        uows: Uows, config: Config, clock: ManualClock) -> None:
    add_volunteer(uows, NIGHT, OTHER, categories=("repairs",))
    number = submit(uows, config, NIGHT, text="楼下垃圾堆了好几天", category="sanitation").id
    assert number is not None
    volunteering.claim_ticket(deps_at(uows, config, NIGHT + timedelta(minutes=5)), number, OTHER)
    (post,) = group_posts(uows, number)
    with uows() as uow:
        assert render_owed(uow.session, config, post) == []
