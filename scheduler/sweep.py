"""The ticker: every `sweep_interval` it asks the database what is due and acts on it.

Nothing that matters lives in the scheduler: deadlines are columns, digests are rows, and a
restart or a second replica finds the same work in the database (each item taken once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass, field

from telegram.ext import Application, ContextTypes

from bot.ops.metrics import Metrics
from bot.services.deps import Deps
from bot.services.digests import owe_due_digests
from bot.services.followups import sweep
from bot.services.inbox import forget_old_updates

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    followups: Counter[str] = field(default_factory=Counter)
    digests: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.followups or self.digests)


def sweep_once(deps: Deps) -> SweepReport:
    """One pass: due follow-ups, then any digest owed today (both at one moment); handled
    updates' ids past keeping are dropped from the inbox."""
    at = deps.at(deps.clock.now())
    report = SweepReport(sweep(at), owe_due_digests(at))
    forget_old_updates(at)
    if report:
        log.info("sweep: %s; digests for %s", dict(report.followups), report.digests)
    return report


async def sweep_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue callback: run a pass off the event loop, then wake the outbox sender. Each
    pass is timed for /metrics, and its end is what /healthz calls the last sweep."""
    deps: Deps = context.bot_data["deps"]
    metrics: Metrics | None = context.bot_data.get("metrics")
    started = time.monotonic()
    try:
        # The pass is blocking database work; in a thread, handlers keep answering meanwhile.
        report = await asyncio.to_thread(sweep_once, deps)
    except Exception:  # a database hiccup: the next tick tries again, nothing is lost
        log.exception("sweep failed")
        if metrics is not None:
            metrics.sweep_done(time.monotonic() - started, ok=False)
        return
    if metrics is not None:
        metrics.sweep_done(time.monotonic() - started)
    if report:
        deps.wake_sender()


def schedule_sweep(app: Application) -> None:
    """Tick every sweep_interval; APScheduler never runs two passes of one process at once."""
    deps: Deps = app.bot_data["deps"]
    interval = deps.config.followups.sweep_interval.total_seconds()
    assert app.job_queue is not None, "python-telegram-bot[job-queue] is required"
    app.job_queue.run_repeating(
        sweep_job, interval=interval, first=interval, name="sweep",
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )
