"""Review (issue 13 §1): a reply held for its handler (REPLY_GRACE) and the shared Pacer.

The outbox sender reads every pending row, held ones too. Its lease of a held row fails, and
it then rests the row's chat for its poll interval (scheduler/dispatch.py, _send_row:
`self._pace.rest(row.chat_id, self.poll_interval)`), as if another replica were sending
there. The Pacer is shared with the handlers' replies (scheduler/limiter.py), so the
handler's own delivery of that very reply, and its next replies to that person, wait for the
sender's rest: up to a second (the production poll interval) on a reply nobody else sends.
A held row is visible from its commit until its mark (the handler's send, then up to
HeldReplies.every), and the sender passes at least once a second and on every owed commit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from telegram import Bot

from bot.app.clock import ManualClock
from bot.config import Config
from bot.localapi import LocalBotApi
from bot.services.notices import owe_preview
from scheduler.dispatch import Dispatcher
from scheduler.limiter import Limiter
from scheduler.pacing import EARLY, Limits, Pacer
from tests.factories import RESIDENT, Uows

pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")


@pytest.fixture
def api() -> Iterator[LocalBotApi]:
    with LocalBotApi() as server:
        yield server


class Waited(Exception):
    """The limiter asked to wait: the test has seen enough."""


class Noted:
    """A sleep that notes the first wait asked for and stops the call there."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        raise Waited


async def _telegram_ok(*_args: Any, **_kwargs: Any) -> bool:
    return True


async def test_a_held_reply_does_not_make_its_own_handler_wait(
        api: LocalBotApi, uows: Uows, config: Config, clock: ManualClock) -> None:
    pacer = Pacer(Limits.from_config(config.telegram))  # Telegram's limits, as in production
    with uows() as uow:  # a new draft's preview, held for the handler that is showing it
        owe_preview(uow.session, config, clock.now(), RESIDENT, 1, "seal")
        uow.commit()
    async with Bot("123456:TEST-TOKEN", base_url=f"{api.url}/bot") as bot:
        sender = Dispatcher(bot, uows, config, clock, pacer=pacer, poll_interval=1.0)
        await sender.send_due()  # a pass while the handler is showing it
    assert api.sent_to(RESIDENT) == []  # the sender rightly left the held row alone...
    waits = Noted()
    handler = Limiter(pacer, sleep=waits)
    with contextlib.suppress(Waited):
        await handler.process_request(_telegram_ok, (), {}, "sendMessage",
                                      {"chat_id": RESIDENT, "text": "预览"}, None)
    # ...but the handler's send of that very preview now waits out the sender's rest.
    assert all(w <= EARLY for w in waits.waits), f"the handler waits {waits.waits} s for the sender"
    assert pacer.chat_wait(RESIDENT) <= EARLY
