"""The inbox's storage (storage/inbox.py), on SQLite and PostgreSQL: a batch stored once, an
update marked done by the commit of its effects and only then, old ids forgotten."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from storage.db import UnitOfWork
from storage.inbox import (
    AlreadyHandled,
    Stored,
    claim_undone,
    handling,
    hold_longer,
    purge_done,
    store_batch,
)
from storage.models import InboxUpdate, Resident

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def _stored(update_id: int, user_id: int = 901) -> Stored:
    return Stored(update_id, user_id, user_id,
                  {"update_id": update_id, "message": {"text": "楼道灯坏了"}})


def _rows(uows: Callable[[], UnitOfWork]) -> dict[int, InboxUpdate]:
    with uows() as uow:
        return {r.update_id: r for r in uow.session.exec(select(InboxUpdate)).all()}


def test_a_batch_is_stored_once_and_only_new_updates_come_back(
        uows: Callable[[], UnitOfWork]) -> None:
    with uows() as uow:
        assert store_batch(uow.session, [_stored(1), _stored(2)], NOW) == [1, 2]
        uow.commit()
    with uows() as uow:  # Telegram sends 2 again with 3: only 3 is new
        assert store_batch(uow.session, [_stored(2), _stored(3)], NOW) == [3]
        uow.commit()
    assert sorted(_rows(uows)) == [1, 2, 3]


def test_the_commit_of_an_updates_effects_marks_it_done_and_a_rollback_does_not(
        uows: Callable[[], UnitOfWork]) -> None:
    with uows() as uow:
        store_batch(uow.session, [_stored(1), _stored(2)], NOW)
        uow.commit()
    with handling(1, lambda: NOW) as mark:
        with uows() as uow:  # the effects, rolled back: the update stays to be handled
            uow.session.add(Resident(tg_id=901, name="张", created_at=NOW))
        assert mark is not None and not mark.done
        with uows() as uow:
            uow.session.add(Resident(tg_id=901, name="张", created_at=NOW))
            uow.commit()
        assert mark.done
    rows = _rows(uows)
    assert rows[1].done_at is not None and rows[1].payload is None
    assert rows[2].done_at is None and rows[2].payload is not None
    with uows() as uow:
        assert uow.session.exec(select(InboxUpdate.update_id).where(
            col(InboxUpdate.done_at).is_(None))).all() == [2]
        assert len(uow.session.exec(select(Resident)).all()) == 1


def test_updates_handled_without_a_commit_are_marked_with_the_next_batch(
        uows: Callable[[], UnitOfWork]) -> None:
    with uows() as uow:
        store_batch(uow.session, [_stored(1), _stored(2)], NOW)
        uow.commit()
    with uows() as uow:
        assert store_batch(uow.session, [_stored(3)], NOW, [(1, False), (2, True)]) == [3]
        uow.commit()
    rows = _rows(uows)
    assert rows[1].done_at is not None and not rows[1].failed
    assert rows[2].done_at is not None and rows[2].failed
    assert rows[3].done_at is None


def test_done_updates_are_forgotten_after_a_while_and_undone_ones_never(
        uows: Callable[[], UnitOfWork]) -> None:
    with uows() as uow:
        store_batch(uow.session, [_stored(1), _stored(2)], NOW)
        store_batch(uow.session, (), NOW, [(1, False)])
        uow.commit()
    with uows() as uow:
        assert purge_done(uow.session, NOW + timedelta(days=3)) == 1
        uow.commit()
    assert sorted(_rows(uows)) == [2]


def test_two_recoveries_at_once_never_take_the_same_update(
        uows: Callable[[], UnitOfWork]) -> None:
    with uows() as uow:
        store_batch(uow.session, [_stored(1), _stored(2), _stored(3)], NOW)
        store_batch(uow.session, (), NOW, [(2, False)])
        uow.commit()
    later = NOW + timedelta(minutes=6)
    hold = later + timedelta(minutes=10)
    with uows() as uow:  # too fresh: a live replica may still be handling them
        assert claim_undone(uow.session, later, hold, NOW - timedelta(seconds=1)) == []
        uow.commit()
    with uows() as uow:
        taken = claim_undone(uow.session, later, hold, later - timedelta(minutes=5))
        uow.commit()
    assert [uid for uid, _ in taken] == [1, 3] and all(payload for _, payload in taken)
    with uows() as uow:  # a second replica, at the same moment: nothing left for it
        assert claim_undone(uow.session, later, hold, later - timedelta(minutes=5)) == []
        uow.commit()
    with uows() as uow:  # the first one died too: once its hold runs out, they are taken again
        again = claim_undone(uow.session, hold + timedelta(seconds=1), hold + timedelta(hours=1),
                             later)
        uow.commit()
    assert [uid for uid, _ in again] == [1, 3]


def test_a_second_handling_of_a_done_update_commits_nothing(
        uows: Callable[[], UnitOfWork]) -> None:
    with uows() as uow:
        store_batch(uow.session, [_stored(1)], NOW)
        uow.commit()
    with handling(1, lambda: NOW), uows() as uow:
        uow.session.add(Resident(tg_id=901, name="张", created_at=NOW))
        uow.commit()
    # The same update handled again (another process recovered it meanwhile): its effects are
    # rolled back, not committed twice.
    with handling(1, lambda: NOW), pytest.raises(AlreadyHandled), uows() as uow:
        uow.session.add(Resident(tg_id=902, name="李", created_at=NOW))
        uow.commit()
    with uows() as uow:
        assert [r.tg_id for r in uow.session.exec(select(Resident)).all()] == [901]


def test_one_process_recovers_what_its_own_killed_run_held(
        uows: Callable[[], UnitOfWork]) -> None:
    with uows() as uow:
        store_batch(uow.session, [_stored(1)], NOW)
        uow.commit()
    with uows() as uow:  # a run recovered it, then was killed before handling it
        assert [uid for uid, _ in claim_undone(uow.session, NOW, NOW + timedelta(minutes=10),
                                              NOW)] == [1]
        uow.commit()
    with uows() as uow:  # replicas leave it to its holder; a lone poller takes it back at once
        assert claim_undone(uow.session, NOW, NOW + timedelta(minutes=10), NOW) == []
        assert [uid for uid, _ in claim_undone(uow.session, NOW, NOW + timedelta(minutes=10),
                                              NOW, respect_claims=False)] == [1]


def test_a_replica_s_claim_keeps_its_updates_while_renewed_and_frees_them_once_it_stops(
        uows: Callable[[], UnitOfWork]) -> None:
    """A webhook replica claims what it stores and renews the claim while it handles it; once
    it stops renewing (it died), another replica takes the update over at the claim's end, not
    minutes later (however fresh the update)."""
    hold = timedelta(seconds=15)
    with uows() as uow:
        store_batch(uow.session, [_stored(1), _stored(2)], NOW, held_until=NOW + hold)
        store_batch(uow.session, (), NOW, [(2, False)])
        uow.commit()
    later = NOW + timedelta(seconds=10)
    with uows() as uow:  # still claimed: another replica leaves it alone, old or not
        assert claim_undone(uow.session, later, later + hold, later) == []
        assert hold_longer(uow.session, [1, 2], later + hold) == [1]  # 2 is done: let go
        uow.commit()
    with uows() as uow:  # renewed: still its owner's past the first claim's end
        assert claim_undone(uow.session, NOW + hold + timedelta(seconds=1), later, later) == []
        uow.commit()
    gone = later + hold + timedelta(seconds=1)  # the renewals stopped: the claim ran out
    with uows() as uow:
        taken = claim_undone(uow.session, gone, gone + hold, gone - timedelta(minutes=5))
        uow.commit()
    assert [uid for uid, _ in taken] == [1]
    assert _rows(uows)[1].claimed_until is not None
