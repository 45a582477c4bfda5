"""Every legal and illegal transition of the 一领四单 lifecycle, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from bot.app.clock import ManualClock
from bot.config import Config
from bot.domain.errors import DomainError
from bot.domain.states import Action, Role
from bot.domain.states import TicketStatus as S
from bot.services import office as O
from bot.services import residents as T
from bot.services import volunteers as V
from bot.services.deps import Deps
from bot.texts.render import refusal
from tests.factories import (
    COORDINATOR,
    OTHER_RESIDENT,
    RESIDENT,
    Uows,
    add_volunteer,
    deps_at,
    events,
    outbox,
    reload,
    submit,
)

VOL = 500  # the volunteer every driven ticket ends up with
VOL2 = 501  # a second volunteer of the same community
STATES = (S.SUBMITTED, S.ASSIGNED, S.CLAIMED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED,
          S.REOPENED, S.CANCELLED, S.CLOSED_UNRESOLVED)


def drive(uows: Uows, cfg: Config, now: datetime, state: str) -> int:
    """A ticket brought to `state` through the real services, held by VOL where it is held."""
    number = submit(uows, cfg, now).id or 0
    assert reload(uows, number).status == S.ASSIGNED
    d = deps_at(uows, cfg, now)
    steps: dict[str, list[Callable[[], object]]] = {
        S.ASSIGNED: [],
        S.SUBMITTED: [lambda: V.decline_ticket(d, number, VOL)],
        S.CANCELLED: [lambda: T.cancel_ticket(d, number, RESIDENT)],
        S.CLAIMED: [lambda: V.accept_ticket(d, number, VOL)],
    }
    held = steps[S.CLAIMED]
    steps[S.IN_PROGRESS] = [*held, lambda: V.add_progress(d, number, VOL, "已联系")]
    steps[S.RESOLVED] = [*held, lambda: V.resolve_ticket(d, number, VOL, "修好了")]
    steps[S.CLOSED] = [*steps[S.RESOLVED], lambda: T.confirm_resolution(d, number, RESIDENT)]
    steps[S.REOPENED] = [*steps[S.RESOLVED],
                         lambda: T.reject_resolution(d, number, RESIDENT, "还是黑")]
    steps[S.CLOSED_UNRESOLVED] = [lambda: O.close_ticket(d, number, COORDINATOR, "duplicate")]
    for step in steps[state]:
        step()
    assert reload(uows, number).status == state
    return number


# action name -> (call, states where it is legal, status afterwards)
ACTIONS: dict[str, tuple[Callable[[Deps, int], object], set[str], str]] = {
    "accept": (lambda d, t: V.accept_ticket(d, t, VOL), {S.ASSIGNED}, S.CLAIMED),
    "decline": (lambda d, t: V.decline_ticket(d, t, VOL), {S.ASSIGNED}, S.SUBMITTED),
    "release": (lambda d, t: V.release_ticket(d, t, VOL),
                {S.CLAIMED, S.IN_PROGRESS, S.REOPENED}, S.SUBMITTED),
    "progress": (lambda d, t: V.add_progress(d, t, VOL, "在办"),
                 {S.CLAIMED, S.IN_PROGRESS, S.REOPENED}, S.IN_PROGRESS),
    "resolve": (lambda d, t: V.resolve_ticket(d, t, VOL, "办好了"),
                {S.CLAIMED, S.IN_PROGRESS, S.REOPENED}, S.RESOLVED),
    "confirm": (lambda d, t: T.confirm_resolution(d, t, RESIDENT),
                {S.RESOLVED}, S.CLOSED),
    "reject": (lambda d, t: T.reject_resolution(d, t, RESIDENT, "没修好"),
               {S.RESOLVED, S.CLOSED}, S.REOPENED),
    "rate": (lambda d, t: T.rate_ticket(d, t, RESIDENT, 5), {S.CLOSED}, S.CLOSED),
    "cancel": (lambda d, t: T.cancel_ticket(d, t, RESIDENT),
               {S.SUBMITTED, S.ASSIGNED}, S.CANCELLED),
    "assign": (lambda d, t: O.assign_ticket(d, t, COORDINATOR, VOL2),
               {S.SUBMITTED, S.ASSIGNED, S.CLAIMED, S.IN_PROGRESS, S.REOPENED}, S.ASSIGNED),
    "close": (lambda d, t: O.close_ticket(d, t, COORDINATOR, "unable"),
              {S.SUBMITTED, S.ASSIGNED, S.CLAIMED, S.IN_PROGRESS, S.REOPENED, S.RESOLVED},
              S.CLOSED_UNRESOLVED),
    "reopen": (lambda d, t: O.reopen_ticket(d, t, COORDINATOR, "回访发现没修好"),
               {S.RESOLVED, S.CLOSED, S.CLOSED_UNRESOLVED}, S.REOPENED),
}


@pytest.fixture
def two_volunteers(uows: Uows, clock: ManualClock) -> None:
    # VOL is paired with b1 so every new ticket goes to VOL first; VOL2 serves other categories
    # only, so a ticket VOL passes on goes to the group rather than to VOL2.
    add_volunteer(uows, clock.now(), VOL, "李明", categories=("repairs",), buildings=("b1",))
    add_volunteer(uows, clock.now(), VOL2, "王芳", categories=("elderly",))


@pytest.mark.usefixtures("two_volunteers")
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_action_from_each_state(uows: Uows, config: Config, clock: ManualClock,
                                     action: str, state: str, deps: Deps) -> None:
    number = drive(uows, config, clock.now(), state)
    call, legal_in, after = ACTIONS[action]
    before = reload(uows, number)
    logged = events(uows, number)
    if (action, state) == ("confirm", S.CLOSED):
        # 解决了 on a matter already closed as resolved (auto-closed): the right answer,
        # taken with thanks, recorded no second time.
        call(deps, number)
        assert reload(uows, number).version == before.version
        assert events(uows, number) == logged
    elif state in legal_in:
        call(deps, number)
        ticket = reload(uows, number)
        # decline/release hand the ticket on at once: with nobody else eligible, to the group
        if (action, state) == ("reopen", S.CLOSED_UNRESOLVED):
            # It was closed while only offered to VOL: reopening routes it afresh (an offer).
            after = S.ASSIGNED
        assert ticket.status == after
        assert len(events(uows, number)) > len(logged)
        assert ticket.version > before.version
    else:
        with pytest.raises(DomainError) as refused:
            call(deps, number)
        assert refused.value.code in {"bad_state", "not_assignee", "already_taken"}
        assert refusal(refused.value)  # a polite sentence, shown to the person as is
        after_refusal = reload(uows, number)
        assert after_refusal.status == state
        assert after_refusal.version == before.version
        assert events(uows, number) == logged


@pytest.mark.usefixtures("two_volunteers")
def test_full_loop_writes_one_event_per_step_and_tells_each_person(
        uows: Uows, config: Config, clock: ManualClock) -> None:
    now = clock.now()
    number = submit(uows, config, now).id or 0
    d = deps_at(uows, config, now)
    V.accept_ticket(d, number, VOL)
    V.add_progress(d, number, VOL, "已联系电工，明天上午来")
    V.resolve_ticket(d, number, VOL, "换了新灯泡")
    T.confirm_resolution(d, number, RESIDENT)
    T.rate_ticket(d, number, RESIDENT, 5, "谢谢小李")
    assert events(uows, number) == [
        ("submit", None, S.SUBMITTED),
        ("route", S.SUBMITTED, S.ASSIGNED),
        ("accept", S.ASSIGNED, S.CLAIMED),
        ("progress", S.CLAIMED, S.IN_PROGRESS),
        ("resolve", S.IN_PROGRESS, S.RESOLVED),
        ("confirm", S.RESOLVED, S.CLOSED),
        ("rate", S.CLOSED, S.CLOSED),
    ]
    assert outbox(uows, number) == [
        (VOL, "offer"), (RESIDENT, "claimed"), (VOL, "details"), (RESIDENT, "progress"),
        (RESIDENT, "resolved"), (VOL, "confirmed"), (VOL, "rated"),
    ]
    ticket = reload(uows, number)
    assert (ticket.rating, ticket.comment, ticket.resolution_note) == (5, "谢谢小李", "换了新灯泡")
    assert ticket.closed_at is not None and ticket.claimed_at is not None


@pytest.mark.usefixtures("two_volunteers")
def test_someone_elses_ticket_is_refused_for_residents(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = drive(uows, config, clock.now(), S.RESOLVED)
    for call in (T.confirm_resolution, T.cancel_ticket):
        with pytest.raises(DomainError) as refused:
            call(deps, number, OTHER_RESIDENT)
        assert refused.value.code == "not_reporter"
    with pytest.raises(DomainError, match="not_reporter"):
        T.reject_resolution(deps, number, OTHER_RESIDENT, "x")
    assert reload(uows, number).status == S.RESOLVED


@pytest.mark.usefixtures("two_volunteers")
def test_volunteer_actions_need_the_assignee(uows: Uows, config: Config,
                                             clock: ManualClock, deps: Deps) -> None:
    number = drive(uows, config, clock.now(), S.CLAIMED)
    for call in (V.release_ticket, V.accept_ticket, V.decline_ticket):
        with pytest.raises(DomainError) as refused:
            call(deps, number, VOL2)
        assert refused.value.code in {"not_assignee", "bad_state"}
    with pytest.raises(DomainError, match="not_assignee"):
        V.resolve_ticket(deps, number, VOL2, "我办好了")
    with pytest.raises(DomainError, match="not_assignee"):
        V.add_progress(deps, number, RESIDENT, "居民冒充")


@pytest.mark.usefixtures("two_volunteers")
def test_coordinator_actions_refuse_everyone_else(uows: Uows, config: Config,
                                                  clock: ManualClock, deps: Deps) -> None:
    number = drive(uows, config, clock.now(), S.CLAIMED)
    for actor in (RESIDENT, VOL, 10012):  # a resident, a volunteer, a grid leader
        with pytest.raises(DomainError, match="not_coordinator"):
            O.close_ticket(deps, number, actor, "unable")
        with pytest.raises(DomainError, match="not_coordinator"):
            O.assign_ticket(deps, number, actor, VOL2)
    assert reload(uows, number).status == S.CLAIMED


@pytest.mark.usefixtures("two_volunteers")
def test_bad_rating_and_reason_and_unknown_ticket(uows: Uows, config: Config,
                                                  clock: ManualClock, deps: Deps) -> None:
    number = drive(uows, config, clock.now(), S.CLOSED)
    for stars in (0, 6, -1):
        with pytest.raises(DomainError, match="bad_rating"):
            T.rate_ticket(deps, number, RESIDENT, stars)
    with pytest.raises(DomainError, match="bad_reason"):
        O.close_ticket(deps, number, COORDINATOR, "because")
    with pytest.raises(DomainError) as missing:
        V.claim_ticket(deps, 99999, VOL)
    assert missing.value.code == "ticket_not_found" and "99999" in refusal(missing.value)


def test_claim_from_the_group(uows: Uows, config: Config, clock: ManualClock) -> None:
    now = clock.now()
    add_volunteer(uows, now, VOL, "李明", categories=("elderly",))
    number = submit(uows, config, now).id or 0  # nobody serves repairs: open claim
    ticket = reload(uows, number)
    assert (ticket.status, ticket.offered_in_group, ticket.assignee_id) == (S.SUBMITTED, True, None)
    assert outbox(uows, number) == [(config.community("hx").volunteer_chat_id, "group_post")]
    # Any volunteer of the community may claim.
    V.claim_ticket(deps_at(uows, config, now), number, VOL)
    ticket = reload(uows, number)
    assert ticket.status == S.CLAIMED and ticket.claimed_at == now
    assert (RESIDENT, "claimed") in outbox(uows, number)
    assert (VOL, "details") in outbox(uows, number)


def test_claim_refusals(uows: Uows, config: Config, clock: ManualClock) -> None:
    now = clock.now()
    add_volunteer(uows, now, 600, "外社区", categories=("repairs",), community="other")
    add_volunteer(uows, now, 601, "停用", categories=("elderly",), active=False)
    add_volunteer(uows, now, 602, "满了", categories=("elderly",), max_open=1)
    add_volunteer(uows, now, 603, "小赵", categories=("elderly",))
    number = submit(uows, config, now).id or 0
    busy = submit(uows, config, now, text="想请人陪老人看病", category="elderly").id or 0
    d = deps_at(uows, config, now)
    # 602 and 603 both serve elderly; make 602 hold one task so it is full.
    O.assign_ticket(d, busy, COORDINATOR, 602)
    expected = {600: "wrong_community", 601: "volunteer_inactive", 602: "volunteer_full",
                RESIDENT: "not_volunteer"}
    for tg_id, code in expected.items():
        with pytest.raises(DomainError) as refused:
            V.claim_ticket(d, number, tg_id)
        assert refused.value.code == code
    V.claim_ticket(d, number, 603)
    with pytest.raises(DomainError) as late:
        V.claim_ticket(d, number, 603)
    assert late.value.code == "already_taken" and "小赵" in refusal(late.value)


def test_routing_prefers_the_paired_volunteer_and_records_it(uows: Uows, config: Config,
                                                             clock: ManualClock) -> None:
    now = clock.now()
    add_volunteer(uows, now, 700, "不包楼", categories=("repairs",))
    add_volunteer(uows, now, 701, "包3号楼", categories=("repairs",), buildings=("b3",))
    ticket = submit(uows, config, now, building="b3")
    assert reload(uows, ticket.id or 0).assignee_id is not None
    assert outbox(uows, ticket.id) == [(701, "offer")]
    # The next ticket from another building goes to whoever holds fewer tasks.
    other = submit(uows, config, now, building="b5")
    assert outbox(uows, other.id) == [(700, "offer")]


def test_decline_goes_to_the_next_volunteer_and_never_back(uows: Uows, config: Config,
                                                           clock: ManualClock) -> None:
    now = clock.now()
    add_volunteer(uows, now, 700, categories=("repairs",), buildings=("b1",))
    add_volunteer(uows, now, 701, categories=("repairs",))
    number = submit(uows, config, now).id or 0
    d = deps_at(uows, config, now)
    V.decline_ticket(d, number, 700)
    assert outbox(uows, number)[-1] == (701, "offer")
    V.decline_ticket(d, number, 701)
    ticket = reload(uows, number)
    assert ticket.status == S.SUBMITTED and ticket.offered_in_group
    assert outbox(uows, number)[-1][1] == "group_post"


def test_release_tells_the_resident_and_reroutes(uows: Uows, config: Config,
                                                 clock: ManualClock) -> None:
    now = clock.now()
    add_volunteer(uows, now, 700, categories=("repairs",), buildings=("b1",))
    add_volunteer(uows, now, 701, categories=("repairs",))
    number = submit(uows, config, now).id or 0
    d = deps_at(uows, config, now)
    V.accept_ticket(d, number, 700)
    V.release_ticket(d, number, 700)
    assert outbox(uows, number)[-2:] == [(RESIDENT, "released"), (701, "offer")]
    assert reload(uows, number).status == S.ASSIGNED


def test_unresolved_goes_back_to_the_same_volunteer_then_to_the_office(
        uows: Uows, config: Config, clock: ManualClock) -> None:
    now = clock.now()
    add_volunteer(uows, now, 700, categories=("repairs",), buildings=("b1",))
    number = submit(uows, config, now).id or 0
    d = deps_at(uows, config, now)
    V.accept_ticket(d, number, 700)
    V.resolve_ticket(d, number, 700, "修了")
    T.reject_resolution(d, number, RESIDENT, "灯还是不亮")
    ticket = reload(uows, number)
    assert (ticket.status, ticket.reopen_count, ticket.assignee_id is not None) == (
        S.REOPENED, 1, True)
    assert outbox(uows, number)[-1] == (700, "reopened")
    V.resolve_ticket(d, number, 700, "又修了一次")
    T.reject_resolution(d, number, RESIDENT, "还是不亮")
    ticket = reload(uows, number)
    assert (ticket.status, ticket.reopen_count, ticket.assignee_id) == (S.REOPENED, 2, None)
    coordinators = config.community("hx").coordinators
    assert [c for c, n in outbox(uows, number) if n == "reopened_escalated"] == list(coordinators)
    # The office assigns it again; the resolution counters restart from there.
    O.assign_ticket(d, number, COORDINATOR, 700)
    assert reload(uows, number).status == S.ASSIGNED


def test_urgent_alerts_every_coordinator_at_once_even_at_night(
        uows: Uows, config: Config, clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 2, 16, 0, tzinfo=clock.now().tzinfo))  # 00:00 in Shanghai
    number = submit(uows, config, clock.now(), text="楼道里好大煤气味", category="safety",
                    urgent=True).id or 0
    alerts = [c for c, n in outbox(uows, number) if n == "urgent_alert"]
    assert alerts == list(config.community("hx").coordinators)
    ticket = reload(uows, number)
    assert ticket.due_at == clock.now() + timedelta(hours=2)


def test_quiet_hours_hold_ordinary_notices_until_morning(
        uows: Uows, config: Config, clock: ManualClock) -> None:
    from sqlmodel import select

    from storage.models import Outbox

    clock.set(datetime(2026, 11, 2, 15, 0, tzinfo=clock.now().tzinfo))  # 23:00 in Shanghai
    add_volunteer(uows, clock.now(), 700, categories=("repairs",))
    submit(uows, config, clock.now())
    with uows() as uow:
        offer = uow.session.exec(select(Outbox)).one()
    # 07:30 Shanghai the next morning = 23:30 UTC the same day
    assert offer.not_before == datetime(2026, 11, 2, 23, 30, tzinfo=clock.now().tzinfo)


def test_other_and_voice_go_to_triage_and_then_route(uows: Uows, config: Config,
                                                     clock: ManualClock) -> None:
    now = clock.now()
    add_volunteer(uows, now, 700, categories=("greening",))
    vague = submit(uows, config, now, text="有个事想问问", category="other").id or 0
    voice = submit(uows, config, now, text="", category="repairs",
                   voice_file_id="voice-1").id or 0
    d = deps_at(uows, config, now)
    for number in (vague, voice):
        ticket = reload(uows, number)
        assert ticket.needs_triage and ticket.status == S.SUBMITTED
        assert [n for _, n in outbox(uows, number)] == ["triage", "triage"]
        with pytest.raises(DomainError):
            V.claim_ticket(d, number, 700)
    O.triage_ticket(d, vague, COORDINATOR, "greening")
    ticket = reload(uows, vague)
    assert (ticket.category, ticket.needs_triage, ticket.status) == ("greening", False, S.ASSIGNED)
    with pytest.raises(DomainError, match="not_coordinator"):
        O.triage_ticket(d, voice, RESIDENT, "repairs")


def test_no_group_configured_tells_the_coordinators(uows: Uows, config: Config,
                                                    clock: ManualClock) -> None:
    community = config.community("hx")
    assert community is not None
    no_group = config.model_copy(update={
        "communities": (community.model_copy(update={"volunteer_chat_id": None}),)})
    number = submit(uows, no_group, clock.now()).id or 0
    assert [n for _, n in outbox(uows, number)] == ["no_volunteer", "no_volunteer"]


def test_the_same_update_twice_makes_one_ticket(uows: Uows, config: Config,
                                                clock: ManualClock) -> None:
    first = submit(uows, config, clock.now(), source_key="tg:900:42")
    again = submit(uows, config, clock.now(), source_key="tg:900:42")
    assert first.id == again.id
    assert events(uows, first.id or 0)[0] == ("submit", None, S.SUBMITTED)
    assert len([e for e in events(uows, first.id or 0) if e[0] == "submit"]) == 1


@pytest.mark.usefixtures("two_volunteers")
def test_a_stale_write_changes_nothing_and_logs_nothing(uows: Uows, config: Config,
                                                        clock: ManualClock, deps: Deps) -> None:
    from bot.services.moves import move

    number = drive(uows, config, clock.now(), S.CLAIMED)
    with uows() as stale:
        ticket = stale.session.get(T.Ticket, number)
        assert ticket is not None
        V.add_progress(deps, number, VOL, "别人先改了")  # meanwhile
        logged = events(uows, number)
        with pytest.raises(DomainError, match="changed_meanwhile"):
            move(stale.session, config, clock.now(), ticket, action=Action.RESOLVE,
                 role=Role.VOLUNTEER, actor_tg_id=VOL)
    assert reload(uows, number).status == S.IN_PROGRESS
    assert events(uows, number) == logged
