"""Notifications are never lost: the whole Application against a stand-in Bot API that enforces
Telegram's limits (scaled down in time so the test is quick), fails some sends, and is restarted.

Rows are queued straight into the outbox, as every service does inside its transaction; the
Application's own dispatcher sends them. Waits are for observable events (calls the stand-in
server records, rows the database marks), never for a fixed time.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import delete
from sqlmodel import col, select
from telegram import Bot, InputMediaPhoto
from telegram.error import RetryAfter

from bot.app.clock import ManualClock
from bot.classify import Classifier
from bot.config import Config
from bot.localapi import LocalBotApi
from scheduler.dispatch import LEASE
from scheduler.pacing import Limits
from storage.db import create_schema, make_engine, uow_factory
from storage.models import Outbox
from tests.e2e.conftest import FAST, TOKEN, Harness, start_harness
from tests.factories import Uows, submit
from tests.waiting import until

pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")

# Telegram's kind of limits on a faster clock: 30 per 0.2 s over all chats (not per second),
# one per 0.1 s per person (not per second) with a burst of two more, five per 0.5 s per group
# (not twenty a minute).
def scaled_api() -> LocalBotApi:
    return LocalBotApi(enforce_limits=True, global_limit=30, global_window=0.2, group_limit=5,
                      group_window=0.5, private_limit=1, private_window=0.1, private_burst=2)


# The dispatcher paced to match, with no margin at all: it keeps the limits against the moment
# each answer came back, so no scheduling or network jitter can tip a window over.
SCALED = Limits(per_second=150, window=0.2, group_interval=0.1, private_interval=0.1,
                private_burst=2, margin=0.0, retry_base=0.05)
PHOTOS = ("ph-1", "ph-2", "ph-3", "ph-4")


def prepared_db(path: Path, config: Config, clock: ManualClock) -> tuple[int, int]:
    """A database with two tickets (one with an album) and an empty outbox, before any bot runs
    (so nothing the tickets owe gets sent behind the test's back)."""
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    uows = uow_factory(engine)
    plain = submit(uows, config, clock.now()).id or 0
    album = submit(uows, config, clock.now(), photo_file_ids=PHOTOS).id or 0
    with uows() as uow:
        uow.session.exec(delete(Outbox))
        uow.commit()
    engine.dispose()
    return plain, album


def queue(uows: Uows, clock: ManualClock, rows: list[tuple[int, str, int, str]],
          **fields: Any) -> list[int]:
    """Outbox rows (chat, notice, ticket, note) committed in one transaction; ids in order."""
    with uows() as uow:
        made = [Outbox(chat_id=chat, notice=notice, ticket_id=ticket, payload={"note": note},
                       created_at=clock.now(), not_before=clock.now(), **fields)
                for chat, notice, ticket, note in rows]
        uow.session.add_all(made)
        uow.commit()
        return [row.id or 0 for row in made]


def rows(uows: Uows) -> list[Outbox]:
    with uows() as uow:
        return list(uow.session.exec(select(Outbox).order_by(col(Outbox.id))).all())


def notes_to(api: LocalBotApi, chat: int) -> list[str]:
    return [text.split("有新进展：", 1)[-1] for text in api.sent_to(chat)
            if "有新进展：" in text]


async def harness(api: LocalBotApi, config: Config, classifier: Classifier, db: Path,
                  clock: ManualClock, limits: Limits) -> tuple[Harness, AsyncGenerator[Harness]]:
    # start_harness is an async generator (annotated as the iterator it is used as elsewhere).
    running = cast(AsyncGenerator[Harness], start_harness(api, config, classifier, db, clock,
                                                          limits))
    return await running.__anext__(), running


async def test_every_message_arrives_once_within_the_limits_despite_429_500_and_resets(
        config: Config, classifier: Classifier, tmp_path: Path, clock: ManualClock) -> None:
    plain, album = prepared_db(tmp_path / "bot.db", config, clock)
    private = list(range(6000, 6010))
    groups = [-100500, -100501]
    wanted = [(chat, "progress", plain, f"{chat}/{i}") for i in range(6)
              for chat in (*private, *groups)]
    details_to = [6100, 6101, 6102]  # text, then an album of four: four messages, not one
    wanted += [(chat, "details", album, "") for chat in details_to]
    with scaled_api() as api:
        h, running = await harness(api, config, classifier, tmp_path / "bot.db", clock, SCALED)
        try:
            api.fail_next("sendMessage", status=500, count=2)
            api.drop_next("sendMessage", count=1)
            api.fail_next("sendMediaGroup", status=502, count=1)
            queue(h.uows, clock, wanted)
            h.app.bot_data["dispatcher"].wake()
            await api.wait_for("sendMessage", count=30)
            api.fail_next("*", status=429, retry_after=1)  # flood control in mid-stream
            # Every row marked sent: nothing is left that could still go out (twice or not).
            await until(lambda: all(r.status == "sent" for r in rows(h.uows)),
                        why=lambda: f"limit violations: {api.limit_violations[:5]}")
        finally:
            await running.aclose()

    assert api.limit_violations == []  # the bot's own pace never tripped a limit
    statuses = [c.status for c in api.calls() if c.method.startswith("send") and not c.ok]
    assert sorted(statuses) == [0, 429, 500, 500, 502]  # only what was injected
    for chat in (*private, *groups):  # each once, in the order queued
        assert notes_to(api, chat) == [f"{chat}/{i}" for i in range(6)]
    for chat in details_to:
        [text] = [m for m in api.messages_to(chat) if "text" in m]
        assert f"#{album}" in text["text"]
        assert [m["photo"][-1]["file_id"] for m in api.messages_to(chat)
                if "photo" in m] == list(PHOTOS)
    # One retried after its 502 (and, if the mid-stream 429 happened to fall on an album, that
    # one sent again after it: which call the 429 meets depends on timing).
    albums = [c for c in api.calls("sendMediaGroup") if c.status != 429]
    assert len(albums) == len(details_to) + 1


async def test_a_restart_sends_what_the_old_process_left(
        config: Config, classifier: Classifier, tmp_path: Path, clock: ManualClock) -> None:
    db = tmp_path / "bot.db"
    plain, _ = prepared_db(db, config, clock)
    chats = [6200, 6201]
    with LocalBotApi() as api:
        slow = Limits(per_second=1000, private_interval=0.2, margin=0.0)
        old, running = await harness(api, config, classifier, db, clock, slow)
        try:
            queue(old.uows, clock, [(chat, "progress", plain, f"{chat}/{i}") for i in range(6)
                                    for chat in chats])
            # Left by a process that died holding it: the lease still runs; the row behind it
            # in the same chat must wait too.
            dead = queue(old.uows, clock, [(6202, "progress", plain, "z1")],
                         lease_until=clock.now() + LEASE)
            queue(old.uows, clock, [(6202, "progress", plain, "z2")])
            old.app.bot_data["dispatcher"].wake()
            await api.wait_for("sendMessage", chat_id=6200, count=2)
        finally:
            await running.aclose()  # stops the old Application with rows still queued
        left = [r for r in rows(old.uows) if r.status == "pending"]
        assert len(left) > 2 and all(r.lease_until is None for r in left if r.id not in dead)

        new, running = await harness(api, config, classifier, db, clock, FAST)
        try:
            await until(lambda: all(r.status == "sent" for r in rows(new.uows)
                                    if r.chat_id != 6202))
            assert api.sent_to(6202) == []  # still held by the dead process's lease
            clock.advance(LEASE + timedelta(seconds=1))
            new.app.bot_data["dispatcher"].wake()
            await api.wait_for("sendMessage", chat_id=6202, count=2)
            await until(lambda: all(r.status == "sent" for r in rows(new.uows)))
        finally:
            await running.aclose()
    for chat in chats:  # every row once over both processes, in order
        assert notes_to(api, chat) == [f"{chat}/{i}" for i in range(6)]
    assert notes_to(api, 6202) == ["z1", "z2"]


async def test_the_stand_in_counts_every_photo_of_an_album() -> None:
    """The limits the dispatcher is held to: an album of n is n messages to the global and group
    limits (one to a private chat's), so pacing that counted it as one would be caught."""
    now = [1000.0]
    with LocalBotApi(enforce_limits=True, global_limit=6, clock=lambda: now[0]) as api:
        async with Bot(TOKEN, base_url=f"{api.url}/bot") as bot:
            await bot.send_media_group(7, [InputMediaPhoto(f"p{i}") for i in range(3)])
            with pytest.raises(RetryAfter):
                await bot.send_message(7, "a private chat: the album was one message")
            await bot.send_media_group(-100, [InputMediaPhoto(f"q{i}") for i in range(3)])
            with pytest.raises(RetryAfter):
                await bot.send_message(8, "the seventh message within the second")
    assert [(chat, kind) for chat, kind, _ in api.limit_violations] == [
        (7, "private"), (8, "global")]
