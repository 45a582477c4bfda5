"""Pacing: when the next message may go, to anybody and to each chat (Telegram's limits).

Real monotonic time, because Telegram's limits are real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from bot.config import TelegramSection

MAX_BACKOFF = 300.0
EARLY = 0.01  # a chat free within this many seconds counts as free: slot() waits the rest


@dataclass
class Limits:
    """Telegram's published ceilings, and how far under them to stay. Built from config.toml's
    [telegram] section by `from_config`; the defaults are Telegram's values."""

    per_second: float = 30.0  # over all chats; each photo of an album and each edit counts
    window: float = 1.0  # ...counted over any window this long: at most per_second * window
    group_interval: float = 3.0  # 20 a minute per group
    private_interval: float = 1.0  # about one a second per private chat
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
                   paced=telegram.pace)


class Pacer:
    """When the next message may go: to anybody (the global gate) and to each chat.

    Telegram counts a message when it arrives, which is some unknown moment between our send
    and its answer. So the limits are kept against the answer: a chat's next message starts a
    full interval after the previous one was answered, and the global window counts a message
    until a whole window after its answer (and for as long as it is in flight). A slow or
    jittery network then costs a little speed, never a 429. Sends are also spread evenly (one
    per 1/per_second), so the window is never filled in a burst.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.next_global = 0.0
        self.next_by_chat: dict[int, float] = {}
        self._gate = asyncio.Lock()  # FIFO: workers take global slots in the order they ask
        self._answered: deque[tuple[float, int]] = deque()  # (answered at, messages)
        self._in_flight = 0

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

    def chat_wait(self, chat_id: int) -> float:
        return self.next_by_chat.get(chat_id, 0.0) - time.monotonic()

    def paced(self) -> dict[int, float]:
        """Chats that may not be written to for a while yet, with how long to wait."""
        now = time.monotonic()
        self.next_by_chat = {c: at for c, at in self.next_by_chat.items() if at > now}
        return {c: at - now for c, at in self.next_by_chat.items() if at - now > EARLY}

    def rest(self, chat_id: int, seconds: float) -> None:
        """Write nothing to this chat for a while (backoff, or someone else holds its row)."""
        until = time.monotonic() + seconds
        self.next_by_chat[chat_id] = max(self.next_by_chat.get(chat_id, 0.0), until)

    def pause(self, seconds: float) -> None:
        """Flood control: nothing goes to anybody for a while."""
        self.next_global = max(self.next_global, time.monotonic() + seconds)

    def _window_wait(self, now: float, messages: int) -> float:
        """How long until `messages` more fit in the global window (0: they fit now)."""
        if not self.limits.paced:
            return 0.0
        window = self._stretch(self.limits.window)
        cap = max(1, int(self.limits.per_second * self.limits.window))
        while self._answered and self._answered[0][0] <= now - window:
            self._answered.popleft()
        used = self._in_flight + sum(n for _, n in self._answered)
        if used + min(messages, cap) <= cap:
            return 0.0
        if self._answered:  # the oldest answered message leaves the window then
            return self._answered[0][0] + window - now
        return self.global_gap() or 0.001  # all in flight: look again after the next answer

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: int, messages: int,
                   sleep: Callable[[float], Awaitable[None]]) -> AsyncIterator[None]:
        """Wait until `messages` (an album's photos) may go to `chat_id`; send inside.

        n messages that land at one instant need n slots: they go n-1 gaps after the slot that
        is next. An album is one message to a private chat's limit (Telegram does not treat one
        person's album as flood) but n to a group's.
        """
        in_chat = messages if chat_id < 0 else 1
        # The chat first, outside the gate: waiting for one chat must not hold up the others.
        while (wait := self.chat_wait(chat_id) + (in_chat - 1) * self.chat_gap(chat_id)) > 0:
            await sleep(wait)
        async with self._gate:
            await sleep(0.0)  # stopped while queueing at the gate: send nothing more
            while True:
                # Looked at afresh after every sleep: a 429 meanwhile moves the global slot.
                now = time.monotonic()
                wait = max(self.next_global + (messages - 1) * self.global_gap() - now,
                           self.chat_wait(chat_id) + (in_chat - 1) * self.chat_gap(chat_id),
                           self._window_wait(now, messages))
                if wait <= 0:
                    break
                await sleep(wait)
            self.next_global = now + self.global_gap()
            self.next_by_chat[chat_id] = now + self.chat_gap(chat_id)
            self._in_flight += messages
        try:
            yield
        finally:
            answered = time.monotonic()
            self._in_flight -= messages
            if self.limits.paced:  # unpaced, nothing reads the window: let it not grow
                self._answered.append((answered, messages))
            self.next_by_chat[chat_id] = max(self.next_by_chat.get(chat_id, 0.0),
                                             answered + self.chat_gap(chat_id))
