"""Pacing: when the next message may go, to anybody and to each chat (Telegram's limits).

One Pacer per bot: the outbox sender (scheduler/dispatch.py) and the bot's own replies
(scheduler/limiter.py) take their slots from the same one, so the overall limit counts both.
Real monotonic time, because Telegram's limits are real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass

from bot.config import TelegramSection

MAX_BACKOFF = 300.0
EARLY = 0.01  # a chat free within this many seconds counts as free: slot() waits the rest
# How soon to look again at a chat whose every counted message is still unanswered (two senders
# writing to one person at once): its answer frees the chat, at a moment nobody can know.
IN_FLIGHT_POLL = 0.02
# Idle private chats' windows are forgotten once this many are kept (one per person written to).
KEEP_WINDOWS = 1_000

Sleep = Callable[[float], Awaitable[None]]
# True inside a slot: the Bot API calls made there are already paced (the limiter lets them by).
_IN_SLOT: contextvars.ContextVar[bool] = contextvars.ContextVar("in_pacer_slot", default=False)


def in_slot() -> bool:
    """Is this task sending inside a Pacer slot (its calls already paced)?"""
    return _IN_SLOT.get()


@contextlib.contextmanager
def _inside() -> Iterator[None]:
    token = _IN_SLOT.set(True)
    try:
        yield
    finally:
        _IN_SLOT.reset(token)


@dataclass
class Limits:
    """Telegram's published ceilings, and how far under them to stay. Built from config.toml's
    [telegram] section by `from_config`; the defaults are Telegram's values."""

    per_second: float = 30.0  # over all chats; each photo of an album and each edit counts
    window: float = 1.0  # ...counted over any window this long: at most per_second * window
    group_interval: float = 3.0  # 20 a minute per group
    private_interval: float = 1.0  # about one a second per private chat
    # ...with the short bursts Telegram tolerates: this many more may go at once (a preview,
    # then the answer to a quick press), one a private_interval on average all the same: at
    # most 1 + private_burst messages in any (1 + private_burst) intervals.
    private_burst: int = 2
    # The global window and each chat's interval are stretched by this fraction: headroom for
    # any difference between our clock and the way Telegram counts. Network jitter needs none
    # (see Pacer), so it is small.
    margin: float = 0.02
    retry_base: float = 1.0  # the first wait after a 5xx or network error; doubles each time
    retry_max: float = MAX_BACKOFF
    # False: none of the ceilings above holds (benchmarks, a local Bot API that enforces none).
    # A 429's retry_after and the backoff after errors still do: they are Telegram's word.
    paced: bool = True

    @classmethod
    def from_config(cls, telegram: TelegramSection) -> Limits:
        """The runtime form of [telegram]: rates become the intervals the Pacer keeps."""
        return cls(per_second=telegram.messages_per_second,
                   group_interval=60.0 / telegram.group_messages_per_minute,
                   private_interval=1.0 / telegram.private_messages_per_second,
                   private_burst=telegram.private_burst,
                   paced=telegram.pace)


class _Window:
    """Messages counted from the moment they go until `length` after Telegram answered them:
    Telegram counts a message when it arrives, some unknown moment in between, so a window
    kept this way is never overfilled however slow or jittery the network."""

    __slots__ = ("_counted", "answered", "in_flight")

    def __init__(self) -> None:
        self.answered: deque[tuple[float, int]] = deque()  # (answered at, messages)
        self.in_flight = 0
        self._counted = 0  # the messages in `answered`

    def send(self, messages: int) -> None:
        self.in_flight += messages

    def answer(self, at: float, messages: int) -> None:
        self.in_flight -= messages
        self.answered.append((at, messages))
        self._counted += messages

    def wait(self, now: float, messages: int, cap: int, length: float, poll: float) -> float:
        """How long until `messages` more fit under `cap` (0: they fit now)."""
        while self.answered and self.answered[0][0] <= now - length:
            self._counted -= self.answered.popleft()[1]
        used = self.in_flight + self._counted
        if used + min(messages, cap) <= cap:
            return 0.0
        if self.answered:  # the oldest answered message leaves the window then
            return self.answered[0][0] + length - now
        return poll  # all in flight: look again after the next answer

    def idle(self, now: float, length: float) -> bool:
        return not self.in_flight and all(at <= now - length for at, _ in self.answered)


class Pacer:
    """When the next message may go: to anybody (the global gate) and to each chat.

    Telegram counts a message when it arrives, which is some unknown moment between our send
    and its answer. So the limits are kept against the answer: a group's next message starts a
    full interval after the previous one was answered, a private chat's window and the global
    one count a message until a whole window after its answer (and for as long as it is in
    flight). A slow or jittery network then costs a little speed, never a 429. Sends are also
    spread evenly (one per 1/per_second), so the global window is never filled in a burst.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.next_global = 0.0
        # Rests (backoff, a 429) of any chat, and each group's next slot.
        self.next_by_chat: dict[int, float] = {}
        self._gate = asyncio.Lock()  # FIFO: workers take global slots in the order they ask
        self._global = _Window()
        self._private: dict[int, _Window] = {}  # each person's burst window

    def _stretch(self, interval: float) -> float:
        return interval * (1.0 + self.limits.margin)

    def global_gap(self) -> float:
        # Only spreads sends out; the window below (stretched by the margin) keeps the limit.
        rate = self.limits.per_second
        return 1.0 / rate if rate > 0 and self.limits.paced else 0.0

    def chat_gap(self, chat_id: int) -> float:
        if not self.limits.paced:
            return 0.0
        interval = self.limits.group_interval if chat_id < 0 else self.limits.private_interval
        return self._stretch(interval)

    def _private_span(self) -> tuple[int, float]:
        """A private chat's window: at most `cap` messages in any `length` seconds."""
        burst = max(0, self.limits.private_burst)
        return 1 + burst, self._stretch(self.limits.private_interval) * (1 + burst)

    def _private_wait(self, chat_id: int, now: float) -> float:
        window = self._private.get(chat_id)
        if window is None or not self.limits.paced or self.limits.private_interval <= 0:
            return 0.0
        cap, length = self._private_span()
        return window.wait(now, 1, cap, length, IN_FLIGHT_POLL)

    def _chat_wait(self, chat_id: int | None, in_chat: int, now: float) -> float:
        if chat_id is None:
            return 0.0
        wait = self.next_by_chat.get(chat_id, 0.0) - now
        if chat_id < 0:  # n photos at one instant take n slots: n-1 gaps after the next one
            return wait + (in_chat - 1) * self.chat_gap(chat_id)
        return max(wait, self._private_wait(chat_id, now))

    def chat_wait(self, chat_id: int) -> float:
        return self._chat_wait(chat_id, 1, time.monotonic())

    def paced(self) -> dict[int, float]:
        """Chats that may not be written to for a while yet, with how long to wait."""
        now = time.monotonic()
        self.next_by_chat = {c: at for c, at in self.next_by_chat.items() if at > now}
        self._forget_idle(now)
        waits = {c: at - now for c, at in self.next_by_chat.items()}
        for chat_id in self._private:
            waits[chat_id] = max(waits.get(chat_id, 0.0), self._private_wait(chat_id, now))
        return {c: wait for c, wait in waits.items() if wait > EARLY}

    def _forget_idle(self, now: float) -> None:
        _, length = self._private_span()
        self._private = {c: w for c, w in self._private.items() if not w.idle(now, length)}

    def rest(self, chat_id: int, seconds: float) -> None:
        """Write nothing to this chat for a while (backoff, or someone else holds its row)."""
        until = time.monotonic() + seconds
        self.next_by_chat[chat_id] = max(self.next_by_chat.get(chat_id, 0.0), until)

    def pause(self, seconds: float) -> None:
        """Flood control: nothing goes to anybody for a while."""
        self.next_global = max(self.next_global, time.monotonic() + seconds)

    def flood(self, chat_id: int | None, seconds: float) -> None:
        """A 429 said retry after `seconds`: Telegram's flood control is per bot, so every send
        waits that long, and this chat's next one too (after the others had their turn)."""
        self.pause(seconds)
        if chat_id is not None:
            self.rest(chat_id, seconds)

    def holds(self, chat_id: int | None) -> bool:
        """Must a message to `chat_id` take a slot()? Always when paced; unpaced only while a
        429's pause or the chat's backoff lasts (otherwise it may go straight away)."""
        if self.limits.paced:
            return True
        now = time.monotonic()
        return self.next_global > now or (
            chat_id is not None and self.next_by_chat.get(chat_id, 0.0) > now)

    def _window_wait(self, now: float, messages: int) -> float:
        """How long until `messages` more fit in the global window (0: they fit now)."""
        cap = max(1, int(self.limits.per_second * self.limits.window))
        return self._global.wait(now, messages, cap, self._stretch(self.limits.window),
                                 self.global_gap() or 0.001)

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: int | None, messages: int,
                   sleep: Sleep = asyncio.sleep) -> AsyncIterator[None]:
        """Wait until `messages` (an album's photos) may go to `chat_id`; send inside. Calls
        made inside are already paced (`in_slot()`). `chat_id` None: a message that names no
        chat (an inline message's edit) counts against the global limit only.

        n messages that land at one instant need n slots: they go n-1 gaps after the slot that
        is next. An album is one message to a private chat's limit (Telegram does not treat one
        person's album as flood) but n to a group's.
        """
        in_chat = messages if chat_id is not None and chat_id < 0 else 1
        if not self.limits.paced:  # only a 429's pause and a chat's backoff hold
            while (wait := max(self.next_global - time.monotonic(),
                               self._chat_wait(chat_id, in_chat, time.monotonic()))) > 0:
                await sleep(wait)
            await sleep(0.0)  # the sender's sleep stops it here when it is stopping
            with _inside():
                yield
            return
        while True:
            # The chat first, outside the gate: waiting for one chat must not hold up the others.
            while (wait := self._chat_wait(chat_id, in_chat, time.monotonic())) > 0:
                await sleep(wait)
            async with self._gate:
                await sleep(0.0)  # stopped while queueing at the gate: send nothing more
                granted = False
                while True:
                    # Looked at afresh after every sleep: a 429 meanwhile moves the global slot.
                    now = time.monotonic()
                    if self._chat_wait(chat_id, in_chat, now) > 0:
                        break  # somebody else wrote to the chat meanwhile: wait outside again
                    wait = max(self.next_global + (messages - 1) * self.global_gap() - now,
                               self._window_wait(now, messages))
                    if wait <= 0:
                        granted = True
                        break
                    await sleep(wait)
                if granted:
                    self._take(chat_id, messages, now)
                    break
        try:
            with _inside():
                yield
        finally:
            self._answered(chat_id, messages, time.monotonic())

    def _take(self, chat_id: int | None, messages: int, now: float) -> None:
        self.next_global = now + self.global_gap()
        self._global.send(messages)
        if chat_id is None:
            return
        if chat_id < 0:
            self.next_by_chat[chat_id] = now + self.chat_gap(chat_id)
        elif self.limits.private_interval > 0:
            if chat_id not in self._private and len(self._private) >= KEEP_WINDOWS:
                self._forget_idle(now)
            self._private.setdefault(chat_id, _Window()).send(1)

    def _answered(self, chat_id: int | None, messages: int, answered: float) -> None:
        self._global.answer(answered, messages)
        if chat_id is None:
            return
        if chat_id < 0:
            self.next_by_chat[chat_id] = max(self.next_by_chat.get(chat_id, 0.0),
                                             answered + self.chat_gap(chat_id))
            return
        window = self._private.get(chat_id)
        if window is not None:
            window.answer(answered, 1)
