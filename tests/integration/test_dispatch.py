"""The outbox Dispatcher against the stand-in Bot API over real HTTP, on SQLite and PostgreSQL.

Each test queues Outbox rows directly and drives a Dispatcher (no Application around it): either
one pass at a time with `send_due()` (deterministic) or `run_forever()` while waiting for what
the stand-in server records. Nothing waits a fixed time: every wait is for an observable event.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete
from sqlmodel import col, select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.app.clock import ManualClock
from bot.config import Config
from bot.localapi import LocalBotApi
from scheduler import dispatch
from scheduler.dispatch import LEASE, SENDER_LEASE, Dispatcher
from scheduler.pacing import Limits
from storage.db import make_engine, uow_factory
from storage.models import Outbox, Resident
from tests.factories import RESIDENT, Uows, submit
from tests.waiting import WAIT, until, until_sync

pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")

FAST = Limits(per_second=10_000, group_interval=0.0, private_interval=0.0, retry_base=0.02)
COORDINATORS = (10001, 10002)


@pytest.fixture
def api() -> Iterator[LocalBotApi]:
    with LocalBotApi() as server:
        yield server


@pytest.fixture
def ticket(uows: Uows, config: Config, clock: ManualClock) -> int:
    """A ticket to render notices about, with nothing of its own left in the outbox."""
    number = submit(uows, config, clock.now()).id or 0
    with uows() as uow:
        uow.session.exec(delete(Outbox))
        uow.commit()
    return number


def queue(uows: Uows, clock: ManualClock, ticket: int, rows: list[tuple[int, str]],
          notice: str = "progress", **fields: Any) -> list[int]:
    """One Outbox row per (chat, note), committed together; their ids in order."""
    with uows() as uow:
        made = [Outbox(chat_id=chat, notice=notice, ticket_id=ticket, payload={"note": note},
                       created_at=clock.now(), not_before=clock.now(), **fields)
                for chat, note in rows]
        uow.session.add_all(made)
        uow.commit()
        return [row.id or 0 for row in made]


def stored(uows: Uows) -> list[Outbox]:
    with uows() as uow:
        return list(uow.session.exec(select(Outbox).order_by(col(Outbox.id))).all())


def notes_to(api: LocalBotApi, chat: int) -> list[str]:
    """What each progress notice to `chat` said after "有新进展：", in the order it arrived."""
    return [text.split("有新进展：", 1)[-1] for text in api.sent_to(chat)]


@asynccontextmanager
async def dispatcher(api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock,
                     limits: Limits = FAST, token: str = "123456:TEST-TOKEN",
                     poll_interval: float = 0.0) -> AsyncIterator[Dispatcher]:
    # A pool as large as the Application's: workers of different chats send concurrently.
    request = HTTPXRequest(connection_pool_size=64)
    async with Bot(token, base_url=f"{api.url}/bot", request=request) as bot:
        yield Dispatcher(bot, uows, config, clock, limits, poll_interval=poll_interval)


class Replica(threading.Thread):
    """A stand-in for a second process: its own thread, event loop, engine and Bot token, so
    its database statements really overlap with the other replica's."""

    def __init__(self, api: LocalBotApi, url: str, config: Config, clock: ManualClock,
                 token: str, limits: Limits) -> None:
        super().__init__(name=f"replica-{token}", daemon=True)
        self.api, self.url, self.config, self.clock = api, url, config, clock
        self.token, self.limits = token, limits
        self.ready = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # surfaced by stop(): a thread's error must fail the test
            self.failure = exc
            self.ready.set()

    async def _main(self) -> None:
        engine = make_engine(self.url)
        try:
            async with Bot(self.token, base_url=f"{self.api.url}/bot",
                           request=HTTPXRequest(connection_pool_size=64)) as bot:
                self.dispatcher = Dispatcher(bot, uow_factory(engine), self.config, self.clock,
                                             self.limits, poll_interval=0.01)
                self.loop = asyncio.get_running_loop()
                self.ready.set()
                await self.dispatcher.run_forever()
        finally:
            engine.dispose()

    def stop(self) -> None:
        self.ready.wait(WAIT)
        if self.failure is None:
            self.loop.call_soon_threadsafe(self.dispatcher.stop)
        self.join(WAIT)
        assert not self.is_alive(), "the dispatcher did not stop"
        if self.failure is not None:
            raise self.failure


def test_two_dispatchers_on_one_database_send_every_row_exactly_once(
        api: LocalBotApi, engine: Engine, uows: Uows, config: Config, clock: ManualClock,
        ticket: int) -> None:
    chats = range(5000, 5020)
    ids = queue(uows, clock, ticket, [(chat, f"{chat}-{i}") for i in range(10) for chat in chats])
    url = engine.url.render_as_string(hide_password=False)
    # A short rest per chat, so both replicas keep competing for each chat's next row.
    limits = Limits(per_second=10_000, private_interval=0.02, retry_base=0.02)
    replicas = [Replica(api, url, config, clock, token, limits) for token in ("111:A", "222:B")]
    for replica in replicas:
        replica.start()
    try:
        # Every row marked sent: nothing is left that either replica could still send.
        until_sync(lambda: {row.status for row in stored(uows)} == {"sent"})
    finally:
        for replica in replicas:
            replica.stop()
    for chat in chats:  # each row once, and in id order although two processes served the chat
        assert notes_to(api, chat) == [f"{chat}-{i}" for i in range(10)]
    assert len(api.calls("sendMessage")) == len(ids)
    assert {row.status for row in stored(uows)} == {"sent"}
    # One sender per database: the other replica stood by, so the two never paced to twice
    # Telegram's limit. (The row-lease race below covers replicas that do overlap.)
    assert len({c.token for c in api.calls("sendMessage")}) == 1


def test_a_standby_replica_takes_over_when_the_sender_stops(
        api: LocalBotApi, engine: Engine, uows: Uows, config: Config, clock: ManualClock,
        ticket: int) -> None:
    url = engine.url.render_as_string(hide_password=False)
    first = Replica(api, url, config, clock, "111:A", FAST)
    first.start()
    queue(uows, clock, ticket, [(5100, "before")])
    api.wait_for_sync("sendMessage")
    second = Replica(api, url, config, clock, "222:B", FAST)
    second.start()
    try:
        first.stop()  # a clean stop hands the sender lease over at once
        queue(uows, clock, ticket, [(5101, "after")])
        api.wait_for_sync("sendMessage", count=2)
    finally:
        second.stop()
    assert [c.token.split(":")[0] for c in api.calls("sendMessage")] == ["111", "222"]


async def test_a_sender_that_lost_its_lease_during_a_pass_sends_no_further_row(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock, ticket: int) -> None:
    async with dispatcher(api, uows, config, clock) as sender:
        sender._needs_sender_lease = True  # as under run_forever()
        assert sender._hold_sender_lease()  # the pass starts as the sender...
        clock.advance(SENDER_LEASE + timedelta(seconds=1))  # ...and stands still past its lease
        standby = Dispatcher(sender.bot, uows, config, clock)
        assert standby._hold_sender_lease()  # a replica has taken over meanwhile
        queue(uows, clock, ticket, [(7701, "late")])
        assert await sender.send_due()  # left for the replica that sends now
    assert api.calls("sendMessage") == []
    assert [(r.status, r.lease_until) for r in stored(uows)] == [("pending", None)]


@pytest.mark.parametrize("round_", range(3))
def test_racing_leases_on_one_row_have_exactly_one_winner(
        uows: Uows, config: Config, clock: ManualClock, ticket: int, round_: int) -> None:
    [row_id] = queue(uows, clock, ticket, [(7601, "contended")])
    with uows() as uow:
        row = uow.session.get(Outbox, row_id)
        assert row is not None
    replicas = [Dispatcher(Bot("1:A"), uows, config, clock) for _ in range(8)]
    start = threading.Barrier(len(replicas))

    def lease(replica: Dispatcher) -> bool:
        start.wait()  # every thread at once, each on its own connection
        return replica._lease(row)

    with ThreadPoolExecutor(len(replicas)) as pool:
        won = list(pool.map(lease, replicas))
    assert won.count(True) == 1


async def test_a_refused_row_is_failed_and_the_chat_goes_on_in_order(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock, ticket: int) -> None:
    first, second, third = queue(uows, clock, ticket, [(7001, "a"), (7001, "b"), (7001, "c")])
    [broken] = queue(uows, clock, ticket, [(7002, "x")], notice="no_such_notice")
    [after_broken] = queue(uows, clock, ticket, [(7002, "y")])
    api.fail_next("sendMessage", status=400, chat_id=7001)  # the first send there: `first`
    async with dispatcher(api, uows, config, clock) as sender:
        assert not await sender.send_due()
    assert notes_to(api, 7001) == ["b", "c"]
    assert notes_to(api, 7002) == ["y"]
    status = {row.id: (row.status, row.attempts) for row in stored(uows)}
    assert status[first] == ("failed", 1)
    assert status[second] == status[third] == status[after_broken] == ("sent", 1)
    assert status[broken] == ("failed", 1)


async def test_5xx_and_dropped_connections_retry_without_losing_or_repeating(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock, ticket: int) -> None:
    queue(uows, clock, ticket, [(7101, "one"), (7101, "two"), (7102, "other")])
    api.fail_next("sendMessage", status=500, count=2)
    api.fail_next("sendMessage", status=502, count=1)
    api.drop_next("sendMessage", count=2)
    async with dispatcher(api, uows, config, clock, poll_interval=0.01) as sender:
        task = asyncio.create_task(sender.run_forever())
        try:
            await api.wait_for("sendMessage", count=3)
        finally:
            sender.stop()
            await task
    assert notes_to(api, 7101) == ["one", "two"]  # "two" waited for "one" through its retries
    assert notes_to(api, 7102) == ["other"]
    failed = [c for c in api.calls("sendMessage") if not c.ok]
    assert sorted(c.status for c in failed) == [0, 0, 500, 500, 502]
    rows = stored(uows)
    assert {row.status for row in rows} == {"sent"}
    assert sum(row.attempts for row in rows) == 3 + len(failed)


async def test_connection_refused_then_the_server_returns(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock, ticket: int) -> None:
    [row_id] = queue(uows, clock, ticket, [(7201, "while down")])
    async with dispatcher(api, uows, config, clock, poll_interval=0.01) as sender:
        await asyncio.to_thread(api.stop)  # nothing listens on the port: connection refused
        task = asyncio.create_task(sender.run_forever())
        try:
            def tried() -> bool:
                row = next(r for r in stored(uows) if r.id == row_id)
                return row.attempts >= 2 and row.status == "pending"
            await until(tried)
            api.start()  # the same port again
            await api.wait_for("sendMessage")
            await until(lambda: stored(uows)[0].status == "sent")
        finally:
            sender.stop()
            await task
    assert notes_to(api, 7201) == ["while down"]
    assert len(api.calls("sendMessage")) == 1  # refused calls never reached the server


async def test_blocked_person_is_marked_unreachable_and_coordinators_are_told(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock, ticket: int) -> None:
    blocked, later = queue(uows, clock, ticket, [(RESIDENT, "a"), (RESIDENT, "b")])
    api.fail_next("sendMessage", status=403)
    async with dispatcher(api, uows, config, clock) as sender:
        await sender.send_due()  # the 403; the coordinators' notices are queued
        await sender.send_due()  # ...and sent
    rows = {row.id: row for row in stored(uows)}
    assert rows[blocked].status == rows[later].status == "unreachable"
    assert len(api.calls("sendMessage")) == 3  # "b" was not tried: it would only earn a 403
    for coordinator in COORDINATORS:
        [told] = api.sent_to(coordinator)
        assert f"#{ticket}" in told and "屏蔽了机器人" in told
    with uows() as uow:
        resident = uow.session.exec(
            select(Resident).where(Resident.tg_id == RESIDENT)).one()
        assert resident.unreachable


async def test_a_row_held_by_a_dead_process_goes_out_once_its_lease_ends(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock, ticket: int) -> None:
    # The dead process leased "first" and never marked it; "second" must still wait behind it.
    first, _second = queue(uows, clock, ticket, [(7301, "first"), (7301, "second")])
    with uows() as uow:
        row = uow.session.get(Outbox, first)
        assert row is not None
        row.lease_until = clock.now() + LEASE
        uow.session.add(row)
        uow.commit()
    async with dispatcher(api, uows, config, clock) as sender:
        await sender.send_due()
        assert api.calls("sendMessage") == []  # neither the leased row nor the one behind it
        clock.advance(LEASE + timedelta(seconds=1))
        await sender.send_due()
    assert notes_to(api, 7301) == ["first", "second"]


async def test_a_multi_part_notice_resumes_after_the_part_that_failed(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock) -> None:
    photos = tuple(f"p{i}" for i in range(12))  # more than one album holds
    number = submit(uows, config, clock.now(), photo_file_ids=photos,
                    location=(31.2, 121.4)).id or 0
    with uows() as uow:
        uow.session.exec(delete(Outbox))
        uow.commit()
    [row_id] = queue(uows, clock, number, [(7401, "")], notice="details")
    api.fail_next("sendLocation", status=500)  # after the text and both albums went
    async with dispatcher(api, uows, config, clock, poll_interval=0.01) as sender:
        task = asyncio.create_task(sender.run_forever())
        try:
            await api.wait_for("sendLocation")
            await until(lambda: stored(uows)[0].status == "sent")
        finally:
            sender.stop()
            await task
    assert len(api.calls("sendMessage")) == 1  # the details text was not repeated
    albums = [len(c.params["media"]) for c in api.calls("sendMediaGroup")]
    assert albums == [10, 2]
    assert [c.status for c in api.calls("sendLocation")] == [500, 200]
    [row] = stored(uows)
    assert (row.id, row.status, row.attempts) == (row_id, "sent", 2)


async def test_a_row_sent_in_many_parts_stays_leased_while_it_goes(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Leases are short (a replica takes over within 15 s of a crash); a row whose parts take
    longer than that to send is renewed on the way, so nobody else starts it meanwhile."""
    photos = tuple(f"p{i}" for i in range(12))
    number = submit(uows, config, clock.now(), photo_file_ids=photos,
                    location=(31.2, 121.4)).id or 0
    with uows() as uow:
        uow.session.exec(delete(Outbox))
        uow.commit()
    [row_id] = queue(uows, clock, number, [(7451, "")], notice="details")
    held_until: list[Any] = []
    send = dispatch.send_part

    async def slow_part(bot: Any, chat_id: int, out: Any) -> Any:
        clock.advance(LEASE / 2)  # each part takes half a lease on the bot's clock
        sent = await send(bot, chat_id, out)
        with uows() as uow:
            row = uow.session.get(Outbox, row_id)
            assert row is not None
            held_until.append((clock.now(), row.lease_until))
        return sent

    monkeypatch.setattr(dispatch, "send_part", slow_part)
    async with dispatcher(api, uows, config, clock) as sender:
        await sender.send_due()
    assert len(held_until) == 4  # the text, two albums, the location
    assert all(until_ is not None and until_ > now for now, until_ in held_until)
    assert stored(uows)[0].status == "sent"


async def test_a_refused_later_part_does_not_stop_the_rest(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock) -> None:
    number = submit(uows, config, clock.now(), photo_file_ids=("gone-1", "gone-2"),
                    location=(31.2, 121.4)).id or 0
    with uows() as uow:
        uow.session.exec(delete(Outbox))
        uow.commit()
    queue(uows, clock, number, [(7451, "")], notice="details")
    api.fail_next("sendMediaGroup", status=400, description="Bad Request: wrong file identifier")
    async with dispatcher(api, uows, config, clock) as sender:
        await sender.send_due()
    assert [c.status for c in api.calls("sendMediaGroup")] == [400]
    assert len(api.calls("sendMessage")) == len(api.calls("sendLocation")) == 1
    [row] = stored(uows)
    assert row.status == "sent" and "wrong file identifier" in (row.last_error or "").lower()


async def test_flood_control_pauses_every_chat_and_stop_does_not_sit_it_out(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock, ticket: int) -> None:
    queue(uows, clock, ticket, [(7501, "a")])
    pause = 10 * WAIT  # far longer than any wait of this test may take
    api.fail_next("sendMessage", status=429, retry_after=int(pause))
    async with dispatcher(api, uows, config, clock) as sender:
        assert await sender.send_due()  # the 429: "a" is back in the queue
        queue(uows, clock, ticket, [(7502, "b")])  # another chat: the pause is for everybody
        waits: list[float] = []
        sleep = sender._sleep

        async def noted_sleep(seconds: float) -> None:
            waits.append(seconds)
            await sleep(seconds)

        sender._sleep = noted_sleep  # type: ignore[method-assign]
        task = asyncio.create_task(sender.send_due())
        # "b" is sitting out the pause: its worker went to sleep for (nearly) all of it.
        await until(lambda: any(w > pause - WAIT for w in waits), why=lambda: waits)
        assert [c.status for c in api.calls("sendMessage")] == [429]
        sender.stop()
        await asyncio.wait_for(task, timeout=WAIT)  # woken at once, not after the pause
    rows = stored(uows)
    assert [(r.status, r.lease_until, r.attempts) for r in rows] == [
        ("pending", None, 1), ("pending", None, 0)]  # nothing is left held by a stopped process


async def test_a_group_the_bot_was_removed_from_is_reported_to_the_coordinators(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock, ticket: int) -> None:
    group = config.communities[0].volunteer_chat_id
    assert group is not None
    [post] = queue(uows, clock, ticket, [(group, "")], notice="group_post")
    api.fail_next("sendMessage", status=403, description="Forbidden: bot was kicked")
    async with dispatcher(api, uows, config, clock) as sender:
        await sender.send_due()  # the 403; the coordinators' notices are queued
        await sender.send_due()  # ...and sent
    assert {row.id: row for row in stored(uows)}[post].status == "unreachable"
    for coordinator in COORDINATORS:
        [told] = api.sent_to(coordinator)
        assert f"/assign {ticket}" in told and "志愿者群" in told


async def test_a_grid_leader_who_never_started_the_bot_is_reported_to_the_coordinators(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock, ticket: int) -> None:
    leader = config.communities[0].grids[0].leader_id
    assert leader is not None
    [chase] = queue(uows, clock, ticket, [(leader, "")], notice="chase_leader")
    api.fail_next("sendMessage", status=403,
                  description="Forbidden: bot can't initiate conversation with a user")
    async with dispatcher(api, uows, config, clock) as sender:
        await sender.send_due()  # the 403; the coordinators' notices are queued
        await sender.send_due()  # ...and sent
    assert {row.id: row for row in stored(uows)}[chase].status == "unreachable"
    for coordinator in COORDINATORS:
        [told] = api.sent_to(coordinator)
        assert "网格长" in told and f"/assign {ticket}" in told
