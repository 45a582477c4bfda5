"""Waiting for a state, never for a time.

Tests wait until what they need is true (a call the stand-in Bot API recorded, a row the
database holds), checked again and again. The bound is only there so a broken build fails
instead of hanging: it is generous (a machine with both cores busy and other suites running
can be very slow) and costs nothing when the test passes, which is at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

WAIT = 60.0  # seconds: the failure bound of every wait in the suite, never a pace


def _failed(timeout: float, why: Callable[[], object]) -> AssertionError:
    return AssertionError(f"condition not reached within {timeout:g} s {why()}".rstrip())


async def until(check: Callable[[], bool], timeout: float = WAIT,
                why: Callable[[], object] = lambda: "", every: float = 0.01) -> None:
    """Return as soon as `check()` is true (e.g. the database says X); `why()` explains a
    failure. Polls with short sleeps, so the event loop (and the bot on it) keeps running;
    `every` spaces a costly check (a query while other processes work)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() >= deadline:
            raise _failed(timeout, why)
        await asyncio.sleep(every)


def until_sync(check: Callable[[], bool], timeout: float = WAIT,
               why: Callable[[], object] = lambda: "") -> None:
    """`until` for tests whose bot runs in other threads or processes."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() >= deadline:
            raise _failed(timeout, why)
        time.sleep(0.01)
