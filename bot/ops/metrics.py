"""The bot's Prometheus metrics, one registry per application (tests build many in a process;
the global default registry would mix them).

Counters are incremented where things happen: the update processor counts updates handled
(handlers/ordering.py), an error handler those that failed (bot/app/application.py), the outbox
sender each row's result (scheduler/dispatch.py, `on_result`), the sweep job each pass
(scheduler/sweep.py). What lives in the database (the outbox's backlog, tickets by state) is
read when Prometheus scrapes, by a storage query (bot/services/health.py): no loop keeps it.

There is no inbox yet (issue 13 §1 adds it): its backlog gauges come with it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

# What the outbox sender did with a row (scheduler/dispatch.py): sent; failed (Telegram refused
# it for good, or it cannot be rendered); unreachable (the person blocked the bot); retry (5xx
# or network error: back to pending); flood (429: back to pending, every send paused).
SEND_RESULTS = ("sent", "failed", "unreachable", "retry", "flood")
SWEEP_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class DbSnapshot:
    """What the database says at scrape time (bot/services/health.py reads it)."""

    outbox_due: int  # owed messages due now and not sent yet
    outbox_scheduled: int  # owed messages due later (quiet hours)
    outbox_oldest_due_age: float  # seconds the oldest due one has waited (0: none)
    outbox_last_sent_age: float | None  # seconds since the latest send (None: none seen)
    tickets: Sequence[tuple[str, str, int]] = field(default=())  # (community, state, count)
    inbox_undone: int = 0  # updates stored and not handled yet (storage/inbox.py)
    inbox_oldest_age: float = 0.0  # seconds the oldest of them has waited (0: none)


class Metrics:
    """One application's metrics. `monotonic` is injectable: the sweep's age is real time
    (an operator's question: is the ticker alive?), whatever clock the bot reads."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.registry = CollectorRegistry()
        self._monotonic = monotonic
        self._started = monotonic()
        self._last_sweep: float | None = None
        self._lock = threading.Lock()
        r = self.registry
        self.updates_handled = Counter(
            "bot_updates_handled", "Updates whose handling ended (failed ones included)",
            registry=r)
        self.updates_failed = Counter(
            "bot_updates_failed", "Updates whose handler raised (the person was asked to try "
            "again)", registry=r)
        self.sends = Counter(
            "bot_outbox_sends", "Owed messages the outbox sender settled or put back, by result",
            ["result"], registry=r)
        for result in SEND_RESULTS:
            self.sends.labels(result)  # every result shown from the start, at 0
        self.sweep_duration = Histogram(
            "bot_sweep_duration_seconds", "How long a pass of the follow-up sweep took",
            buckets=SWEEP_BUCKETS, registry=r)
        self.sweep_failures = Counter(
            "bot_sweep_failures", "Sweep passes that raised (the next tick tries again)",
            registry=r)
        Gauge("bot_sweep_age_seconds", "Seconds since the last sweep pass completed (since "
              "the start before the first)", registry=r).set_function(self.sweep_age)

    # ---- where things happen -----------------------------------------------------------

    def update_handled(self) -> None:
        self.updates_handled.inc()

    def update_failed(self) -> None:
        self.updates_failed.inc()

    def sent(self, result: str) -> None:
        """The outbox sender's hook (Dispatcher.on_result)."""
        self.sends.labels(result if result in SEND_RESULTS else "failed").inc()

    def sweep_done(self, seconds: float, ok: bool = True) -> None:
        self.sweep_duration.observe(seconds)
        if ok:
            with self._lock:
                self._last_sweep = self._monotonic()
        else:
            self.sweep_failures.inc()

    def sweep_age(self) -> float:
        """Seconds since the last pass completed; since the start before the first one."""
        with self._lock:
            since = self._last_sweep if self._last_sweep is not None else self._started
        return max(0.0, self._monotonic() - since)

    # ---- scrape time -------------------------------------------------------------------

    def watch_database(self, snapshot: Callable[[], DbSnapshot]) -> None:
        """Read the database's gauges through `snapshot` at every scrape."""
        self.registry.register(_DatabaseCollector(snapshot))

    def exposition(self) -> bytes:
        """The text Prometheus scrapes. Runs the database snapshot: call it off the loop."""
        return generate_latest(self.registry)


class _DatabaseCollector(Collector):
    def __init__(self, snapshot: Callable[[], DbSnapshot]) -> None:
        self._snapshot = snapshot

    def describe(self) -> Iterable[Metric]:
        return []  # nothing to read at registration: the database is asked at scrape time

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("bot_database_up", "1 when the scrape's database query worked")
        try:
            snap = self._snapshot()
        except Exception:  # the scrape still shows the counters, and that the database failed
            log.exception("metrics: the database snapshot failed")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("bot_outbox_backlog", "Owed messages due now and not sent yet",
                                value=snap.outbox_due)
        yield GaugeMetricFamily("bot_outbox_oldest_age_seconds",
                                "How long the oldest due, unsent message has waited (0: none)",
                                value=snap.outbox_oldest_due_age)
        yield GaugeMetricFamily("bot_outbox_scheduled",
                                "Owed messages held for later (quiet hours)",
                                value=snap.outbox_scheduled)
        if snap.outbox_last_sent_age is not None:
            yield GaugeMetricFamily("bot_outbox_last_sent_age_seconds",
                                    "Seconds since the latest message the outbox sent",
                                    value=snap.outbox_last_sent_age)
        yield GaugeMetricFamily("bot_inbox_backlog",
                                "Updates stored and not handled yet", value=snap.inbox_undone)
        yield GaugeMetricFamily("bot_inbox_oldest_age_seconds",
                                "How long the oldest unhandled update has waited (0: none)",
                                value=snap.inbox_oldest_age)
        tickets = GaugeMetricFamily("bot_tickets", "Tickets by community and state",
                                    labels=["community", "state"])
        for community, state, count in snap.tickets:
            tickets.add_metric([community, state], count)
        yield tickets
