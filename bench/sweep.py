"""One sweep with 100,000 open tickets against one with 1,000, both with 100 due, same run.

A sweep should cost what is due, not what is open: it range-scans the (next_action_at) index
and takes each due ticket in its own version-checked transaction. Each case's database is
built once and copied before every timed run, so each run finds the same 100 due tickets.
Prints both times and the ratio (target ≤ 1.5), on SQLite.

    python bench/sweep.py [--open 100000] [--small 1000] [--due 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from bot.config import Config, load_config
from bot.services.deps import Deps, StoppedClock
from bot.services.followups import sweep
from storage.db import create_schema, make_engine, uow_factory
from storage.models import Resident, Ticket, Volunteer

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: no quiet hours
VOLUNTEERS = 50
STATUSES = ("submitted", "assigned", "claimed", "in_progress", "resolved")
NEXT = {"submitted": "claim_timeout", "assigned": "accept_timeout", "claimed": "overdue",
        "in_progress": "progress_reminder", "resolved": "confirm_reminder"}


def _ticket(n: int, rng: random.Random, due: bool) -> dict[str, Any]:
    created = NOW - timedelta(hours=rng.randint(1, 24 * 30))
    status = "in_progress" if due else rng.choice(STATUSES)
    held = status not in ("submitted",)
    return {
        "source_key": f"bench:{n}", "kind": "complaint", "text": "楼道灯坏了，晚上看不见",
        "category": "repairs", "urgent": False, "needs_triage": False, "matched": [],
        "status": status, "community": "hx", "building": "b1", "photo_file_ids": [],
        "reporter_id": 1 + n % 1000, "assignee_id": 1 + n % VOLUNTEERS if held else None,
        "offered_in_group": not held, "created_at": created, "routed_at": created,
        "claimed_at": created if held else None,
        "last_progress_at": NOW - timedelta(hours=25) if due else created,
        "resolved_at": created if status == "resolved" else None,
        "due_at": NOW + timedelta(days=rng.randint(1, 7)),
        "accept_due_at": created + timedelta(hours=8),
        "next_action": "progress_reminder" if due else NEXT[status],
        # Not due: somewhere in the coming weeks. Due: in the last hour.
        "next_action_at": NOW - timedelta(minutes=rng.randint(1, 60)) if due
        else NOW + timedelta(minutes=rng.randint(1, 60 * 24 * 20)),
        "escalation_level": 0, "reopen_count": 0, "version": 0,
    }


def build(path: Path, open_tickets: int, due: int) -> None:
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    rng = random.Random(open_tickets)
    with engine.begin() as conn:
        conn.execute(insert(Volunteer), [
            {"tg_id": 500 + i, "name": f"志愿者{i}", "unit": "区税务局", "community": "hx",
             "categories": ["repairs"], "buildings": [], "max_open": 10_000, "active": True,
             "unreachable": False, "created_at": NOW, "updated_at": NOW}
            for i in range(VOLUNTEERS)])
        conn.execute(insert(Resident), [
            {"tg_id": 1_000_000 + i, "name": "", "unreachable": False, "created_at": NOW}
            for i in range(1000)])
        due_at = set(rng.sample(range(open_tickets), due))
        batch: list[dict[str, Any]] = []
        for n in range(open_tickets):
            batch.append(_ticket(n, rng, n in due_at))
            if len(batch) == 5000:
                conn.execute(insert(Ticket), batch)
                batch = []
        if batch:
            conn.execute(insert(Ticket), batch)
    engine.dispose()


def time_sweep(template: Path, work: Path, config: Config, due: int) -> float:
    shutil.copy(template, work)
    engine = make_engine(f"sqlite:///{work}")
    uows = uow_factory(engine)
    with uows() as uow:  # open the file and warm the connection pool outside the timing
        uow.session.get(Ticket, 1)
    deps = Deps(config, uows, StoppedClock(NOW))
    start = time.perf_counter()
    done = sweep(deps)
    elapsed = time.perf_counter() - start
    engine.dispose()
    assert sum(done.values()) == due, done
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    config = load_config(env={})
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.db", Path(tmp) / "small.db"
        start = time.perf_counter()
        build(big, args.open, args.due)
        build(small, args.small, args.due)
        print(f"built {args.open:,} and {args.small:,} open tickets "
              f"in {time.perf_counter() - start:.1f}s")
        best = {"big": float("inf"), "small": float("inf")}
        for round_ in range(args.rounds):
            # Alternate the order so neither case always runs on the warmer machine.
            order = ["small", "big"] if round_ % 2 == 0 else ["big", "small"]
            for name in order:
                template = big if name == "big" else small
                took = time_sweep(template, Path(tmp) / "work.db", config, args.due)
                best[name] = min(best[name], took)
    ratio = best["big"] / best["small"]
    print(f"sweep, {args.small:,} open / {args.due} due:  {best['small'] * 1000:8.1f} ms")
    print(f"sweep, {args.open:,} open / {args.due} due: {best['big'] * 1000:8.1f} ms")
    print(f"ratio big/small: {ratio:.2f}  (target ≤ 1.5: {'met' if ratio <= 1.5 else 'NOT met'})")


if __name__ == "__main__":
    main()
