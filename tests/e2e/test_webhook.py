"""Webhook mode (issue 13 §2): the real Application and its web app, served by the one run path
(bot/app/serve.py), with the stand-in Bot API POSTing updates to the webhook route.

What Telegram sends is stored in the inbox before it is answered 200; a wrong secret is
refused before anything is stored; a redelivery is answered 200 and handled once.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
from sqlmodel import select

from bot import texts
from bot.app.application import build_application, build_web, use_webhook
from bot.app.clock import ManualClock
from bot.app.serve import bind, serve
from bot.classify import Classifier
from bot.config import Config
from bot.localapi import LocalBotApi
from bot.services.inbox import HANDLING_HOLD
from bot.web.webhook import webhook_path
from storage.db import create_schema, make_engine, uow_factory
from storage.models import InboxUpdate
from tests.e2e.conftest import FAST, TOKEN, Harness, _count_handled_updates
from tests.waiting import until

SECRET = "webhook-secret-for-tests_0123456789"
RESIDENT = 931
LAMP = "楼道灯坏了好几天了，晚上黑乎乎的"


@asynccontextmanager
async def serving(api: LocalBotApi, config: Config, classifier: Classifier, db_path: Path,
                  clock: ManualClock, *, webhook: bool = True) -> AsyncIterator[Harness]:
    """The bot as `run --webhook` runs it (`webhook=False`: as `run`), in this event loop."""
    sock = bind("127.0.0.1", 0)
    public_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    cfg = config.model_copy(update={
        "token": TOKEN, "webhook_secret": SECRET,
        "bot": config.bot.model_copy(update={"api_base_url": f"{api.url}/bot"}),
        "web": config.web.model_copy(update={"public_url": public_url}),
    })
    engine = make_engine(f"sqlite:///{db_path}")
    create_schema(engine)
    app = build_application(cfg, engine, clock=clock, classifier=classifier, limits=FAST)
    app.bot_data["dispatcher"].poll_interval = 0.05
    if webhook:
        use_webhook(app)
    harness = Harness(api, app, engine, uow_factory(engine), cfg, clock)
    _count_handled_updates(app, harness.handled)
    ready, stop = asyncio.Event(), asyncio.Event()
    if not webhook:
        app.bot_data["poller"].timeout = 1
    task = asyncio.create_task(serve(app, web=build_web(app), sock=sock, on_ready=ready.set,
                                     stop=stop))
    try:
        await asyncio.wait([task, asyncio.create_task(ready.wait())],
                           return_when=asyncio.FIRST_COMPLETED)
        assert not task.done(), task.result()
        yield harness
    finally:
        stop.set()
        assert await task == 0
        sock.close()
        engine.dispose()


def _inbox(h: Harness) -> dict[int, InboxUpdate]:
    with h.uows() as uow:
        return {row.update_id: row for row in uow.session.exec(select(InboxUpdate)).all()}


def _previews(api: LocalBotApi, chat_id: int) -> list[str]:
    return [c.params["text"] for c in api.calls("sendMessage")
            if c.chat_id == chat_id and texts.BTN_CONFIRM in str(c.params.get("reply_markup"))]


def quick_api() -> LocalBotApi:
    return LocalBotApi(webhook_retry=0.02, webhook_retry_max=0.2)


async def test_a_residents_text_delivered_by_webhook_is_answered(
        config: Config, classifier: Classifier, tmp_path: Path, clock: ManualClock) -> None:
    with quick_api() as api:
        async with serving(api, config, classifier, tmp_path / "bot.db", clock) as bot:
            public_url = bot.config.web.public_url
            assert api.webhook_url == f"{public_url}/telegram/{webhook_path(SECRET)}"
            set_call, = api.calls("setWebhook")
            assert set_call.params["secret_token"] == SECRET
            assert not set_call.params.get("drop_pending_updates")
            since = time.monotonic()
            update = api.push_text(RESIDENT, LAMP)
            await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
            await bot.settled()
            row = _inbox(bot)[update["update_id"]]
            assert row.done_at is not None and row.payload is None
            assert [d.status for d in api.deliveries()] == [200]
            assert not api.calls("getUpdates")  # webhook mode never polls
        # Stopping leaves the webhook set: Telegram keeps updates until a replica is back.
        assert api.webhook_url and not api.calls("deleteWebhook")


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(
        config: Config, classifier: Classifier, tmp_path: Path, clock: ManualClock) -> None:
    with quick_api() as api:
        async with serving(api, config, classifier, tmp_path / "bot.db", clock) as bot:
            update = {"update_id": 555, "message": {
                "message_id": 1, "date": 0, "chat": {"id": RESIDENT, "type": "private"},
                "from": {"id": RESIDENT, "is_bot": False, "first_name": "张"}, "text": LAMP}}
            async with httpx.AsyncClient() as client:
                for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"},
                                {"X-Telegram-Bot-Api-Secret-Token": ""}):
                    answer = await client.post(api.webhook_url, json=update, headers=headers)
                    assert answer.status_code == 403
                good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                for body in (b"{not json", b"[1, 2]", b'{"update_id": "1"}', b"{}"):
                    answer = await client.post(api.webhook_url, content=body, headers=good)
                    assert answer.status_code == 400, body
                elsewhere = api.webhook_url.rsplit("/", 1)[0] + "/" + "0" * 32
                assert (await client.post(elsewhere, json=update, headers=good)).status_code \
                    == 404
            assert _inbox(bot) == {}
            assert not api.calls("sendMessage")
            assert not bot.handled


async def test_a_redelivered_update_is_answered_once(
        config: Config, classifier: Classifier, tmp_path: Path, clock: ManualClock) -> None:
    with quick_api() as api:
        async with serving(api, config, classifier, tmp_path / "bot.db", clock) as bot:
            since = time.monotonic()
            update = api.push_text(RESIDENT, LAMP)
            await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
            api.push_raw(update)  # Telegram sends it again (it missed our 200, say)
            await until(lambda: [d.status for d in api.deliveries()] == [200, 200])
            # The second 200 came after the inbox said "already stored": nothing was queued.
            await until(lambda: bot.handled == Counter({update["update_id"]: 1})
                        and not bot.owed_now())
            assert len(_previews(api, RESIDENT)) == 1
            assert len(_inbox(bot)) == 1


async def test_updates_sent_while_no_replica_answers_are_delivered_once_one_is_back(
        config: Config, classifier: Classifier, tmp_path: Path, clock: ManualClock) -> None:
    """The bot stopped with its webhook set: Telegram keeps trying, and the next start (here
    on another port, so another URL) gets the update."""
    with quick_api() as api:
        async with serving(api, config, classifier, tmp_path / "bot.db", clock) as bot:
            since = time.monotonic()
            api.push_text(RESIDENT, LAMP)
            await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
        # Stopped: the webhook stays set, and the stand-in keeps trying the stopped bot.
        update = api.push_text(RESIDENT, "/start")
        await until(lambda: any(d.update_id == update["update_id"] for d in api.deliveries()))
        async with serving(api, config, classifier, tmp_path / "bot2.db", clock) as bot:
            await until(lambda: bot.handled[update["update_id"]] == 1)
            assert any(d.acknowledged and d.update_id == update["update_id"]
                       for d in api.deliveries())


async def test_polling_deletes_a_webhook_left_set_and_polls_again(
        config: Config, classifier: Classifier, tmp_path: Path, clock: ManualClock) -> None:
    with quick_api() as api:
        async with serving(api, config, classifier, tmp_path / "bot.db", clock):
            pass  # a run in webhook mode leaves the webhook set
        assert api.webhook_url
        waiting = api.push_text(RESIDENT, LAMP)  # sent while no replica answers
        async with serving(api, config, classifier, tmp_path / "bot.db", clock,
                           webhook=False) as bot:
            assert api.webhook_url == ""
            deleted, = api.calls("deleteWebhook")
            assert not deleted.params.get("drop_pending_updates")
            await bot.reply_to(RESIDENT, texts.BTN_CONFIRM)
            assert waiting["update_id"] in _inbox(bot)


async def test_the_route_answers_503_until_the_bot_has_started(
        config: Config, classifier: Classifier, tmp_path: Path, clock: ManualClock) -> None:
    """Deliveries that come before the inbox can store them (the web app listens before the
    bot starts) are refused with 503, so Telegram sends them again."""
    cfg = config.model_copy(update={
        "token": TOKEN, "webhook_secret": SECRET,
        "web": config.web.model_copy(update={"public_url": "https://bot.example.org"})})
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    create_schema(engine)
    app = build_application(cfg, engine, clock=clock, classifier=classifier, limits=FAST)
    intake = use_webhook(app)
    assert intake.url == f"https://bot.example.org/telegram/{webhook_path(SECRET)}"
    transport = httpx.ASGITransport(app=build_web(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        answer = await client.post(f"/telegram/{webhook_path(SECRET)}",
                                   json={"update_id": 1, "message": {}},
                                   headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert answer.status_code == 503
    with uow_factory(engine)() as uow:
        assert uow.session.exec(select(InboxUpdate)).all() == []
    engine.dispose()


async def test_an_update_a_dead_replica_took_in_is_handled_once_its_claim_runs_out(
        config: Config, classifier: Classifier, tmp_path: Path, clock: ManualClock) -> None:
    """A replica stored an update (claimed for HANDLING_HOLD, renewed while it handles it)
    and died before handling it. A live replica leaves it alone while the claim runs, and
    takes it over as soon as the claim has run out (it looks every FLUSH_INTERVAL), not
    minutes later."""
    db = tmp_path / "bot.db"
    engine = make_engine(f"sqlite:///{db}")
    create_schema(engine)
    with LocalBotApi() as elsewhere:  # the update as Telegram sent it to the dead replica
        update = elsewhere.push_text(RESIDENT, LAMP)
    with uow_factory(engine)() as uow:
        uow.session.add(InboxUpdate(update_id=update["update_id"], chat_id=RESIDENT,
                                    user_id=RESIDENT, payload=update, received_at=clock.now(),
                                    claimed_until=clock.now() + HANDLING_HOLD))
        uow.commit()
    engine.dispose()
    with quick_api() as api:
        async with serving(api, config, classifier, db, clock) as bot:
            assert not bot.handled  # started with the claim still running: not taken
            clock.advance(HANDLING_HOLD + timedelta(seconds=1))  # no renewal came: it died
            await bot.reply_to(RESIDENT, texts.BTN_CONFIRM)
            await until(lambda: bot.handled[update["update_id"]] == 1)
            assert _inbox(bot)[update["update_id"]].done_at is not None
        assert len(_previews(api, RESIDENT)) == 1
