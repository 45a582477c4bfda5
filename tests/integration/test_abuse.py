"""Floods and blocks: the submission limit per window, /block and /unblock with their audit
events and role checks, and the block list kept as keyed hashes (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.app.clock import ManualClock
from bot.classify import Classifier
from bot.config import Community, Config
from bot.domain.errors import DomainError
from bot.services import abuse as A
from bot.services.deps import Deps, Unchanging
from bot.services.intake import Incoming, confirm_draft
from bot.services.messages import Taken, take_message
from storage.models import Block, Draft, Secret, TicketEvent
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


@pytest.fixture(scope="module")
def classifier(config: Config) -> Classifier:
    return Classifier(config)


@pytest.fixture
def deps(uows: Uows, config: Config, clock: ManualClock, classifier: Classifier) -> Deps:
    return Deps(config, uows, clock, classifiers=Unchanging(config, classifier))


@pytest.fixture
def key(uows: Uows, config: Config, clock: ManualClock) -> bytes:
    return A.BlockKey(config, uows).get(clock.now())


@pytest.fixture
def two_communities(config: Config) -> Config:
    """The shipped config plus a second community with its own coordinator."""
    other = Community(code="ly2", name="临园社区", coordinators=(ELSEWHERE_COORDINATOR,))
    return config.model_copy(update={"communities": (*config.communities, other)})


def text(deps: Deps, user: int, key: str, words: str) -> Taken:
    """A resident's plain text, as the handler takes it (it may answer a waiting question)."""
    return take_message(deps, Incoming(user_id=user, user_name="王阿姨", source_key=key,
                                       text=words), may_answer=True)


def drafted(deps: Deps, user: int, key: str, words: str) -> int:
    """The draft a resident's text became (its preview carries 确认提交)."""
    taken = text(deps, user, key, words)
    assert taken.received is not None and taken.received.how == "new", taken
    return taken.received.draft.id or 0


def drafts_of(uows: Uows, user: int) -> int:
    with uows() as uow:
        return len(uow.session.exec(select(Draft).where(Draft.user_id == user)).all())


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
        draft = drafted(deps, RESIDENT, f"m:{n}", f"{n + 1}号楼楼道灯坏了")
        done = confirm_draft(deps, draft, RESIDENT, building="b1")
        assert done.until is None and done.ticket is not None
        clock.advance(timedelta(minutes=1))
    sixth = drafted(deps, RESIDENT, "m:sixth", "6号楼楼道灯坏了")
    held = confirm_draft(deps, sixth, RESIDENT, building="b2")
    assert held.ticket is None and held.until == first + window
    with uows() as uow:  # the draft stays open, with the building picked on the way
        kept = uow.session.get(Draft, sixth)
        assert kept is not None and (kept.status, kept.building) == ("open", "b2")
    # Someone else is not held back by this resident's flood.
    theirs = drafted(deps, OTHER_RESIDENT, "m:other", "3号楼楼道灯坏了")
    assert confirm_draft(deps, theirs, OTHER_RESIDENT, building="b1").ticket is not None
    clock.set(first + window)
    done = confirm_draft(deps, sixth, RESIDENT)  # pressed again later: it goes through
    assert done.until is None and done.ticket is not None and done.ticket.building == "b2"


def test_an_urgent_matter_is_never_held_back(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    for n in range(config.abuse.max_submissions):
        submit(uows, config, clock.now(), text=f"{n + 1}号楼楼道灯坏了")
    plain = drafted(deps, RESIDENT, "m:lamp", "5号楼路灯不亮")
    assert confirm_draft(deps, plain, RESIDENT, building="b1").until is not None
    urgent = drafted(deps, RESIDENT, "m:gas", "楼道里有很浓的煤气味")
    done = confirm_draft(deps, urgent, RESIDENT, building="b1")
    assert done.until is None and done.ticket is not None and done.ticket.urgent


def test_a_flood_of_texts_stops_making_new_previews(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    cap = A.preview_cap(config)
    assert cap == 4 * config.abuse.max_submissions
    drafts = []
    for n in range(cap):
        taken = text(deps, RESIDENT, f"m:{n}", f"第{n}条：灯坏了")
        assert not taken.flood and taken.received is not None
        assert taken.received.how == "new"
        # The last preview before the cap is remembered: the flood's texts edit it in place.
        assert taken.remember_preview is (n == cap - 1)
        drafts.append(taken.received.draft.id)
    got = text(deps, RESIDENT, "m:more", "还有一件事")
    assert got.flood and got.received is not None and not got.remember_preview
    # Kept, in the newest draft: no new preview.
    assert got.received.how == "added" and "还有一件事" in got.received.draft.text
    assert got.received.draft.id == drafts[-1] and drafts_of(uows, RESIDENT) == cap
    # Someone else is not held back by this resident's flood.
    theirs = text(deps, OTHER_RESIDENT, "m:other", "3号楼楼道灯坏了")
    assert not theirs.flood and theirs.received is not None and theirs.received.how == "new"
    clock.advance(config.abuse.window)
    after = text(deps, RESIDENT, "m:later", "5号楼门口垃圾堆了好几天")
    assert not after.flood and after.received is not None and after.received.how == "new"


def test_a_coordinator_blocks_and_unblocks_the_resident_behind_a_ticket(
        uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number = submit(uows, config, clock.now()).id or 0
    other = submit(uows, config, clock.now(), reporter=OTHER_RESIDENT).id or 0
    open_draft = drafted(deps, RESIDENT, "m:before", "5号楼门口垃圾堆了好几天")
    assert A.block_resident(deps, number, COORDINATOR)
    before = drafts_of(uows, RESIDENT)
    assert text(deps, RESIDENT, "m:blocked", "2号楼的下水道又堵了").blocked
    assert drafts_of(uows, RESIDENT) == before  # nothing stored
    assert not text(deps, OTHER_RESIDENT, "m:other", "2号楼的下水道又堵了").blocked
    with pytest.raises(DomainError) as refused:  # a draft made before the block
        confirm_draft(deps, open_draft, RESIDENT, building="b1")
    assert refused.value.code == "blocked"
    with pytest.raises(DomainError) as refused:
        A.refuse_blocked(deps, RESIDENT)
    assert refused.value.code == "blocked"
    # Blocking again changes nothing and logs nothing more.
    assert not A.block_resident(deps, number, COORDINATOR)
    assert block_events(uows, number) == [("block", COORDINATOR)]

    assert A.unblock_resident(deps, number, COORDINATOR)
    assert not text(deps, RESIDENT, "m:after", "2号楼的下水道又堵了").blocked
    assert confirm_draft(deps, open_draft, RESIDENT, building="b1").ticket is not None
    assert not A.unblock_resident(deps, number, COORDINATOR)
    assert block_events(uows, number) == [("block", COORDINATOR), ("unblock", COORDINATOR)]
    assert block_events(uows, other) == []


@pytest.mark.parametrize("who", ["volunteer", "resident", "elsewhere"])
def test_only_the_tickets_own_coordinators_may_block(
        uows: Uows, two_communities: Config, clock: ManualClock, classifier: Classifier,
        who: str) -> None:
    config = two_communities
    add_volunteer(uows, clock.now(), VOL)
    number = submit(uows, config, clock.now()).id or 0
    actor = {"volunteer": VOL, "resident": OTHER_RESIDENT, "elsewhere": ELSEWHERE_COORDINATOR}
    for act in (A.block_resident, A.unblock_resident):
        with pytest.raises(DomainError) as refused:
            act(deps_at(uows, config, clock.now()), number, actor[who])
        assert refused.value.code == "not_coordinator"
    assert not text(deps_at(uows, config, clock.now(), classifier), RESIDENT, "m:1",
                    "2号楼的下水道又堵了").blocked
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
