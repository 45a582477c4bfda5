"""The clocks: the system's, and one that moves only when told (tests, the playground).
Both are bot.services.deps.Clock, which is what services and the sender ask for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    """Timezone-aware UTC: the form every datetime takes in the database."""
    return datetime.now(UTC)


class SystemClock:
    def now(self) -> datetime:
        return utcnow()


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 2, 1, 0, 0, tzinfo=UTC)  # 09:00 in Shanghai

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("ManualClock takes timezone-aware datetimes")
        self._now = moment
