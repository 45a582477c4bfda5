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
    pacer = Pacer(Limits(private_burst=0))
    await send(pacer, PRIVATE)
    with pytest.raises(Asked):
        await send(pacer, PRIVATE)
    assert PRIVATE in pacer.paced()


async def test_a_person_may_get_a_short_burst_then_one_a_second() -> None:
    """Telegram tolerates short bursts to one person: 1 + private_burst messages go at once
    (a preview, then the answers to quick presses), the next one when the first has been out
    of the window of (1 + private_burst) intervals for long enough (one a second on average)."""
    limits = Limits(per_second=1e9, private_burst=2)  # the global gate out of the way
    pacer = Pacer(limits)
    for _ in range(3):
        assert (await send(pacer, PRIVATE)).waits == [0.0]
    assert PRIVATE in pacer.paced()
    sleeps = Sleeps()
    with pytest.raises(Asked):
        async with pacer.slot(PRIVATE, 1, sleeps):
            pass
    assert 3 * 1.0 < sleeps.waits[-1] <= 3 * 1.0 * (1 + limits.margin)
    assert (await send(pacer, PRIVATE + 1)).waits == [0.0]  # another person is not held up


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
