"""Daily digest numbers (build_digest, no chart) on 10,000 vs 1,000,000 tickets.

    python bench/digest.py [--runs N] [--sizes 10000,1000000] [--explain]

Both ticket sets span the same five years ending at the digest's "now" (so 1M means 100×
as many tickets per day, in every window), mostly closed, some still open or overdue, a tenth
in other communities, with their claim/resolve events. Each set goes into its own SQLite file
(schema from storage.models, no ANALYZE: the bot never runs it) in a temporary directory. The
rows go in by hand, so the per-day tallies the bot keeps as it works are then counted from them
(storage.tallies.ensure_tallies, as on the first start after an upgrade; its time is printed).

Targets for the 1M set: build_digest within 2 s and within 300 MB, and at most 2× the 10k
time. Times are the best of --runs, because on a shared machine the slow runs measure the
neighbours. Memory is measured twice: the tracemalloc peak (Python objects only) and the
growth of the process's peak RSS during the call (SQLite's page cache included).
--explain prints each query's time and SQLite's plan. Always exits 0.
"""

from __future__ import annotations

import argparse
import gc
import random
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, event  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bot.config import CATEGORY_CODES, load_config  # noqa: E402
from bot.digest.numbers import build_digest  # noqa: E402
from storage.db import create_schema, make_engine  # noqa: E402
from storage.tallies import ensure_tallies  # noqa: E402

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, when the digest goes out
DAY = date(2026, 11, 2)
SPAN = timedelta(days=5 * 365)
COMMUNITY = "hx"
OTHERS = ("qt", "ly", "dx")  # other communities share the table (10% of the tickets)
VOLUNTEERS = {COMMUNITY: 40, "qt": 10, "ly": 10, "dx": 10}
TARGET_SECONDS, TARGET_RATIO, TARGET_MB = 2.0, 2.0, 300
BATCH = 20_000
CATEGORY_WEIGHTS = (20, 25, 10, 6, 8, 4, 2, 6, 6, 3, 4, 3, 3)  # in CATEGORY_CODES order
TICKET_COLUMNS = (
    "id", "kind", "text", "category", "urgent", "needs_triage", "matched", "status",
    "community", "building", "photo_file_ids", "assignee_id", "offered_in_group", "created_at",
    "routed_at", "claimed_at", "resolved_at", "closed_at", "accept_due_at", "due_at",
    "escalation_level", "reopen_count", "rating", "close_reason", "version",
)
EVENT_COLUMNS = ("ticket_id", "actor_kind", "actor_tg_id", "action", "from_status", "to_status",
                 "at")
HOUR = 3600
DAY_S = 86400


def _stamp(seconds: float) -> str:
    """Seconds since NOW - SPAN as SQLAlchemy stores a UTC datetime in SQLite."""
    moment = NOW - SPAN + timedelta(seconds=int(seconds))
    return f"{moment:%Y-%m-%d %H:%M:%S}.000000"


def _volunteer_rows() -> Iterator[tuple[Any, ...]]:
    number = 0
    created = _stamp(0)
    for community, count in VOLUNTEERS.items():
        for _ in range(count):
            number += 1
            yield (number, 8_000_000 + number, f"志愿者{number}", "区税务局", community, "[]",
                   "[]", 3, 1, 0, created, created)


def _first_volunteer(community: str) -> int:
    first = 1
    for name, count in VOLUNTEERS.items():
        if name == community:
            return first
        first += count
    raise KeyError(community)


def _ticket(rng: random.Random, number: int, created: float, end: float,
            final: bool = False) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """One ticket row and its events, consistent with `end` (now); `final`: long since closed."""
    community = COMMUNITY if rng.random() < 0.9 else rng.choice(OTHERS)
    category = rng.choices(CATEGORY_CODES, CATEGORY_WEIGHTS)[0]
    urgent = rng.random() < 0.02
    age = end - created
    claimed = created + rng.expovariate(1 / (3 * HOUR))
    resolved = claimed + rng.uniform(HOUR, 8 * DAY_S)
    closed = resolved + rng.uniform(0, 72 * HOUR)
    r = rng.random()
    if final:
        status = "cancelled" if r < 0.03 else "closed_unresolved" if r < 0.11 else "closed"
    elif age > 30 * DAY_S:  # old: almost everything is final; a few were forgotten
        status = ("reopened" if r < 0.001 else "in_progress" if r < 0.002 else
                  "submitted" if r < 0.003 else "cancelled" if r < 0.03 else
                  "closed_unresolved" if r < 0.11 else "closed")
    else:
        status = ("submitted" if r < 0.05 else "assigned" if r < 0.08 else
                  "claimed" if r < 0.16 else "in_progress" if r < 0.26 else
                  "reopened" if r < 0.27 else "resolved" if r < 0.35 else
                  "cancelled" if r < 0.38 else "closed_unresolved" if r < 0.45 else "closed")
    # A life cannot run past now: step back to the last stage already reached.
    if status in ("closed", "closed_unresolved") and closed > end:
        status = "resolved"
    if status == "resolved" and resolved > end:
        status = "in_progress"
    if status in ("claimed", "in_progress", "reopened") and claimed > end:
        status = "submitted"
    cancelled_at = created + rng.uniform(0.2 * HOUR, 12 * HOUR)
    if status == "cancelled" and cancelled_at > end:
        status = "submitted"

    held = status not in ("submitted", "cancelled") and not (
        status == "reopened" and rng.random() < 0.5)
    was_claimed = status not in ("submitted", "assigned", "cancelled")
    volunteer = _first_volunteer(community) + rng.randrange(VOLUNTEERS[community])
    tg_id = 8_000_000 + volunteer
    rating = None
    if status == "closed" and rng.random() < 0.7:
        rating = rng.choices((1, 2, 3, 4, 5), (3, 3, 8, 30, 56))[0]
    final_at = closed if status in ("closed", "closed_unresolved") else (
        cancelled_at if status == "cancelled" else None)
    limit = 2 * HOUR if urgent else 7 * DAY_S
    row = (
        number, "complaint", f"工单{number}", category, int(urgent), 0, "[]", status,
        community, f"b{rng.randrange(1, 30)}", "[]", volunteer if held else None, 0,
        _stamp(created), _stamp(created + 60), _stamp(claimed) if was_claimed else None,
        _stamp(resolved) if status in ("resolved", "closed") else None,
        _stamp(final_at) if final_at is not None else None,
        _stamp(created + 2 * HOUR), _stamp(created + limit), 0, int(status == "reopened"),
        rating, rng.choice(("not_our_duty", "duplicate", "unable"))
        if status == "closed_unresolved" else None, 0,
    )
    events = []
    if was_claimed:
        events.append((number, "volunteer", tg_id, rng.choice(("accept", "claim")),
                       "assigned", "claimed", _stamp(claimed)))
    if status in ("resolved", "closed"):
        events.append((number, "volunteer", tg_id, "resolve", "in_progress", "resolved",
                       _stamp(resolved)))
    return row, events


def populate(path: Path, count: int, history: int = 0, seed: int = 11) -> Engine:
    """`count` tickets over SPAN up to NOW plus `history` closed ones at least 60 days old."""
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    engine.dispose()
    rng = random.Random(seed)
    end = SPAN.total_seconds()
    # Numbers follow creation order, as they do in the bot.
    created = sorted(
        [(rng.uniform(0, end - 60), False) for _ in range(count)]
        + [(rng.uniform(0, end - 60 * DAY_S), True) for _ in range(history)]
    )
    count += history
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA synchronous=OFF")
    raw.execute("PRAGMA cache_size=-200000")
    vol_cols = ("id", "tg_id", "name", "unit", "community", "categories", "buildings",
                "max_open", "active", "unreachable", "created_at", "updated_at")
    raw.executemany(_insert("volunteer", vol_cols), list(_volunteer_rows()))
    ticket_sql = _insert("ticket", TICKET_COLUMNS)
    event_sql = _insert("ticketevent", EVENT_COLUMNS)
    for start in range(0, count, BATCH):
        tickets, events = [], []
        for number in range(start + 1, min(start + BATCH, count) + 1):
            moment, final = created[number - 1]
            row, evs = _ticket(rng, number, moment, end, final)
            tickets.append(row)
            events.extend(evs)
        raw.executemany(ticket_sql, tickets)
        raw.executemany(event_sql, events)
    raw.commit()
    raw.close()
    return make_engine(f"sqlite:///{path}")


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return (f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})")


def run_once(engine: Engine, config: Any) -> float:
    with Session(engine) as session:
        started = time.perf_counter()
        build_digest(session, config, COMMUNITY, DAY, NOW)
        return time.perf_counter() - started


def best_time(engine: Engine, config: Any, runs: int) -> float:
    return min(run_once(engine, config) for _ in range(max(1, runs)))


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def memory(engine: Engine, config: Any) -> tuple[float, float | None]:
    """(tracemalloc peak MB, peak-RSS growth MB or None) of one build_digest call."""
    gc.collect()
    rss_growth = None
    try:  # Linux: writing 5 resets the peak RSS (VmHWM) to the current RSS
        Path("/proc/self/clear_refs").write_text("5")
        before = _status_kb("VmRSS")
        run_once(engine, config)
        after = _status_kb("VmHWM")
        if before is not None and after is not None:
            rss_growth = (after - before) / 1024
    except OSError:
        pass
    tracemalloc.start()
    run_once(engine, config)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, rss_growth


def explain(engine: Engine, config: Any) -> None:
    """Each query's time and SQLite's plan, slowest first."""
    timings: list[tuple[float, str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        conn.info["started"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        timings.append((time.perf_counter() - conn.info["started"], statement, params))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        run_once(engine, config)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    raw = engine.raw_connection()
    try:
        for seconds, statement, params in sorted(timings, key=lambda t: t[0], reverse=True):
            print(f"\n--- {seconds * 1000:8.1f} ms\n{' '.join(statement.split())[:300]}")
            for row in raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, params):
                print("    ", row[-1])
    finally:
        raw.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per set (default 20)")
    parser.add_argument("--sizes", default="10000,1000000", help="small,large ticket counts")
    parser.add_argument("--explain", action="store_true", help="query times and plans (large)")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the databases in this folder")
    args = parser.parse_args(argv)
    small, large = (int(s) for s in args.sizes.split(","))
    config = load_config()
    sets = {  # name -> (tickets spread over five years, old closed tickets added)
        "small": (small, 0),
        "large": (large, 0),
        "history": (small, large - small),
    }

    with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        engines = {}
        for name, (count, history) in sets.items():
            path = folder / f"tickets-{count}-{history}.db"
            if path.exists():
                engines[name] = make_engine(f"sqlite:///{path}")
                create_schema(engines[name])  # a kept file from an older version: upgrade it
                print(f"{name:>8}: reusing {path}")
            else:
                started = time.perf_counter()
                engines[name] = populate(path, count, history)
                print(f"{name:>8}: {count + history:>9,} tickets inserted in "
                      f"{time.perf_counter() - started:5.1f} s "
                      f"({path.stat().st_size / 2**20:,.0f} MB)")
            # The rows went in by hand, so the per-day tallies the bot keeps as it goes are
            # counted here, as the bot does on its first start after an upgrade.
            started = time.perf_counter()
            if ensure_tallies(engines[name], config.tz, NOW):
                print(f"{name:>8}: tallies counted from the tickets in "
                      f"{time.perf_counter() - started:5.1f} s")
        for engine in engines.values():
            run_once(engine, config)  # warm-up: imports, statement compilation

        # Runs alternate between the sets, so a slow spell on the machine hits all of them.
        times: dict[str, list[float]] = {name: [] for name in sets}
        for _ in range(max(1, args.runs)):
            for name, engine in engines.items():
                times[name].append(run_once(engine, config))
        best = {name: min(values) for name, values in times.items()}
        traced_mb, rss_mb = memory(engines["large"], config)

        def verdict(ok: bool) -> str:
            return "met" if ok else "NOT met"

        runs = f"best of {len(times['small'])}"
        print(f"build_digest, {small:,} tickets over five years:  "
              f"{best['small'] * 1000:7.1f} ms ({runs})")
        print(f"build_digest, {large:,} tickets over five years: "
              f"{best['large'] * 1000:7.1f} ms ({runs})  "
              f"(target < {TARGET_SECONDS:.0f} s: {verdict(best['large'] < TARGET_SECONDS)})")
        ratio = best["large"] / best["small"]
        print(f"ratio large/small = {ratio:.2f}  "
              f"(target ≤ {TARGET_RATIO:.0f}: {verdict(ratio <= TARGET_RATIO)})")
        print(f"  note: with the same spread every window the digest must read (yesterday, 30 "
              f"days, 14 days, the open tickets) holds {large // small}× the tickets")
        history_ratio = best["history"] / best["small"]
        print(f"control: the {small:,} plus {large - small:,} old closed tickets: "
              f"{best['history'] * 1000:7.1f} ms, ratio to small = {history_ratio:.2f}  "
              f"(table size alone; target ≤ {TARGET_RATIO:.0f}: "
              f"{verdict(history_ratio <= TARGET_RATIO)})")
        rss_text = "n/a" if rss_mb is None else f"{rss_mb:.1f} MB"
        worst = max(traced_mb, rss_mb or 0.0)
        print(f"memory of one build_digest on {large:,}: tracemalloc peak {traced_mb:.1f} MB, "
              f"peak RSS growth {rss_text}  (target < {TARGET_MB} MB: "
              f"{verdict(worst < TARGET_MB)})")
        if args.explain:
            explain(engines["large"], config)
        for engine in engines.values():
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
