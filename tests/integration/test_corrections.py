"""A coordinator's change of category is stored as a correction, in the same transaction as
the change and its audit event: by the triage buttons and by /recat (issue 11 §3)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.app.clock import ManualClock
from bot.config import Community, Config
from bot.domain.errors import DomainError
from bot.domain.states import TicketStatus as S
from bot.services import office as O
from bot.services.deps import Deps
from bot.texts.render import refusal
from storage.models import CategoryCorrection, TicketEvent
from tests.factories import COORDINATOR, RESIDENT, Uows, add_volunteer, deps_at, reload, submit

VAGUE = "你好，我想问一下那个事情怎么弄"
OTHER_OFFICE = 20001  # a coordinator of another community


def _corrections(uows: Uows) -> list[tuple[int, str, str, str, int]]:
    with uows() as uow:
        rows = uow.session.exec(select(CategoryCorrection).order_by(CategoryCorrection.id))
        return [(r.ticket_id, r.from_category, r.to_category, r.text, r.actor_tg_id)
                for r in rows]


def _actions(uows: Uows, number: int) -> list[tuple[str, str | None]]:
    with uows() as uow:
        rows = uow.session.exec(select(TicketEvent).where(TicketEvent.ticket_id == number)
                                .order_by(TicketEvent.id))
        return [(e.action, e.note) for e in rows]


def test_triage_to_another_category_stores_the_correction(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    vague = submit(uows, config, clock.now(), text=VAGUE, category="other").id
    assert vague is not None
    O.triage_ticket(deps, vague, COORDINATOR, "greening")
    assert _corrections(uows) == [(vague, "other", "greening", VAGUE, COORDINATOR)]
    assert ("triage", "greening") in _actions(uows, vague)


def test_triage_keeping_the_category_is_not_a_correction(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    voice = submit(uows, config, clock.now(), text="", category="repairs",
                   voice_file_id="v1").id  # voice goes to triage with the guessed category
    assert voice is not None and reload(uows, voice).needs_triage
    O.triage_ticket(deps, voice, COORDINATOR, "repairs")
    assert _corrections(uows) == []


def test_recat_changes_the_category_with_an_event_and_a_correction(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    add_volunteer(uows, clock.now(), 501, "李明", buildings=("b1",))
    lamp = submit(uows, config, clock.now(), text="1号楼楼道灯坏了", category="repairs").id
    assert lamp is not None
    holder = reload(uows, lamp).assignee_id
    done = O.recategorise(deps, lamp, COORDINATOR, "safety")
    assert (done.before, done.changed) == ("repairs", True)
    ticket = reload(uows, lamp)
    # Only the category moves: the ticket keeps its holder and state.
    assert (ticket.category, ticket.assignee_id, ticket.status) == ("safety", holder, S.ASSIGNED)
    assert ("recat", "repairs→safety") in _actions(uows, lamp)
    assert _corrections(uows) == [(lamp, "repairs", "safety", "1号楼楼道灯坏了", COORDINATOR)]

    again = O.recategorise(deps, lamp, COORDINATOR, "safety")
    assert not again.changed and len(_corrections(uows)) == 1


def test_recat_of_a_ticket_awaiting_triage_routes_it(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    add_volunteer(uows, clock.now(), 501, "李明", buildings=("b1",))
    vague = submit(uows, config, clock.now(), text=VAGUE, category="other").id
    assert vague is not None
    O.recategorise(deps, vague, COORDINATOR, "repairs")
    ticket = reload(uows, vague)
    assert (ticket.category, ticket.needs_triage, ticket.status) == (
        "repairs", False, S.ASSIGNED)
    assert _corrections(uows) == [(vague, "other", "repairs", VAGUE, COORDINATOR)]


def test_recat_of_a_ticket_the_office_kept_sends_it_to_a_volunteer(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    vague = submit(uows, config, clock.now(), text=VAGUE, category="other").id
    assert vague is not None
    O.triage_ticket(deps, vague, COORDINATOR, "other")  # office keeps it
    add_volunteer(uows, clock.now(), 501, "李明", buildings=("b1",))
    O.recategorise(deps, vague, COORDINATOR, "repairs")
    assert (reload(uows, vague).category, reload(uows, vague).status) == ("repairs", S.ASSIGNED)


def test_recat_is_refused_to_volunteers_residents_and_other_communities(
        uows: Uows, config: Config, clock: ManualClock) -> None:
    two = config.model_copy(update={"communities": (
        *config.communities,
        Community(code="zz", name="另一个社区", coordinators=(OTHER_OFFICE,)))})
    add_volunteer(uows, clock.now(), 501, "李明", buildings=("b1",))
    lamp = submit(uows, two, clock.now(), text="1号楼楼道灯坏了", category="repairs").id
    assert lamp is not None
    before = reload(uows, lamp).model_dump()
    for person in (501, RESIDENT, OTHER_OFFICE):
        with pytest.raises(DomainError) as refused:
            O.recategorise(deps_at(uows, two, clock.now()), lamp, person, "safety")
        assert refused.value.code == "not_coordinator"
    with pytest.raises(DomainError) as bad:
        O.recategorise(deps_at(uows, two, clock.now()), lamp, COORDINATOR, "nonsense")
    assert bad.value.code == "unknown_category"
    assert "设施维修" in refusal(bad.value)  # the refusal shows the names one may write
    assert reload(uows, lamp).model_dump() == before
    assert _corrections(uows) == []


def test_recat_takes_the_category_by_its_chinese_name_or_its_code(
        uows: Uows, config: Config, clock: ManualClock) -> None:
    """/recat 12 环境卫生: coordinators write the names they read; the codes still work."""
    add_volunteer(uows, clock.now(), 501, "李明", buildings=("b1",))
    lamp = submit(uows, config, clock.now(), text="1号楼楼道灯坏了", category="repairs").id
    assert lamp is not None
    done = O.recategorise(deps_at(uows, config, clock.now()), lamp, COORDINATOR, "环境卫生")
    assert done.changed and reload(uows, lamp).category == "sanitation"
    done = O.recategorise(deps_at(uows, config, clock.now()), lamp, COORDINATOR, "safety")
    assert done.changed and reload(uows, lamp).category == "safety"
