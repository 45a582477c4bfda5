"""The Pacer with [telegram] pace = false: no ceiling makes a send wait, while Telegram's own
word (a 429's retry_after) and a chat's backoff still do."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scheduler.pacing import Limits, Pacer

GROUP, PRIVATE = -100500, 6000
UNPACED = replace(Limits(), paced=False)


class Asked(Exception):
    """The pacer asked to wait: the test looks at how long instead of waiting."""


class Sleeps:
    """A sleep that notes each wait: a wait of zero returns, a real wait stops the send."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if seconds > 0:
            raise Asked


async def send(pacer: Pacer, chat: int, messages: int = 1) -> Sleeps:
    sleeps = Sleeps()
    async with pacer.slot(chat, messages, sleeps):
        pass
    return sleeps


async def test_unpaced_sends_never_wait_for_a_chat_nor_for_the_global_window() -> None:
    pacer = Pacer(UNPACED)
    for _ in range(100):  # far past 30 a second, 20 a minute to a group and 1 a second
        for chat, messages in ((GROUP, 1), (PRIVATE, 1), (GROUP, 10), (PRIVATE, 10)):
            assert (await send(pacer, chat, messages)).waits == [0.0]
    assert pacer.paced() == {}


async def test_paced_sends_do_wait_for_the_next_message_to_a_chat() -> None:
    pacer = Pacer(Limits())
    await send(pacer, PRIVATE)
    with pytest.raises(Asked):
        await send(pacer, PRIVATE)
    assert PRIVATE in pacer.paced()


@pytest.mark.parametrize("limits", [Limits(), UNPACED], ids=["paced", "unpaced"])
async def test_retry_after_and_a_chats_backoff_hold_whether_paced_or_not(
        limits: Limits) -> None:
    pacer = Pacer(limits)
    pacer.pause(30.0)  # a 429 said: retry after 30 s, everybody
    sleeps = Sleeps()
    with pytest.raises(Asked):
        async with pacer.slot(PRIVATE, 1, sleeps):
            pass
    assert sleeps.waits[-1] > 29
    pacer = Pacer(limits)
    pacer.rest(GROUP, 8.0)  # this chat's row failed: back off
    sleeps = Sleeps()
    with pytest.raises(Asked):
        async with pacer.slot(GROUP, 1, sleeps):
            pass
    assert sleeps.waits[-1] > 7
