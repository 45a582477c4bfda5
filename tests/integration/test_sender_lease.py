"""One dispatcher per database sends at a time, so two replicas never pace to twice the limit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from telegram import Bot

from bot.app.clock import ManualClock
from bot.config import Config
from scheduler.dispatch import SENDER_LEASE, SENDER_RENEW, Dispatcher
from storage.models import SenderLease
from storage.outbox import release_sender_lease, take_sender_lease
from tests.factories import Uows
from tests.waiting import WAIT

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
    replicas = [f"r{i}" for i in range(6)]
    barrier = threading.Barrier(len(replicas))
    answers: dict[str, bool | Exception] = {}

    def start(name: str) -> None:
        barrier.wait(WAIT)
        try:
            answers[name] = take(uows, name, T0)
        except Exception as error:  # a replica that fails to start is a failure, not a loser
            answers[name] = error

    threads = [threading.Thread(target=start, args=(name,), name=name, daemon=True)
               for name in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    # Every replica came back from the lease (none hangs on it), each with a yes or a no.
    assert [t.name for t in threads if t.is_alive()] == []
    assert {name: answer for name, answer in answers.items()
            if not isinstance(answer, bool)} == {}
    winners = [name for name in replicas if answers[name] is True]
    assert len(winners) == 1
    # The database agrees: the winner renews, every other replica still waits.
    assert take(uows, winners[0], T0)
    assert [name for name in replicas if name != winners[0] and take(uows, name, T0)] == []


# ---- the sender renews at most every SENDER_RENEW, and is still alone -----------------------


def lease_until(uows: Uows) -> datetime:
    with uows() as uow:
        lease = uow.session.get(SenderLease, 1)
        assert lease is not None
        return lease.until


def test_the_sender_renews_its_lease_at_most_every_5_s(uows: Uows, config: Config) -> None:
    clock = ManualClock(T0)
    sender = Dispatcher(Bot("1:A"), uows, config, clock)
    standby = Dispatcher(Bot("2:B"), uows, config, clock)
    # A replica takes over within 15 s of a crash; a row starts with 10 s of lease at least.
    assert timedelta(seconds=15) >= SENDER_LEASE and SENDER_RENEW <= SENDER_LEASE / 3
    assert sender._hold_sender_lease()
    assert lease_until(uows) == T0 + SENDER_LEASE
    clock.advance(SENDER_RENEW - timedelta(seconds=1))
    assert sender._hold_sender_lease()  # passes go on without writing the lease row...
    assert lease_until(uows) == T0 + SENDER_LEASE
    assert not standby._hold_sender_lease()  # ...which still runs: nobody else may send
    clock.advance(timedelta(seconds=1))
    assert sender._hold_sender_lease()  # renewed now: good for another SENDER_LEASE
    assert lease_until(uows) == clock.now() + SENDER_LEASE
    assert not standby._hold_sender_lease()


def test_a_sender_that_stalled_past_its_lease_asks_again_and_stands_by(
        uows: Uows, config: Config) -> None:
    clock = ManualClock(T0)
    sender = Dispatcher(Bot("1:A"), uows, config, clock)
    standby = Dispatcher(Bot("2:B"), uows, config, clock)
    assert sender._hold_sender_lease()
    clock.advance(SENDER_LEASE + timedelta(seconds=1))  # the sender stood still meanwhile
    assert standby._hold_sender_lease()
    assert not sender._hold_sender_lease()  # its own last renewal is not trusted that long
    clock.advance(SENDER_RENEW / 2)
    assert standby._hold_sender_lease() and not sender._hold_sender_lease()


def test_a_stopping_sender_hands_over_at_once_though_it_renewed_just_now(
        uows: Uows, config: Config) -> None:
    clock = ManualClock(T0)
    sender = Dispatcher(Bot("1:A"), uows, config, clock)
    standby = Dispatcher(Bot("2:B"), uows, config, clock)
    assert sender._hold_sender_lease()
    sender._release_sender_lease()
    assert standby._hold_sender_lease()
    assert not sender._hold_sender_lease()  # a restart of the old one waits its turn
