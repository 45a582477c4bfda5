"""When a ticket's time limit (办结时限) runs, and what its follow-ups say when they are sent:
found by a black-box run of the playground (both databases, manual clock, the real sweep)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot import texts
from bot.app.clock import ManualClock
from bot.config import Config
from bot.digest.stats import overdue_tickets
from bot.domain.deadlines import time_limit
from bot.domain.states import TicketStatus as S
from bot.services import office as O
from bot.services import residents as T
from bot.services import volunteers as V
from bot.services.deps import Deps
from bot.services.followups import answer_revisit, sweep
from bot.services.owed import render_owed
from storage.models import Outbox
from tests.factories import (
    COORDINATOR,
    GRID_LEADER_G1,
    RESIDENT,
    Uows,
    add_volunteer,
    deps_at,
    outbox,
    reload,
    submit,
)

VOL = 500
VOL2 = 501
GROUP = -1001234567890
COORDINATORS = {10001, 10002}
H = timedelta(hours=1)


def _with_followups(config: Config, **changes: timedelta) -> Config:
    return config.model_copy(update={"followups": config.followups.model_copy(update=changes)})


def _rows(uows: Uows, number: int, notice: str) -> list[Outbox]:
    with uows() as uow:
        return list(uow.session.exec(select(Outbox).where(
            Outbox.ticket_id == number, Outbox.notice == notice).order_by(Outbox.id)).all())


def _text(uows: Uows, config: Config, row: Outbox, now: datetime) -> str:
    with uows() as uow:
        outs = render_owed(uow.session, config, row, now)
    return "\n".join(o.text or "" for o in outs)


def _in_group(uows: Uows, config: Config, clock: ManualClock, building: str = "b1",
              urgent: bool = False) -> int:
    """A ticket nobody holds: its only volunteer passed it on, so it waits in the group."""
    add_volunteer(uows, clock.now(), VOL, name="李建国", buildings=[building])
    number = submit(uows, config, clock.now(), building=building, urgent=urgent).id or 0
    V.decline_ticket(deps_at(uows, config, clock.now()), number, VOL)
    assert reload(uows, number).status == S.SUBMITTED
    return number


# ---- 1. an offer nobody accepted ------------------------------------------------------------


def test_urgent_offer_lapses_to_the_group_sooner_than_an_ordinary_one(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    f = config.followups
    assert f.urgent_accept_timeout < f.accept_timeout
    assert f.urgent_claim_timeout < f.claim_timeout
    add_volunteer(uows, clock.now(), VOL, name="李建国", buildings=["b1"])
    number = submit(uows, config, clock.now(), urgent=True).id or 0
    assert reload(uows, number).status == S.ASSIGNED
    clock.advance(f.urgent_accept_timeout)
    assert sweep(deps) == {"accept_timeout": 1}
    lapsed = _rows(uows, number, "offer_lapsed")
    assert len(lapsed) == 1
    assert texts.SPAN_MINUTES.format(n=15) in _text(uows, config, lapsed[0], clock.now())
    # Nobody in the group claims it either: the ladder climbs at the urgent pace.
    clock.advance(f.urgent_claim_timeout)
    assert sweep(deps) == {"claim_timeout": 1}
    clock.advance(f.urgent_claim_timeout)
    assert sweep(deps) == {"claim_escalate": 1}
    assert (VOL, "overdue_volunteer") not in outbox(uows, number)


def test_overdue_offer_is_never_the_offerees_and_the_duban_names_nobody(
        uows: Uows, config: Config, clock: ManualClock) -> None:
    # The tester's set-up: the urgent offer waits as long as the urgent time limit (2 h).
    slow = _with_followups(config, urgent_accept_timeout=timedelta(hours=2))
    deps = Deps(slow, uows, clock)
    add_volunteer(uows, clock.now(), VOL, name="李建国", buildings=["b1"])
    number = submit(uows, slow, clock.now(), urgent=True).id or 0
    clock.advance(slow.classifier.urgent_time_limit)
    assert sweep(deps) == {"overdue": 1, "accept_timeout": 1}
    owed = outbox(uows, number)
    assert (VOL, "overdue_volunteer") not in owed  # he never took it
    assert (VOL, "offer_lapsed") in owed
    duban = _rows(uows, number, "overdue_office")
    assert {r.chat_id for r in duban} == COORDINATORS
    text = _text(uows, slow, duban[0], clock.now())
    assert "李建国" not in text and texts.HOLDER_NONE in text

    # Claimed from the group: its 办结时限 runs from now, not from the submission.
    add_volunteer(uows, clock.now(), VOL2, name="张伟", buildings=["b1"])
    clock.advance(H)
    V.claim_ticket(deps, number, VOL2)
    ticket = reload(uows, number)
    assert ticket.due_at == clock.now() + slow.classifier.urgent_time_limit
    assert ticket.overdue_at is None
    with uows() as uow:
        assert overdue_tickets(uow.session, "hx", clock.now()) == []


def test_claiming_a_long_waiting_ticket_starts_its_time_limit(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = _in_group(uows, config, clock)
    limit = time_limit(config, "repairs", False, "3号楼楼道灯坏了")
    clock.advance(limit + H)
    sweep(deps)
    assert reload(uows, number).overdue_at is not None
    add_volunteer(uows, clock.now(), VOL2, name="张伟", buildings=["b1"])
    V.claim_ticket(deps, number, VOL2)
    ticket = reload(uows, number)
    assert (ticket.due_at, ticket.overdue_at) == (clock.now() + limit, None)
    before = len(outbox(uows, number))
    clock.advance(limit - H)
    sweep(deps)
    assert "overdue_volunteer" not in [n for _, n in outbox(uows, number)[before:]]
    clock.advance(2 * H)
    assert sweep(deps)["overdue"] == 1
    assert (VOL2, "overdue_volunteer") in outbox(uows, number)[before:]


# ---- 2. reopened tickets ----------------------------------------------------------------------


def _closed_after_work(uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> int:
    add_volunteer(uows, clock.now(), VOL, name="李建国", buildings=["b1"])
    number = submit(uows, config, clock.now()).id or 0
    V.accept_ticket(deps, number, VOL)
    clock.advance(timedelta(days=8))  # late: 督办 once
    sweep(deps)
    assert reload(uows, number).overdue_at is not None
    V.resolve_ticket(deps, number, VOL, "灯换好了")
    T.confirm_resolution(deps, number, RESIDENT)
    return number


@pytest.mark.parametrize("how", ["revisit", "office", "close_reopen"])
def test_a_reopen_starts_a_new_time_limit(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps, how: str) -> None:
    if how == "close_reopen":  # /close while overdue, then /reopen a week later
        add_volunteer(uows, clock.now(), VOL, name="李建国", buildings=["b1"])
        number = submit(uows, config, clock.now()).id or 0
        V.accept_ticket(deps, number, VOL)
        clock.advance(timedelta(days=8))
        sweep(deps)
        O.close_ticket(deps, number, COORDINATOR, "duplicate")
        clock.advance(timedelta(days=7))
        O.reopen_ticket(deps, number, COORDINATOR)
    else:
        number = _closed_after_work(uows, config, clock, deps)
    if how == "close_reopen":
        pass
    elif how == "revisit":
        clock.advance(config.followups.revisit_after)
        assert sweep(deps) == {"revisit": 1}
        answer_revisit(deps, number, RESIDENT, fixed=False)
    else:
        clock.advance(timedelta(days=7))
        O.reopen_ticket(deps, number, COORDINATOR)
    ticket = reload(uows, number)
    limit = time_limit(config, "repairs", False, ticket.text)
    assert ticket.status == S.REOPENED
    assert (ticket.due_at, ticket.overdue_at) == (clock.now() + limit, None)
    before = len(outbox(uows, number))
    assert "overdue" not in sweep(deps)
    with uows() as uow:
        assert overdue_tickets(uow.session, "hx", clock.now()) == []
    assert not {n for _, n in outbox(uows, number)[before:]} & {
        "overdue_office", "overdue_volunteer"}


# ---- 3. 催办 timing ------------------------------------------------------------------------


def test_chase_says_the_wait_as_of_when_it_is_sent(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    clock.set(datetime(2026, 11, 2, 9, 30, tzinfo=UTC))  # 17:30 in Shanghai
    number = _in_group(uows, config, clock, "b1")
    clock.advance(config.followups.claim_timeout)  # 01:30: 催办 the 网格长, held till 07:30
    assert sweep(deps) == {"claim_timeout": 1}
    leader = _rows(uows, number, "chase_leader")
    assert [r.chat_id for r in leader] == [GRID_LEADER_G1]
    # Sent at 08:30: it says how long the matter has waited by then, as the digest does.
    sent_at = datetime(2026, 11, 3, 0, 30, tzinfo=UTC)
    text = _text(uows, config, leader[0], sent_at)
    assert texts.SPAN_HOURS.format(n=15) in text, text


def test_chases_piled_up_in_quiet_hours_collapse_into_the_latest(
        uows: Uows, config: Config, clock: ManualClock) -> None:
    # The office's rung falls due while the 网格长's is still held by quiet hours: one 催办,
    # the latest, goes out in the morning (here the 网格长 is a coordinator too).
    short = _with_followups(config, claim_timeout=timedelta(hours=3))
    deps = Deps(short, uows, clock)
    clock.set(datetime(2026, 11, 2, 12, 30, tzinfo=UTC))  # 20:30 in Shanghai
    number = _in_group(uows, short, clock, "b1")
    clock.advance(timedelta(hours=3))  # 23:30: quiet
    assert sweep(deps) == {"claim_timeout": 1}
    clock.advance(timedelta(hours=3))  # 02:30: quiet
    assert sweep(deps) == {"claim_escalate": 1}
    with uows() as uow:
        pending = list(uow.session.exec(select(Outbox).where(
            Outbox.ticket_id == number, Outbox.status == "pending",
            Outbox.notice.in_(("chase_leader", "chase_office")))).all())  # type: ignore[attr-defined]
    # The 网格长's stale ask is superseded: the office has it now.
    assert sorted((r.chat_id, r.notice) for r in pending) == sorted(
        (c, "chase_office") for c in COORDINATORS)
    morning = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)  # 07:30
    assert texts.SPAN_HOURS.format(n=11) in _text(uows, short, pending[0], morning)


# ---- 4. the resident of a matter nobody takes -----------------------------------------------


def test_resident_hears_once_when_nobody_took_the_matter_in_time(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = _in_group(uows, config, clock)
    limit = time_limit(config, "repairs", False, "3号楼楼道灯坏了")
    clock.advance(limit - H)
    sweep(deps)
    assert (RESIDENT, "overdue_resident") not in outbox(uows, number)
    clock.advance(2 * H)
    assert sweep(deps)["overdue"] == 1
    owed = outbox(uows, number)
    assert owed.count((RESIDENT, "overdue_resident")) == 1
    assert {c for c, n in owed if n == "overdue_office"} == COORDINATORS
    note = _rows(uows, number, "overdue_resident")[0]
    text = _text(uows, config, note, clock.now())
    assert str(number) in text
    clock.advance(timedelta(days=8))
    sweep(deps)
    assert outbox(uows, number).count((RESIDENT, "overdue_resident")) == 1


def test_a_held_matter_past_its_limit_does_not_trouble_the_resident(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    add_volunteer(uows, clock.now(), VOL, name="李建国", buildings=["b1"])
    number = submit(uows, config, clock.now()).id or 0
    V.accept_ticket(deps, number, VOL)
    clock.advance(timedelta(days=8))
    sweep(deps)
    assert (VOL, "overdue_volunteer") in outbox(uows, number)
    assert (RESIDENT, "overdue_resident") not in outbox(uows, number)
