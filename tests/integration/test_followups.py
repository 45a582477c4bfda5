"""Follow-ups until closure, driven by a manual clock through the real sweep (both databases)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.app.clock import ManualClock
from bot.config import Config
from bot.domain.errors import DomainError
from bot.domain.states import TicketStatus as S
from bot.services import office as O
from bot.services import residents as T
from bot.services import volunteers as V
from bot.services.deps import Deps
from bot.services.followups import answer_revisit, sweep
from storage.models import Outbox
from tests.factories import (
    COORDINATOR,
    GRID_LEADER_G1,
    RESIDENT,
    Uows,
    add_volunteer,
    deps_at,
    events,
    outbox,
    reload,
    submit,
)

VOL = 500
VOL2 = 501
GROUP = -1001234567890
COORDINATORS = {10001, 10002}
H = timedelta(hours=1)


def notices(uows: Uows, number: int, since: int = 0) -> list[tuple[int, str]]:
    return outbox(uows, number)[since:]


def routed(uows: Uows, config: Config, clock: ManualClock, building: str = "b1") -> int:
    add_volunteer(uows, clock.now(), VOL, name="李明", buildings=[building])
    number = submit(uows, config, clock.now(), building=building).id or 0
    assert reload(uows, number).status == S.ASSIGNED
    return number


def claimed(uows: Uows, config: Config, clock: ManualClock) -> int:
    number = routed(uows, config, clock)
    V.accept_ticket(deps_at(uows, config, clock.now()), number, VOL)
    return number


def in_group(uows: Uows, config: Config, clock: ManualClock, building: str) -> int:
    """A ticket nobody holds: its only volunteer passed it on, so it waits in the group."""
    number = routed(uows, config, clock, building)
    V.decline_ticket(deps_at(uows, config, clock.now()), number, VOL)
    ticket = reload(uows, number)
    assert (ticket.status, ticket.assignee_id, ticket.offered_in_group) == (
        S.SUBMITTED, None, True)
    return number


# ---- 接单 timeout → open claim ------------------------------------------------------------


def test_unaccepted_offer_goes_to_the_group_after_accept_timeout(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = routed(uows, config, clock)
    before = len(outbox(uows, number))
    clock.advance(config.followups.accept_timeout - timedelta(minutes=1))
    assert not sweep(deps)
    assert reload(uows, number).status == S.ASSIGNED

    clock.advance(timedelta(minutes=1))
    assert sweep(deps) == {"accept_timeout": 1}
    ticket = reload(uows, number)
    assert (ticket.status, ticket.assignee_id, ticket.offered_in_group) == (
        S.SUBMITTED, None, True)
    assert notices(uows, number, before) == [(GROUP, "group_post"), (VOL, "offer_lapsed")]
    assert events(uows, number)[-1] == ("accept_timeout", S.ASSIGNED, S.SUBMITTED)
    # The lapsed volunteer's old 接单 button no longer works.
    with pytest.raises(DomainError):
        V.accept_ticket(deps, number, VOL)


# ---- 催办 ladder ------------------------------------------------------------------------------


def test_unclaimed_ticket_climbs_the_ladder_grid_leader_then_coordinators_once_each(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = in_group(uows, config, clock, "b1")  # grid g1 has a 网格长
    before = len(outbox(uows, number))
    clock.advance(config.followups.claim_timeout)
    assert sweep(deps) == {"claim_timeout": 1}
    assert notices(uows, number, before) == [(GRID_LEADER_G1, "chase_leader")]
    assert reload(uows, number).escalation_level == 1

    clock.advance(config.followups.claim_timeout)
    assert sweep(deps) == {"claim_escalate": 1}
    chased = notices(uows, number, before + 1)
    assert {chat for chat, _ in chased} == COORDINATORS
    assert {notice for _, notice in chased} == {"chase_office"}

    clock.advance(timedelta(days=3))  # nothing more: from here the digest lists it daily
    done = sweep(deps)
    assert "claim_timeout" not in done and "claim_escalate" not in done
    assert [e[0] for e in events(uows, number)].count("claim_escalate") == 1


def test_without_a_grid_leader_the_coordinators_are_chased_directly(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = in_group(uows, config, clock, "az1")  # grid g3 has no leader
    before = len(outbox(uows, number))
    clock.advance(config.followups.claim_timeout)
    assert sweep(deps) == {"claim_timeout": 1}
    assert {c for c, _ in notices(uows, number, before)} == COORDINATORS
    assert reload(uows, number).escalation_level == 2
    assert events(uows, number)[-1][0] == "claim_escalate"
    clock.advance(config.followups.claim_timeout)
    assert not sweep(deps)


def test_a_claim_resets_the_ladder_and_a_release_starts_it_again(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = in_group(uows, config, clock, "b1")
    clock.advance(config.followups.claim_timeout)
    sweep(deps)
    add_volunteer(uows, clock.now(), VOL2, name="王芳")
    V.claim_ticket(deps, number, VOL2)
    V.release_ticket(deps, number, VOL2)
    ticket = reload(uows, number)
    # Both volunteers passed, so it is back in the group: a fresh wait from the bottom rung.
    assert (ticket.assignee_id, ticket.escalation_level) == (None, 0)
    assert ticket.next_action == "claim_timeout"
    assert ticket.next_action_at == clock.now() + config.followups.claim_timeout


# ---- progress reminder, 督办 --------------------------------------------------------------


def test_claimed_without_progress_reminds_the_volunteer_once_per_silence(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = claimed(uows, config, clock)
    before = len(outbox(uows, number))
    clock.advance(config.followups.progress_reminder)
    assert sweep(deps) == {"progress_reminder": 1}
    assert notices(uows, number, before) == [(VOL, "progress_reminder")]
    clock.advance(config.followups.progress_reminder)
    assert not sweep(deps)  # once, not every day

    V.add_progress(deps, number, VOL, "已联系物业")
    clock.advance(config.followups.progress_reminder)
    assert sweep(deps) == {"progress_reminder": 1}


def test_past_the_time_limit_the_coordinators_get_one_overdue_notice(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = claimed(uows, config, clock)
    limit = config.categories["repairs"].time_limit
    for _ in range(int(limit / config.followups.progress_reminder) + 1):
        clock.advance(config.followups.progress_reminder - H)
        V.add_progress(deps, number, VOL, "还在等配件")
        sweep(deps)
    ticket = reload(uows, number)
    assert ticket.overdue_at is not None and ticket.overdue_at >= ticket.due_at  # type: ignore
    overdue = [(c, n) for c, n in outbox(uows, number) if n.startswith("overdue")]
    assert sorted(overdue) == sorted([(c, "overdue_office") for c in COORDINATORS]
                                     + [(VOL, "overdue_volunteer")])
    clock.advance(timedelta(days=5))
    V.add_progress(deps, number, VOL, "快了")
    sweep(deps)
    assert len([n for _, n in outbox(uows, number) if n == "overdue_office"]) == 2


def test_an_unclaimed_urgent_ticket_is_overdue_after_two_hours_even_at_night(
        uows: Uows, config: Config) -> None:
    night = ManualClock(datetime(2026, 11, 2, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai
    number = submit(uows, config, night.now(), text="电梯里困了人", urgent=True).id or 0
    night.advance(config.classifier.urgent_time_limit)
    assert sweep(deps_at(uows, config, night.now()))["overdue"] == 1
    with uows() as uow:
        rows = uow.session.exec(select(Outbox).where(
            Outbox.ticket_id == number, Outbox.notice == "overdue_office")).all()
    assert {r.chat_id for r in rows} == COORDINATORS
    assert all(r.not_before == night.now() for r in rows)  # urgent: does not wait for morning


# ---- resolved: reminder, auto-close, 回头看 --------------------------------------------------


def resolved(uows: Uows, config: Config, clock: ManualClock) -> int:
    number = claimed(uows, config, clock)
    V.resolve_ticket(deps_at(uows, config, clock.now()), number, VOL, "换了灯泡")
    return number


def test_silent_resident_is_reminded_then_the_ticket_closes_resolved_unrated(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = resolved(uows, config, clock)
    before = len(outbox(uows, number))
    clock.advance(config.followups.confirm_reminder)
    assert sweep(deps) == {"confirm_reminder": 1}
    assert notices(uows, number, before) == [(RESIDENT, "confirm_reminder")]
    clock.advance(config.followups.auto_close - config.followups.confirm_reminder - H)
    assert not sweep(deps)
    clock.advance(H)
    assert sweep(deps) == {"auto_close": 1}
    ticket = reload(uows, number)
    assert (ticket.status, ticket.close_reason, ticket.rating) == (S.CLOSED, None, None)
    assert notices(uows, number, before + 1) == [(RESIDENT, "auto_closed"),
                                                 (VOL, "auto_closed_volunteer")]
    # The resident can still say it is not fixed.
    T.reject_resolution(deps, number, RESIDENT, "灯又不亮了")
    assert reload(uows, number).status == S.REOPENED


def test_confirm_reminder_at_night_waits_for_morning(uows: Uows, config: Config) -> None:
    evening = ManualClock(datetime(2026, 11, 2, 14, 30, tzinfo=UTC))  # 22:30 in Shanghai
    add_volunteer(uows, evening.now(), VOL, buildings=["b1"])
    number = submit(uows, config, evening.now()).id or 0
    V.accept_ticket(deps_at(uows, config, evening.now()), number, VOL)
    V.resolve_ticket(deps_at(uows, config, evening.now()), number, VOL, "修好了")
    evening.advance(config.followups.confirm_reminder)
    sweep(deps_at(uows, config, evening.now()))
    with uows() as uow:
        [row] = uow.session.exec(select(Outbox).where(
            Outbox.ticket_id == number, Outbox.notice == "confirm_reminder")).all()
    assert row.not_before == datetime(2026, 11, 3, 23, 30, tzinfo=UTC)  # 07:30 local


def test_revisit_asks_once_and_still_fixed_changes_nothing(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = resolved(uows, config, clock)
    T.confirm_resolution(deps, number, RESIDENT)
    before = len(outbox(uows, number))
    clock.advance(config.followups.revisit_after - H)
    assert not sweep(deps)
    clock.advance(H)
    assert sweep(deps) == {"revisit": 1}
    assert notices(uows, number, before) == [(RESIDENT, "revisit")]
    clock.advance(timedelta(days=30))
    assert not sweep(deps)

    answer_revisit(deps, number, RESIDENT, fixed=True)
    assert reload(uows, number).status == S.CLOSED
    with pytest.raises(DomainError) as refused:
        answer_revisit(deps, number, RESIDENT, fixed=False)
    assert refused.value.code == "revisit_answered"


def test_revisit_not_fixed_reopens_to_the_same_volunteer(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = resolved(uows, config, clock)
    T.confirm_resolution(deps, number, RESIDENT)
    clock.advance(config.followups.revisit_after)
    sweep(deps)
    before = len(outbox(uows, number))
    with pytest.raises(DomainError):  # only the reporter may answer
        answer_revisit(deps, number, COORDINATOR, fixed=False)
    answer_revisit(deps, number, RESIDENT, fixed=False)
    ticket = reload(uows, number)
    assert ticket.status == S.REOPENED and ticket.assignee_id is not None
    assert notices(uows, number, before) == [(VOL, "reopened")]
    assert events(uows, number)[-1] == ("revisit_reopen", S.CLOSED, S.REOPENED)


def test_closures_that_were_not_resolved_get_no_revisit(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = routed(uows, config, clock)
    O.close_ticket(deps, number, COORDINATOR, "duplicate")
    clock.advance(config.followups.revisit_after + H)
    assert not sweep(deps)


# ---- exactly once ------------------------------------------------------------------------------


def test_a_second_sweep_at_the_same_moment_does_nothing(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    numbers = [claimed(uows, config, clock)]
    numbers.append(submit(uows, config, clock.now()).id or 0)
    clock.advance(timedelta(days=1))
    first = sweep(deps)
    assert sum(first.values()) >= 2
    assert not sweep(deps)


def test_two_sweepers_racing_act_on_each_due_ticket_once(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    for n in range(10):
        add_volunteer(uows, clock.now(), 600 + n, buildings=["b1"], max_open=5)
    numbers = [submit(uows, config, clock.now()).id or 0 for _ in range(30)]
    clock.advance(config.followups.accept_timeout)
    before = {n: len(outbox(uows, n)) for n in numbers}
    barrier = threading.Barrier(2)
    results: list[int] = []

    def run() -> None:
        barrier.wait()
        results.append(sum(sweep(deps).values()))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(results) == 30
    for n in numbers:
        assert [x for _, x in notices(uows, n, before[n])].count("offer_lapsed") == 1
        assert [e[0] for e in events(uows, n)].count("accept_timeout") == 1


def test_water_or_power_out_gets_the_24_hour_limit_not_its_category_s(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    add_volunteer(uows, clock.now(), VOL, buildings=["b1"])
    outage = submit(uows, config, clock.now(), text="3号楼从早上开始停水了").id or 0
    lamp = submit(uows, config, clock.now(), text="3号楼楼道灯坏了").id or 0
    assert reload(uows, outage).due_at == clock.now() + timedelta(hours=24)
    assert reload(uows, lamp).due_at == clock.now() + config.categories["repairs"].time_limit
    clock.advance(timedelta(hours=24))
    sweep(deps)
    assert reload(uows, outage).overdue_at is not None
    assert reload(uows, lamp).overdue_at is None


def test_a_revisit_answer_for_a_ticket_never_asked_is_refused(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = resolved(uows, config, clock)
    T.confirm_resolution(deps, number, RESIDENT)
    with pytest.raises(DomainError) as refused:
        answer_revisit(deps, number, RESIDENT, fixed=False)
    assert refused.value.code == "bad_state"
    assert reload(uows, number).status == S.CLOSED


def test_reopening_a_ticket_closed_while_only_offered_routes_it_afresh(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = routed(uows, config, clock)  # offered to VOL, never accepted
    O.close_ticket(deps, number, COORDINATOR, "duplicate")
    O.reopen_ticket(deps, number, COORDINATOR)
    ticket = reload(uows, number)
    # Routed again as a fresh offer (VOL must press 接单), not held by VOL as if claimed.
    assert (ticket.status, ticket.claimed_at) == (S.ASSIGNED, None)
    assert outbox(uows, number)[-2:] == [(VOL, "offer"), (RESIDENT, "reopened_by_office")]
