"""One dispatcher per database sends at a time, so two replicas never pace to twice the limit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.app.clock import ManualClock
from storage.outbox import release_sender_lease, take_sender_lease
from tests.factories import Uows

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def take(uows: Uows, holder: str, now: datetime) -> bool:
    with uows() as uow:
        mine = take_sender_lease(uow.session, holder, now, now + LEASE)
        uow.commit()
        return mine


def test_the_holder_renews_and_the_other_waits_until_it_stops_renewing(uows: Uows) -> None:
    clock = ManualClock(T0)
    assert take(uows, "a", clock.now())
    assert not take(uows, "b", clock.now())
    clock.advance(LEASE / 2)
    assert take(uows, "a", clock.now())  # renewed: good for another LEASE from here
    clock.advance(LEASE - timedelta(seconds=1))
    assert not take(uows, "b", clock.now())
    clock.advance(timedelta(seconds=2))  # "a" died without renewing
    assert take(uows, "b", clock.now())
    assert not take(uows, "a", clock.now())  # a comeback waits its turn


def test_a_stopping_sender_hands_over_at_once(uows: Uows) -> None:
    assert take(uows, "a", T0)
    with uows() as uow:
        release_sender_lease(uow.session, "a", T0)
        uow.commit()
    assert take(uows, "b", T0)


def test_replicas_starting_together_get_one_sender(uows: Uows) -> None:
    barrier = threading.Barrier(6)
    won: list[str] = []

    def start(name: str) -> None:
        barrier.wait()
        if take(uows, name, T0):
            won.append(name)

    threads = [threading.Thread(target=start, args=(f"r{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(won) == 1
