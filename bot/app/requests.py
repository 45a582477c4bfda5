"""The HTTP client every Bot API call goes through: at most `in_flight` requests at once.

Why: httpx's connection pool (httpcore 1.0) does work proportional to the square of its open
connections on every request it starts or finishes (it counts the idle ones once per idle
connection). A bot answering 300 residents at once with a pool of 256 spends more time in
that bookkeeping than in sending. A handful of keep-alive connections carry everything a bot
may send (Telegram allows ~30 messages a second in all); callers past the limit wait in an
asyncio.Semaphore, which costs nothing per waiter, instead of in the pool's queue, which is
scanned on every change.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.request import HTTPXRequest

IN_FLIGHT = 16


class BoundedRequest(HTTPXRequest):
    """HTTPXRequest with at most `in_flight` requests open at once (see the module doc)."""

    def __init__(self, in_flight: int = IN_FLIGHT, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=in_flight, **kwargs)
        self._in_flight = in_flight
        self._gate = asyncio.Semaphore(in_flight)

    async def initialize(self) -> None:
        # A new gate per start: a semaphore belongs to the event loop it first waited in.
        self._gate = asyncio.Semaphore(self._in_flight)
        await super().initialize()

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        async with self._gate:
            return await super().do_request(*args, **kwargs)
