"""Owed messages within Telegram's limits, and a refused one never strands a ticket: through
the stand-in Bot API (which refuses what Telegram refuses), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlmodel import col, delete, select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot import texts
from bot.app.clock import ManualClock
from bot.config import Config
from bot.digest.numbers import build_digest
from bot.digest.render import render_digest
from bot.localapi import Call, LocalBotApi
from bot.localapi.core import TOO_LONG
from bot.services import volunteers as V
from bot.services.deps import Deps
from bot.texts import fit
from scheduler.dispatch import Dispatcher
from scheduler.pacing import Limits
from storage.models import Outbox
from tests.factories import Uows, add_volunteer, reload, submit

pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")

FAST = Limits(per_second=10_000, group_interval=0.0, private_interval=0.0, retry_base=0.02)
VOLUNTEER = 500
GROUP = -1001234567890
LONG_TEXT = ("三号楼二单元的楼道灯坏了三天了，晚上老人上下楼很危险 😀。\n" * 200)[:4000]


@pytest.fixture
def api() -> Iterator[LocalBotApi]:
    with LocalBotApi() as server:
        yield server


@asynccontextmanager
async def sender(api: LocalBotApi, uows: Uows, config: Config,
                 clock: ManualClock) -> AsyncIterator[Dispatcher]:
    async with Bot("123456:TEST-TOKEN", base_url=f"{api.url}/bot",
                   request=HTTPXRequest(connection_pool_size=16)) as bot:
        yield Dispatcher(bot, uows, config, clock, FAST, poll_interval=0.0)


def rows(uows: Uows, notice: str) -> list[Outbox]:
    with uows() as uow:
        stmt = select(Outbox).where(Outbox.notice == notice).order_by(col(Outbox.id))
        return list(uow.session.exec(stmt).all())


def labels(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def offered(api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock,
                  text: str) -> tuple[int, Call]:
    """A ticket routed to VOLUNTEER, and the offer the sender delivered to them."""
    add_volunteer(uows, clock.now(), VOLUNTEER, "李明")
    number = submit(uows, config, clock.now(), text=text).id or 0
    async with sender(api, uows, config, clock) as dispatcher:
        await dispatcher.send_due()
    offer = await api.wait_for("sendMessage", chat_id=VOLUNTEER)
    assert texts.BTN_ACCEPT in labels(offer)
    return number, offer


async def test_long_details_arrive_in_parts_and_then_the_offer_loses_its_buttons(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number, offer = await offered(api, uows, config, clock, LONG_TEXT)
    V.accept_ticket(deps, number, VOLUNTEER, offer_message_id=offer.result["message_id"])
    async with sender(api, uows, config, clock) as dispatcher:
        await dispatcher.send_due()
    sent = [c for c in api.calls() if c.chat_id == VOLUNTEER][1:]
    assert [c.method for c in sent] == ["sendMessage", "sendMessage", "editMessageReplyMarkup"]
    assert all(c.ok for c in api.calls())  # nothing was refused
    first, last, cleared = sent
    assert first.params["text"].startswith(f"工单 #{number} 详情")
    assert fit.units(first.params["text"]) <= fit.TEXT_LIMIT
    assert labels(first) == [] and texts.BTN_RESOLVE in labels(last)  # buttons under it all
    joined = first.params["text"] + last.params["text"]
    assert joined.replace("\n", "").count("😀") == LONG_TEXT.count("😀")
    assert cleared.params["message_id"] == offer.result["message_id"]
    assert "reply_markup" not in cleared.params  # the offer's 接单 / 转给他人 are gone
    assert [r.status for r in rows(uows, "details")] == ["sent"]


async def test_refused_details_leave_the_offer_buttons_and_reach_the_digest(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    number, offer = await offered(api, uows, config, clock, "楼道灯坏了")
    V.accept_ticket(deps, number, VOLUNTEER, offer_message_id=offer.result["message_id"])
    with uows() as uow:  # only the details are left to send, so the refusal is theirs
        uow.session.exec(delete(Outbox).where(col(Outbox.notice) != "details"))
        uow.commit()
    api.fail_next("sendMessage", status=400, description=TOO_LONG)
    async with sender(api, uows, config, clock) as dispatcher:
        await dispatcher.send_due()
    assert api.calls("editMessageReplyMarkup") == []  # the volunteer still has buttons
    [details] = rows(uows, "details")
    assert details.status == "failed" and details.failed_at is not None
    assert "too long" in (details.last_error or "")

    with uows() as uow:  # the next morning's digest, about the day the send was refused
        digest = build_digest(uow.session, config, "hx", clock.now().date() + timedelta(days=1),
                              clock.now() + timedelta(days=1))
    assert digest.failed_total == 1 and digest.failed[0].number == number
    text = render_digest(config, digest)
    assert texts.DIGEST_FAILED_HEADER.format(total=1) in text
    assert texts.DIGEST_FAILED_LINE.format(
        number=number, what=texts.SEND_FAILED_WHAT["details"],
        why=dict(texts.SEND_FAILED_WHY)["too long"]) in text
    with uows() as uow:  # not in the digest of the day before, nor of another community
        earlier = build_digest(uow.session, config, "hx", clock.now().date(), clock.now())
    assert earlier.failed_total == 0


async def test_a_group_post_offered_again_is_posted_anew_when_the_old_one_is_gone(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    add_volunteer(uows, clock.now(), VOLUNTEER, "李明", categories=("elderly",))
    number = submit(uows, config, clock.now()).id or 0  # nobody for repairs: the group
    async with sender(api, uows, config, clock) as dispatcher:
        await dispatcher.send_due()
        post = await api.wait_for("sendMessage", chat_id=GROUP)
        V.claim_ticket(deps, number, VOLUNTEER)
        await dispatcher.send_due()
        api.fail_next("editMessageText", status=400,
                      description="Bad Request: message to edit not found")
        V.release_ticket(deps, number, VOLUNTEER)  # offered again
        await dispatcher.send_due()
    again = [c for c in api.calls("sendMessage") if c.chat_id == GROUP]
    assert len(again) == 2 and texts.BTN_CLAIM in labels(again[1])
    assert reload(uows, number).group_message_id == again[1].result["message_id"] \
        != post.result["message_id"]
    assert {r.status for r in rows(uows, "group_update")} == {"sent"}


async def test_group_posts_trim_a_long_text_and_say_where_the_rest_is(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock) -> None:
    submit(uows, config, clock.now(), text=LONG_TEXT)
    async with sender(api, uows, config, clock) as dispatcher:
        await dispatcher.send_due()
    post = await api.wait_for("sendMessage", chat_id=GROUP)
    assert post.params["text"].endswith(texts.MORE_AFTER_CLAIM)
    assert fit.units(post.params["text"]) < 200
