"""The playground's clock: real time plus how far the visitor has moved it (forward only)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from bot.app.clock import utcnow


class MovableClock:
    """Runs with the wall clock and jumps forward on request; it never goes back, so every
    deadline the bot stored stays in the future or the past exactly as it would in real life."""

    def __init__(self, start_offset: timedelta = timedelta(0)) -> None:
        self._offset = start_offset
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return utcnow() + self._offset

    @property
    def offset(self) -> timedelta:
        with self._lock:
            return self._offset

    def advance_to(self, moment: datetime) -> datetime:
        """Move to `moment` if it lies ahead; a moment in the past leaves the clock as it is."""
        with self._lock:
            gap = moment - (utcnow() + self._offset)
            if gap > timedelta(0):
                self._offset += gap
            return utcnow() + self._offset
