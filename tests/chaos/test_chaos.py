"""Issue 13 §5: nothing a resident says is lost or doubled when the bot is killed.

Simulated residents (tests/chaos/residents.py) submit through the stand-in Bot API, which
refuses some sends with 429 or 5xx, while the bot's real processes (`python -m bot run`, or
two `run --webhook` replicas behind the stand-in's load balancer) are killed with SIGKILL at
five random moments and started again at once. Once the bot has caught up (every update done,
every owed message sent: waited for in the database), it is stopped and everything is judged
(tests/chaos/verdict.py): each confirmed submission is one ticket, each resident got each of
their numbers, each owed message went out, and again only if it was in flight at a kill (each
repeat has a kill before it; how many per kill is reported: decisions 4 allows one), the
audit log matches each ticket, no update is left undone, the processes logged no error but
the injected faults'. The figures are printed at the end of the session, and each run's
record (verdict.json, calls.log, the processes' logs) is left in the test's folder.

The seed (printed; CHAOS_SEED=<n> repeats it) decides the kill moments, the faults, the
residents' words and buttons. Each set-up is bounded to 3 minutes on 2 busy cores
(decisions 6): the issue's 500 submissions fit (about 110-150 s here, with the machine's
load between 2 and 5).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from bot.config import load_config
from bot.localapi import Call, LocalBotApi
from storage.db import make_engine
from storage.models import InboxUpdate, Outbox
from tests.chaos.processes import Fleet, chaos_config_file, polling_fleet, webhook_fleet
from tests.chaos.residents import Chats, Resident, plan
from tests.chaos.verdict import RAN, Verdict, judge
from tests.conftest import PG_SKIP_REASON, PG_URL, _truncate_all
from tests.e2e.test_run_webhook import free_port
from tests.waiting import WAIT, until

pytestmark = pytest.mark.chaos

RESIDENTS = list(range(7001, 7051))
SUBMISSIONS = 500
RATE = 8.0  # submissions started per second
KILLS = 5
FAULT_RATE = 0.05  # share of the bot's sends and edits the stand-in refuses (429, 500, 502)
# Failure bound for the bot to catch up once the residents are done: owed messages wait out
# their handler's grace and a killed sender's lease (15 s each), a webhook's retries back off.
SETTLE = 120.0


def chaos_seed() -> int:
    return int(os.environ.get("CHAOS_SEED") or random.SystemRandom().randrange(1, 1_000_000))


def kill_moments(rng: random.Random, duration: float) -> list[float]:
    """KILLS moments within the traffic (not at its very start or end), spaced at least a
    tenth of it apart (_kill_on_time waits for the bot to be back at work as well)."""
    while True:
        moments = sorted(rng.uniform(0.1 * duration, 0.85 * duration) for _ in range(KILLS))
        if all(b - a >= 0.1 * duration for a, b in itertools.pairwise(moments)):
            return moments


def _a_reply(call: Call) -> bool:
    return call.method in ("sendMessage", "editMessageText", "answerCallbackQuery")


async def _seen(api: LocalBotApi, what: Callable[[Call], bool], since: float,
                count: int = 1) -> list[Call]:
    """The first `count` calls the bot made since `since` that `what` picks, once made. Looked
    for every tenth of a second: the stand-in's own waits look every few milliseconds, too
    often for thousands of recorded calls on a busy machine."""
    found: list[Call] = []

    def made() -> bool:
        found[:] = [c for c in api.calls() if c.time >= since and c.ok and what(c)]
        return len(found) >= count

    await until(made, WAIT, lambda: f"{len(found)} of {count} calls since {since}", every=0.1)
    return found[:count]


async def _kill_on_time(api: LocalBotApi, fleet: Fleet, ready: str,
                        kills: list[tuple[float, tuple[str, ...]]], start: float,
                        rng: random.Random) -> None:
    """Each kill at its moment, or, if the processes killed before are not back at work by
    then (each has made `ready`'s call, and a reply went out since: on a busy machine a start
    takes seconds), at a random moment of their first seconds at work: each kill hits a bot
    at work, not one still starting, nor always its very first reply."""
    back: tuple[float, int] | None = None
    for at, names in kills:
        moment = start + at
        if back is not None:
            up = await _seen(api, lambda c: c.method == ready, *back)
            working = await _seen(api, _a_reply, up[-1].time)
            moment = max(moment, working[0].time + rng.uniform(0.2, 3.0))
        ahead = moment - time.monotonic()
        if ahead > 0:
            await asyncio.sleep(ahead)  # the seeded moment: chaos, not a wait for a state
        back = (time.monotonic(), len(names))
        fleet.kill_and_restart(names)


def _caught_up(engine: Engine, api: LocalBotApi) -> tuple[int, int]:
    """Updates pushed but not done in the inbox, and owed messages not sent."""
    with Session(engine) as s:
        done = set(s.exec(select(InboxUpdate.update_id).where(
            col(InboxUpdate.done_at).is_not(None))).all())
        pending = s.exec(select(func.count()).select_from(Outbox).where(
            Outbox.status == "pending")).one()
    return len(set(api.pushed()) - done), int(pending)


Victims = Callable[[random.Random, int], list[tuple[str, ...]]]


async def run_chaos(setup: str, api: LocalBotApi, fleet: Fleet, engine: Engine,
                    config_file: Path, ready: str, victims: Victims) -> Verdict:
    seed = chaos_seed()
    print(f"chaos {setup}: seed {seed} (CHAOS_SEED={seed} repeats this run)")
    rng = random.Random(seed)
    subs = plan(rng, RESIDENTS, SUBMISSIONS, RATE)
    kills = list(zip(kill_moments(rng, SUBMISSIONS / RATE), victims(rng, KILLS), strict=True))
    print(f"chaos {setup}: kills at {[(round(at, 1), names) for at, names in kills]} s")
    chats = Chats(asyncio.get_running_loop())
    api.subscribe(chats.listener)
    began = time.monotonic()
    fleet.start()
    try:
        await api.wait_for(ready, count=len(fleet.bots), timeout=WAIT)
        api.inject_faults(FAULT_RATE, seed)
        start = time.monotonic()
        people = [Resident(api, chats, r, random.Random(f"{seed}:{r}")) for r in RESIDENTS]
        await asyncio.gather(_kill_on_time(api, fleet, ready, kills, start, rng), *[
            person.run([sub for sub in subs if sub.resident == person.id], start)
            for person in people])
        residents_done = time.monotonic()
        await until(lambda: _caught_up(engine, api) == (0, 0), SETTLE,
                    lambda: "(updates undone, owed messages unsent) = "
                            f"{_caught_up(engine, api)}\n{fleet.logs()[-4000:]}", every=0.25)
        print(f"chaos {setup}: started in {start - began:.0f} s, residents done after "
              f"{residents_done - start:.0f} s, the bot caught up "
              f"{time.monotonic() - residents_done:.0f} s later")
        codes = fleet.stop()
    except BaseException:
        fleet.kill_all()
        raise
    finally:
        api.unsubscribe(chats.listener)
        # For whoever reads a failure: every call the bot made, and the kills among them.
        (config_file.parent / "calls.log").write_text("\n".join(
            [f"kill at +{k.monotonic - began:.3f}s: {k.names}" for k in fleet.kills]
            + [c.summary(began) for c in api.calls() if c.method != "getUpdates" or c.result]),
            encoding="utf-8")
    assert set(codes.values()) == {0}, (codes, fleet.logs()[-4000:])
    verdict = judge(setup, seed, engine, api, subs, fleet.kills, fleet.logs(),
                    load_config(config_file, env={}).tz, time.monotonic() - began)
    RAN.append(verdict.figures)
    (config_file.parent / "verdict.json").write_text(json.dumps(
        {"figures": verdict.figures.as_dict(), "broken": verdict.broken, **verdict.details},
        ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print(verdict.figures.line())
    return verdict


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return chaos_config_file(tmp_path)


@pytest.fixture
def pg(_pg_engine: Engine) -> Iterator[Engine]:
    _truncate_all(_pg_engine)
    yield _pg_engine


def _the_bot(rng: random.Random, kills: int) -> list[tuple[str, ...]]:
    return [("bot",)] * kills


def _replicas(rng: random.Random, kills: int) -> list[tuple[str, ...]]:
    """One replica at a time (the other carries on), and both at once for one of the kills."""
    both = rng.randrange(kills)
    return [("replica0", "replica1") if n == both else (rng.choice(["replica0", "replica1"]),)
            for n in range(kills)]


async def test_polling_on_sqlite_loses_and_doubles_nothing(tmp_path: Path,
                                                           config_file: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(url)
    try:
        with LocalBotApi() as api:
            fleet = polling_fleet(api, url, config_file, tmp_path)
            verdict = await run_chaos("polling on SQLite", api, fleet, engine,
                                      config_file, "getUpdates", _the_bot)
    finally:
        engine.dispose()
    assert not verdict.broken, "\n".join(verdict.broken)


@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
async def test_polling_on_postgresql_loses_and_doubles_nothing(
        pg: Engine, tmp_path: Path, config_file: Path) -> None:
    with LocalBotApi() as api:
        fleet = polling_fleet(api, str(PG_URL), config_file, tmp_path)
        verdict = await run_chaos("polling on PostgreSQL", api, fleet, pg,
                                  config_file, "getUpdates", _the_bot)
    assert not verdict.broken, "\n".join(verdict.broken)


@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
async def test_two_webhook_replicas_on_postgresql_lose_and_double_nothing(
        pg: Engine, tmp_path: Path, config_file: Path) -> None:
    # A delivery that failed (the replica it went to was killed) is retried at once on the
    # next replica, as a load balancer would; the backoff is for both being down.
    with LocalBotApi(webhook_retry=0.02, webhook_retry_max=0.5) as api:
        fleet = webhook_fleet(api, str(PG_URL), config_file, tmp_path, [free_port(), free_port()])
        verdict = await run_chaos("two webhook replicas on PostgreSQL", api, fleet, pg,
                                  config_file, "setWebhook", _replicas)
    assert not verdict.broken, "\n".join(verdict.broken)
