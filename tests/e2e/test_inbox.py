"""Store before acknowledge (issue 13 §1): what a resident sent is in the database before
Telegram is told it arrived, and handled once, whatever stops the bot in between.

The real Application polls the stand-in Bot API through its inbox poller (bot/app/polling.py).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from telegram import Update

from bot import texts
from bot.app import polling
from bot.app.clock import ManualClock
from bot.classify import Classifier
from bot.config import Config
from bot.localapi import LocalBotApi
from storage.db import create_schema, make_engine, uow_factory
from storage.models import Draft, InboxUpdate
from tests.e2e.conftest import Harness, start_harness
from tests.waiting import until

RESIDENT, NEIGHBOUR = 901, 902
LAMP = "楼道灯坏了好几天了，晚上黑乎乎的"


def _previews(api: LocalBotApi, chat_id: int) -> list[str]:
    return [c.params["text"] for c in api.calls("sendMessage")
            if c.chat_id == chat_id and texts.BTN_CONFIRM in str(c.params.get("reply_markup"))]


def _inbox(h: Harness) -> dict[int, InboxUpdate]:
    with h.uows() as uow:
        return {row.update_id: row for row in uow.session.exec(select(InboxUpdate)).all()}


def _all_done(h: Harness) -> bool:
    return all(row.done_at is not None for row in _inbox(h).values())


def _last_push_handled(h: Harness) -> bool:
    return h.handled[max(h.api.pushed())] >= 1


def _drafts(h: Harness, user_id: int) -> int:
    with h.uows() as uow:
        return len(uow.session.exec(select(Draft).where(Draft.user_id == user_id)).all())


async def test_each_update_is_stored_then_marked_done_with_its_effects(bot: Harness) -> None:
    since = time.monotonic()
    update = await bot.send_text(RESIDENT, LAMP)
    await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    await bot.settled()
    row = _inbox(bot)[update["update_id"]]
    assert row.done_at is not None and not row.failed
    assert row.payload is None  # the resident's words are not kept once handled
    assert row.user_id == RESIDENT


async def test_a_redelivered_update_is_answered_once(bot: Harness) -> None:
    since = time.monotonic()
    update = await bot.send_text(RESIDENT, LAMP)
    await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    # Telegram sends it again (as after a crash before the next getUpdates acknowledged it),
    # then a neighbour writes: once the neighbour is answered, the repeat has been seen.
    bot.api.push_raw(update)
    await bot.send_text(NEIGHBOUR, "小区门口垃圾堆了三天没人清")
    await bot.reply_to(NEIGHBOUR, texts.BTN_CONFIRM, since=since)
    await until(lambda: bot.handled[update["update_id"]] >= 1)
    assert len(_previews(bot.api, RESIDENT)) == 1
    assert _drafts(bot, RESIDENT) == 1


async def test_a_batch_that_could_not_be_stored_is_fetched_again_and_handled_once(
        bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    store = polling.store_updates
    refused: list[int] = []

    def failing_once(deps: Any, batch: Any, *args: Any) -> Any:
        if batch and not refused:
            refused.extend(s.update_id for s in batch)
            raise OSError("database unreachable")
        return store(deps, batch, *args)

    monkeypatch.setattr(polling, "store_updates", failing_once)
    since = time.monotonic()
    update = await bot.send_text(RESIDENT, LAMP)
    await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    await bot.settled()
    assert refused == [update["update_id"]]
    # Not acknowledged while unstored: the stand-in handed it out again.
    handed_out = [u["update_id"] for c in bot.api.calls("getUpdates") for u in c.result or []]
    assert handed_out.count(update["update_id"]) == 2
    assert len(_previews(bot.api, RESIDENT)) == 1


def _text_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """An update as Telegram sends it, made by a stand-in nobody polls."""
    with LocalBotApi() as elsewhere:
        made = elsewhere.push_text(user_id, text)
    return {**made, "update_id": update_id}


async def test_updates_stored_but_not_handled_before_a_stop_are_handled_first_on_start(
        fake_api: LocalBotApi, config: Config, classifier: Classifier, tmp_path: Path,
        clock: ManualClock) -> None:
    db = tmp_path / "bot.db"
    engine = make_engine(f"sqlite:///{db}")
    create_schema(engine)
    with uow_factory(engine)() as uow:  # what a process killed mid-handling leaves behind
        for update_id, user_id, text in ((7, RESIDENT, LAMP),
                                         (8, NEIGHBOUR, "小区门口垃圾堆了三天没人清")):
            uow.session.add(InboxUpdate(update_id=update_id, chat_id=user_id, user_id=user_id,
                                        payload=_text_update(update_id, user_id, text),
                                        received_at=clock.now()))
        uow.session.add(InboxUpdate(update_id=6, chat_id=RESIDENT, user_id=RESIDENT,
                                    payload=None, received_at=clock.now(),
                                    done_at=clock.now()))  # handled before the stop
        uow.commit()
    engine.dispose()
    async for h in start_harness(fake_api, config, classifier, db, clock):
        await until(lambda: _all_done(h))  # noqa: B023 - awaited within this pass
        await h.reply_to(RESIDENT, texts.BTN_CONFIRM)
        await h.reply_to(NEIGHBOUR, texts.BTN_CONFIRM)
        assert len(_previews(fake_api, RESIDENT)) == 1
        assert _drafts(h, RESIDENT) == 1 and _drafts(h, NEIGHBOUR) == 1


async def test_a_second_poller_stops_at_once_with_a_message_saying_why(bot: Harness) -> None:
    poller = bot.app.bot_data["poller"]
    stopped: list[str] = []
    poller.on_fatal = stopped.append
    bot.api.fail_next("getUpdates", status=409)
    await until(lambda: bool(stopped) and poller._task.done())
    assert stopped == [texts.POLL_CONFLICT] and poller.fatal == texts.POLL_CONFLICT
    refused = [c for c in bot.api.calls("getUpdates") if c.status == 409]
    assert len(refused) == 1 and refused[-1] is bot.api.calls("getUpdates")[-1]  # no retry


async def test_an_update_handled_a_second_time_commits_and_says_nothing(bot: Harness) -> None:
    """Two processes handling one update (a recovery racing the live one): the second finds it
    done when it commits, rolls back, and the resident hears nothing more."""
    since = time.monotonic()
    update = await bot.send_text(RESIDENT, LAMP)
    await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    await bot.settled()
    await bot.app.update_queue.put(Update.de_json(update, bot.app.bot))
    await until(lambda: bot.handled[update["update_id"]] >= 2)
    assert len(_previews(bot.api, RESIDENT)) == 1 and _drafts(bot, RESIDENT) == 1
    assert texts.ERROR_TRY_AGAIN not in bot.api.sent_to(RESIDENT)
