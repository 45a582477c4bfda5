"""A volunteer can press 认领 as soon as Telegram shows the group post: before the sender has
stored the post's message id. The post must still come to say who took it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from telegram import Bot

from bot import texts
from bot.app.clock import ManualClock
from bot.config import Config
from bot.localapi import LocalBotApi
from bot.services import volunteers as V
from bot.services.deps import Deps
from scheduler.dispatch import Dispatcher
from scheduler.pacing import Limits
from tests.factories import Uows, add_volunteer, outbox, reload, submit

VOLUNTEER = 700
FAST = Limits(per_second=10_000, group_interval=0.0, private_interval=0.0)


@pytest.fixture
def api() -> Iterator[LocalBotApi]:
    with LocalBotApi() as server:
        yield server


async def test_a_claim_before_the_post_went_out_leaves_the_group_nothing_stale(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    """Claimed while its post still waited in the outbox (held overnight, or a busy sender):
    the post is not sent at all, so no 认领 button is left for a matter already taken."""
    group = config.communities[0].volunteer_chat_id
    assert group is not None
    add_volunteer(uows, clock.now(), VOLUNTEER, name="李明", categories=("elderly",))
    number = submit(uows, config, clock.now()).id or 0  # nobody serves repairs: the group
    assert (group, "group_post") in outbox(uows, number)
    assert reload(uows, number).group_message_id is None

    V.claim_ticket(deps, number, VOLUNTEER)
    assert outbox(uows, number).count((group, "group_update")) == 1

    async with Bot("123456:TEST-TOKEN", base_url=f"{api.url}/bot") as bot:
        sender = Dispatcher(bot, uows, config, clock, FAST)
        while await sender.send_due():  # the post first, then its edit (one chat, in order)
            pass
    assert api.chat_log(group) == []
    assert all(status == "sent" for status in _statuses(uows, number, group))


async def test_a_claim_after_the_post_went_out_edits_it(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock, deps: Deps) -> None:
    group = config.communities[0].volunteer_chat_id
    assert group is not None
    add_volunteer(uows, clock.now(), VOLUNTEER, name="李明", categories=("elderly",))
    number = submit(uows, config, clock.now()).id or 0
    async with Bot("123456:TEST-TOKEN", base_url=f"{api.url}/bot") as bot:
        sender = Dispatcher(bot, uows, config, clock, FAST)
        while await sender.send_due():
            pass
        V.claim_ticket(deps, number, VOLUNTEER)
        while await sender.send_due():
            pass
    post = reload(uows, number).group_message_id
    assert post is not None
    shown = api.current(group, post)
    assert shown is not None
    assert shown["text"].startswith(texts.GROUP_TAKEN.split("{")[0]) and "李明" in shown["text"]
    assert "reply_markup" not in shown  # no 认领 button left on a taken task


def _statuses(uows: Uows, number: int, chat_id: int) -> list[str]:
    from sqlmodel import select

    from storage.models import Outbox

    with uows() as uow:
        return [r.status for r in uow.session.exec(select(Outbox).where(
            Outbox.ticket_id == number, Outbox.chat_id == chat_id)).all()]
