"""The outbox sender at full stretch: 2,000 queued notices to 200 chats, Telegram's limits enforced.

The stand-in Bot API server answers 429 to any message past Telegram's limits (30 a second over
all chats, 20 a minute per group, one a second per private chat). The Dispatcher, as the bot
runs it, sends the whole queue; the server's record of the calls gives the achieved rate
against the 30/s ceiling (target ≥ 0.9 of it) and the number of 429s the bot's own pace
provoked (target 0). It also checks that every notice arrived exactly once, in order per chat.

    python bench/dispatch.py [--rows 2000] [--chats 200] [--groups 4] [--latency 0.0]
                             [--database-url sqlite:///... | postgresql://...]

--latency adds a delay to every answer of the stand-in server (real Telegram is 50-300 ms
away), to show that a slow network costs little speed and no 429s.
2,000 messages at 30/s take a little over a minute. Always exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.app.clock import ManualClock
from bot.config import load_config
from bot.localapi import Call, LocalBotApi
from bot.services.deps import Deps, StoppedClock
from bot.services.residents import NewTicket, submit_ticket
from scheduler.dispatch import Dispatcher
from scheduler.pacing import Limits
from storage.db import create_schema, make_engine, uow_factory
from storage.models import Outbox
from storage.schema import drop_schema

TOKEN = "123456:BENCH"
NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: no quiet hours
TARGET_RATIO = 0.9
MARK = "有新进展："


def queue_rows(url: str, rows: int, chats: list[int]) -> None:
    """A ticket to report progress on, then `rows` progress notices spread over `chats`."""
    engine = make_engine(url)
    if url.startswith("postgresql"):
        drop_schema(engine)
    create_schema(engine)
    uows = uow_factory(engine)
    config = load_config(env={})
    new = NewTicket(text="3号楼楼道灯坏了", kind="complaint", category="repairs", urgent=False,
                    community="hx", building="b1")
    deps = Deps(config, uows, StoppedClock(NOW))
    number = submit_ticket(deps, 900, new, reporter_name="王阿姨").id
    with uows() as uow:
        uow.session.exec(delete(Outbox))  # what the ticket itself owes is not measured here
        uow.session.add_all(
            Outbox(chat_id=chats[i % len(chats)], notice="progress", ticket_id=number,
                   payload={"note": f"{chats[i % len(chats)]}/{i // len(chats)}"},
                   created_at=NOW, not_before=NOW)
            for i in range(rows))
        uow.commit()
    engine.dispose()


async def send_all(api: LocalBotApi, url: str, rows: int) -> float:
    """Run the Dispatcher until the server has every message; the seconds it took."""
    engine = make_engine(url)
    config = load_config(env={})
    # Connection pool as large as the Application's (ApplicationBuilder's default).
    async with Bot(TOKEN, base_url=f"{api.url}/bot",
                   request=HTTPXRequest(connection_pool_size=256)) as bot:
        dispatcher = Dispatcher(bot, uow_factory(engine), config, ManualClock(NOW), Limits())
        api.clear()
        start = time.monotonic()
        task = asyncio.create_task(dispatcher.run_forever())
        try:
            await api.wait_for("sendMessage", count=rows, timeout=rows / 10 + 60)
            elapsed = time.monotonic() - start
            await api.wait_idle(quiet=0.5)  # anything sent twice would show up by now
        finally:
            dispatcher.stop()
            await task
    engine.dispose()
    return elapsed


def busiest(times: list[float], window: float) -> int:
    """Most messages the server received within any `window` seconds."""
    most, first = 0, 0
    for last, t in enumerate(times):
        while times[first] <= t - window:
            first += 1
        most = max(most, last - first + 1)
    return most


def closest(calls: list[Call], groups: bool) -> float:
    """Shortest time between two messages to the same chat (private or group chats)."""
    by_chat: dict[int, list[float]] = defaultdict(list)
    for call in calls:
        if call.chat_id is not None and (call.chat_id < 0) == groups:
            by_chat[call.chat_id].append(call.time)
    gaps = [b - a for times in by_chat.values() for a, b in itertools.pairwise(times)]
    return min(gaps, default=float("nan"))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--groups", type=int, default=4, help="how many of the chats are groups")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds the stand-in server waits before each answer")
    parser.add_argument("--database-url", default="",
                        help="default: a fresh SQLite file; a PostgreSQL database is wiped")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    private = [3_000_000 + i for i in range(args.chats - args.groups)]
    groups = [-1_009_000_000 - i for i in range(args.groups)]
    chats = private + groups
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'dispatch.db'}"
        queue_rows(url, args.rows, chats)
        with LocalBotApi(enforce_limits=True, latency=args.latency) as api:
            elapsed = await send_all(api, url, args.rows)
            calls = api.calls("sendMessage")
            violations = list(api.limit_violations)

    delivered = [c for c in calls if c.ok]
    times = sorted(c.time for c in delivered)
    per_chat: dict[int, list[str]] = defaultdict(list)
    for call in delivered:
        per_chat[call.chat_id or 0].append(str(call.params.get("text", "")).split(MARK)[-1])
    expected = {chat: [f"{chat}/{n}" for n in range(args.rows // len(chats)
                                                     + (k < args.rows % len(chats)))]
                for k, chat in enumerate(chats)}
    once_in_order = dict(per_chat) == expected
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    rate = (len(times) - 1) / span
    ratio = rate / Limits().per_second
    print(f"queued: {args.rows} notices to {len(chats)} chats ({len(private)} private, "
          f"{len(groups)} groups); stand-in server enforcing Telegram's limits, "
          f"answer delay {args.latency * 1000:.0f} ms; database "
          f"{'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}")
    print(f"delivered: {len(delivered)} in {elapsed:.1f} s; each exactly once and in order per "
          f"chat: {'yes' if once_in_order else 'NO'}")
    print(f"achieved rate: {rate:.2f} messages/s = {ratio:.3f} of the 30/s ceiling "
          f"(target ≥ {TARGET_RATIO}: {'met' if ratio >= TARGET_RATIO else 'NOT met'})")
    print(f"429s provoked by the bot's pace: {len(violations)} "
          f"(target 0: {'met' if not violations else 'NOT met'})")
    print(f"busiest 1 s window: {busiest(times, 1.0)} messages; closest two messages to one "
          f"private chat: {closest(delivered, False):.2f} s, to one group: "
          f"{closest(delivered, True):.2f} s")


if __name__ == "__main__":
    asyncio.run(main())
