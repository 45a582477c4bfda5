"""/healthz and the database's side of /metrics: what the outbox owes, when it last sent,
tickets by state (storage/monitoring.py), and whether that makes the bot stale.

Stale means: the follow-up sweep has not completed for [ops] sweep_stale_after (its age is
measured by the caller in real time, bot/ops/metrics.py), or an owed message has been due for
[ops] send_stale_after while nothing was sent for as long (a sender busy with a backlog is not
stale; one that sends nothing while residents wait is). The database not answering is stale too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from bot.ops.metrics import DbSnapshot
from bot.services.deps import Deps
from bot.services.template import Tx, query
from storage.db import SQLAlchemyError
from storage.monitoring import (
    inbox_backlog,
    last_sent_at,
    outbox_backlog,
    ping,
    tickets_by_state,
)


@dataclass(frozen=True)
class Health:
    ok: bool
    reason: str  # "ok", or what is stale, in a few words
    database: bool
    sweep_age: float  # seconds
    last_send_age: float | None  # seconds since the latest send (None: none among the latest)
    outbox_backlog: int | None  # owed messages due and unsent (None: the database failed)
    outbox_oldest_age: float | None  # seconds the oldest of them has waited

    def as_dict(self) -> dict[str, Any]:
        found = {"status": "ok" if self.ok else "stale", **asdict(self)}
        del found["ok"]
        return {k: (round(v, 1) if isinstance(v, float) else v) for k, v in found.items()}


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else max(0.0, (now - then).total_seconds())


@query
def _outbox(tx: Tx) -> tuple[int, float, float | None]:
    ping(tx.session)
    due, _held, oldest = outbox_backlog(tx.session, tx.now)
    return due, _age(tx.now, oldest) or 0.0, _age(tx.now, last_sent_at(tx.session))


def check_health(deps: Deps, sweep_age: float) -> Health:
    """Is this bot alive: database, sweep, sender (blocking database work: call off the loop)."""
    ops = deps.config.ops
    try:
        backlog, oldest, last_send = _outbox(deps)
    except SQLAlchemyError:
        return Health(False, "database unreachable", False, sweep_age, None, None, None)
    reason = "ok"
    sweep_limit = ops.sweep_stale_after.total_seconds()
    send_limit = ops.send_stale_after.total_seconds()
    if sweep_age > sweep_limit:
        reason = f"sweep stale: last pass {sweep_age:.0f} s ago (limit {sweep_limit:.0f} s)"
    elif oldest > send_limit and (last_send is None or last_send > send_limit):
        reason = (f"sender stale: a message due {oldest:.0f} s ago is unsent and nothing was "
                  f"sent for {send_limit:.0f} s")
    return Health(reason == "ok", reason, True, sweep_age, last_send, backlog, oldest)


@query
def database_snapshot(tx: Tx) -> DbSnapshot:
    """The database's gauges for /metrics (bot/ops/metrics.py reads them at scrape time)."""
    due, held, oldest = outbox_backlog(tx.session, tx.now)
    undone, oldest_update = inbox_backlog(tx.session)
    return DbSnapshot(
        inbox_undone=undone, inbox_oldest_age=_age(tx.now, oldest_update) or 0.0,
        outbox_due=due, outbox_scheduled=held,
        outbox_oldest_due_age=_age(tx.now, oldest) or 0.0,
        outbox_last_sent_age=_age(tx.now, last_sent_at(tx.session)),
        tickets=tickets_by_state(tx.session))
