"""Floods and blocks: the submission limit per window, /block and /unblock with their audit
events and role checks, and the block list kept as keyed hashes (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.app.clock import ManualClock
from bot.config import Community, Config
from bot.domain.errors import DomainError
from bot.services import abuse as A
from bot.services.deps import Deps
from bot.services.intake import Incoming, receive_message
from storage.models import Block, Secret, TicketEvent
from tests.factories import (
    COORDINATOR,
    OTHER_RESIDENT,
    RESIDENT,
    Uows,
    add_volunteer,
    deps_at,
    submit,
)

VOL = 500
ELSEWHERE_COORDINATOR = 20001


@pytest.fixture
def key(uows: Uows, config: Config, clock: ManualClock) -> bytes:
    return A.BlockKey(config, uows).get(clock.now())


@pytest.fixture
def two_communities(config: Config) -> Config:
    """The shipped config plus a second community with its own coordinator."""
    other = Community(code="ly2", name="临园社区", coordinators=(ELSEWHERE_COORDINATOR,))
    return config.model_copy(update={"communities": (*config.communities, other)})


def block_events(uows: Uows, number: int) -> list[tuple[str, int | None]]:
    with uows() as uow:
        rows = uow.session.exec(select(TicketEvent).where(
            TicketEvent.ticket_id == number,
            col(TicketEvent.action).in_(("block", "unblock")))
            .order_by(col(TicketEvent.id))).all()
        return [(e.action, e.actor_tg_id) for e in rows]


def test_the_sixth_submission_within_the_window_waits_and_then_goes_through(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    limit, window = config.abuse.max_submissions, config.abuse.window
    assert (limit, window) == (5, timedelta(minutes=10))  # the documented defaults
    first = clock.now()
    for n in range(limit):
        assert A.check_submission(deps, RESIDENT, 0) is None
        submit(uows, config, clock.now(), text=f"{n + 1}号楼楼道灯坏了")
        clock.advance(timedelta(minutes=1))
    until = A.check_submission(deps, RESIDENT, 0)
    assert until == first + window
    # Someone else is not held back by this resident's flood.
    assert A.check_submission(deps, OTHER_RESIDENT, 0) is None
    clock.set(first + window)
    assert A.check_submission(deps, RESIDENT, 0) is None


def test_an_urgent_matter_is_never_held_back(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    for n in range(config.abuse.max_submissions):
        submit(uows, config, clock.now(), text=f"{n + 1}号楼楼道灯坏了")
    urgent = receive_message(deps, Incoming(
        user_id=RESIDENT, user_name="王阿姨", source_key="m:gas", text="楼道里有很浓的煤气味"))
    assert urgent.draft.urgent
    plain = receive_message(deps, Incoming(
        user_id=RESIDENT, user_name="王阿姨", source_key="m:lamp", text="5号楼路灯不亮"))
    assert A.check_submission(deps, RESIDENT, plain.draft.id or 0)
    assert A.check_submission(deps, RESIDENT, urgent.draft.id or 0) is None


def test_a_flood_of_texts_stops_making_new_previews(
        config: Config, clock: ManualClock, deps: Deps) -> None:
    cap = A.PREVIEWS_PER_SUBMISSION * config.abuse.max_submissions
    for n in range(cap):
        gate = A.gate_message(deps, RESIDENT)
        assert gate == A.Gate()
        receive_message(deps, Incoming(
            user_id=RESIDENT, user_name="王阿姨", source_key=f"m:{n}", text=f"第{n}条：灯坏了"))
    assert A.gate_message(deps, RESIDENT).previews_full
    got = receive_message(deps, Incoming(
        user_id=RESIDENT, user_name="王阿姨", source_key="m:more", text="还有一件事"),
        join_open=True)
    assert got.how == "added" and "还有一件事" in got.draft.text  # kept, in the newest draft
    clock.advance(config.abuse.window)
    assert A.gate_message(deps, RESIDENT) == A.Gate()


def test_a_coordinator_blocks_and_unblocks_the_resident_behind_a_ticket(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = submit(uows, config, clock.now()).id or 0
    other = submit(uows, config, clock.now(), reporter=OTHER_RESIDENT).id or 0
    assert A.block_resident(deps, number, COORDINATOR)
    assert A.gate_message(deps, RESIDENT).blocked
    assert not A.gate_message(deps, OTHER_RESIDENT).blocked
    with pytest.raises(DomainError) as refused:
        A.check_submission(deps, RESIDENT, 0)
    assert refused.value.code == "blocked"
    # Blocking again changes nothing and logs nothing more.
    assert not A.block_resident(deps, number, COORDINATOR)
    assert block_events(uows, number) == [("block", COORDINATOR)]

    assert A.unblock_resident(deps, number, COORDINATOR)
    assert not A.gate_message(deps, RESIDENT).blocked
    assert not A.unblock_resident(deps, number, COORDINATOR)
    assert block_events(uows, number) == [("block", COORDINATOR), ("unblock", COORDINATOR)]
    assert block_events(uows, other) == []


@pytest.mark.parametrize("who", ["volunteer", "resident", "elsewhere"])
def test_only_the_tickets_own_coordinators_may_block(
        uows: Uows, two_communities: Config, clock: ManualClock, who: str) -> None:
    config = two_communities
    add_volunteer(uows, clock.now(), VOL)
    number = submit(uows, config, clock.now()).id or 0
    actor = {"volunteer": VOL, "resident": OTHER_RESIDENT, "elsewhere": ELSEWHERE_COORDINATOR}
    for act in (A.block_resident, A.unblock_resident):
        with pytest.raises(DomainError) as refused:
            act(deps_at(uows, config, clock.now()), number, actor[who])
        assert refused.value.code == "not_coordinator"
    assert not A.gate_message(deps_at(uows, config, clock.now()), RESIDENT).blocked
    assert block_events(uows, number) == []


def test_the_block_list_holds_no_telegram_id(
        uows: Uows, config: Config, clock: ManualClock, key: bytes, deps: Deps) -> None:
    number = submit(uows, config, clock.now()).id or 0
    A.block_resident(deps, number, COORDINATOR)
    with uows() as uow:
        rows: list[Any] = list(uow.session.exec(select(Block)).all())
    assert len(rows) == 1
    # The hash is checked to be the HMAC below; a hex digest may contain "900" by chance, so
    # only the other columns are searched for the ids.
    values = [str(v) for row in rows for k, v in row.model_dump().items() if k != "key_hash"]
    assert not any(str(RESIDENT) in v or str(COORDINATOR) in v for v in values), values
    assert rows[0].key_hash == A.resident_hash(key, RESIDENT) != A.resident_hash(key, 901)
    assert len(rows[0].key_hash) == 64  # hex SHA-256


def test_the_key_comes_from_the_environment_or_is_made_once(
        uows: Uows, config: Config, clock: ManualClock) -> None:
    made = A.BlockKey(config, uows).get(clock.now())
    assert A.BlockKey(config, uows).get(clock.now()) == made  # a second process: the same
    with uows() as uow:
        [stored] = uow.session.exec(select(Secret)).all()
        assert bytes.fromhex(stored.value) == made
    with uows() as uow:  # two processes making the key at once: the later gives way
        assert A.insert_or_read_key(uow.session, "ff" * 32, clock.now()) == stored.value
    from_env = config.model_copy(update={"block_key": "a key from BOT_BLOCK_KEY"})
    env_key = A.BlockKey(from_env, uows).get(clock.now())
    assert env_key == b"a key from BOT_BLOCK_KEY" != made
    assert A.resident_hash(env_key, RESIDENT) != A.resident_hash(made, RESIDENT)


def test_a_ticket_without_a_known_resident_cannot_be_blocked(deps: Deps) -> None:
    with pytest.raises(DomainError) as refused:
        A.block_resident(deps, 4242, COORDINATOR)
    assert refused.value.code == "ticket_not_found"
