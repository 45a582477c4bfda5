"""Residents' submission flow: the project against a calls-only bot and a bare echo bot (issue 12).

Each run starts the three bots one after another (the order rotated per run), each in its own
process (bench/intake_bots.py) polling the stand-in Bot API that this process serves over
HTTP (bot/localapi). N residents (300) write at once, and every bot is driven the same way from
outside (bench/intake_residents.py): the text; a press of the 确认提交 button on the message
carrying it; a press of a building button on the message asking 您住在哪个楼院; a resident is
done when the message with the ticket number (已提交，编号 N) arrives. 3 updates per resident:
updates/s is 3N over the time from the first text to the last ticket number.

- echo: one sendMessage per update (PTB's defaults): what any bot at all costs;
- calls-only: per update the Bot API calls the project makes, recorded from the project itself
  first (printed), with the same texts and keyboards; no database, no classifier;
- project: its run path on SQLite in a temporary folder, each resident welcomed as after
  /start (no building known, so it asks), Telegram's limits lifted for it as for the
  calls-only bot (docs: /work/shared/decisions.md 3; the stand-in enforces none here).
Target: project ≥ 0.7 × calls-only, median of the runs.

The same run on other set-ups (issue 13), still reported as ratios to the calls-only bot
measured in the same run, beside it:

- --database-url postgresql://…: the project on that PostgreSQL database instead of SQLite.
  Before each run the bench drops the bot's tables and Alembic's revision there
  (storage.schema.drop_schema; nothing else in the database) and the project's `run` creates
  them again. Use a database of its own: the suite's `test` is refused. The PostgreSQL server
  processes serving the bot's connections do work SQLite does inside the bot: their CPU time
  is printed beside the project's ("+ PostgreSQL's"), read from /proc for the pids in
  pg_stat_activity (a server on this machine; a connection closed mid-run is missed).
- --webhook-replicas N: the project as N `python -m bot run --webhook` processes (N ≥ 2 needs
  --database-url: replicas share one PostgreSQL database), the stand-in delivering the updates
  to them in turn as a load balancer would (LocalBotApi.load_balance). The echo and calls-only
  bots then get their updates the same way, N processes each, serving the project's own
  webhook route (bot/web/webhook.py: the secret header checked, the JSON read) on uvicorn as
  bot/app/serve.py runs it, and setting the webhook as `run --webhook` does. What differs is
  the project's to pay: it answers 200 only once the update is stored in its inbox; they, with
  nothing to store, queue it at once. Sharing no state, their replicas find each update's step
  from the update itself (the button pressed: PressedFlows in bench/intake_bots.py); each run
  prints how many deliveries each replica acknowledged.
  The stand-in delivers as Telegram does (bot/localapi/delivery.py): up to setWebhook's
  max_connections updates at once, Telegram's default of 40, which every bot here keeps,
  spread over the replicas in turn, each chat's one at a time and in order. So the time a bot
  takes to answer a POST (the project's store before its 200) is paid alongside other
  residents' deliveries, not in series; a resident's next update still waits for it, as on
  Telegram. Webhook ratios are still not comparable with polling ones: one POST per update
  against getUpdates' batches.

--burst instead: N residents at once, the stand-in enforcing Telegram's flood limits, the
project as `python -m bot run` with its default limits. Reports whether every resident got a
number, how long it took, the 429s the stand-in answered and whether any was left unretried.
The stand-in tolerates the short burst to one person that config.toml's [telegram]
private_burst says Telegram tolerates, unless --private-burst says otherwise (0: none, so a
project that assumes one meets 429s, which it must retry). --database-url applies here too.

The bots read a copy of config.toml with quiet hours off and the sweep hourly, so the time of
day changes nothing (the sweep has its own bench, bench/sweep.py).

    python bench/intake.py [--runs 3] [--residents 300]
    python bench/intake.py --database-url postgresql://postgres@127.0.0.1:5432/bench
    python bench/intake.py --webhook-replicas 2 --database-url postgresql://…/bench
    python bench/intake.py --webhook-replicas 1          # one webhook process, SQLite
    python bench/intake.py --burst [--residents 300] [--private-burst N] [--database-url …]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from intake_processes import (
    QUIET,
    ROOT,
    Bot,
    bench_config,
    bot_env,
    database_cpu,
    is_postgresql,
    running,
    seed,
)
from intake_residents import MESSAGES, Driver, action
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config import load_config
from bot.localapi import Call, LocalBotApi

# The project runs as `python -m bot run`, its limits lifted by config.toml's
# `[telegram] pace = false` (decisions 3); --burst keeps them on.
BOTS = ROOT / "bench" / "intake_bots.py"
TOKENS = {"echo": "7001:ECHO", "calls": "7002:CALLS", "project": "7003:PROJECT"}
LABELS = {"echo": "echo", "calls": "calls-only", "project": "project"}
TARGET = 0.7
_ids = itertools.count(2_000_000)  # fresh residents for every measurement


def record_flow(api: LocalBotApi, resident: int, text: str) -> list[list[dict[str, Any]]]:
    """One resident through the project, slowly: per update, every call it made."""
    steps: list[list[dict[str, Any]]] = []
    sent: list[int] = []  # message ids the project sent this resident
    push: Callable[[], Any] = functools.partial(api.push_text, resident, text)
    while len(steps) < 6:
        mark = time.monotonic()
        push()
        trigger = api.wait_for_sync(
            lambda c: c.chat_id == resident and isinstance(c.result, dict)
            and action(c.result) is not None, since=mark)[0]
        api.wait_idle_sync(quiet=QUIET)
        calls = [c for c in api.calls() if c.time >= mark and c.method != "getUpdates"]
        steps.append([_recorded(c, resident, sent, c is trigger) for c in calls])
        what = action(trigger.result)
        if what is True:
            return steps
        push = functools.partial(api.push_callback, resident, str(what), trigger.result)
    raise SystemExit(f"no ticket number after {len(steps)} updates: {steps}")


def _recorded(call: Call, resident: int, sent: list[int], trigger: bool) -> dict[str, Any]:
    params = {k: v for k, v in call.params.items()
              if k not in ("chat_id", "message_id", "callback_query_id")}
    chat = None if "chat_id" not in call.params else (
        "self" if call.chat_id == resident else call.chat_id)
    ref = None
    if "message_id" in call.params:
        if chat == "self" and int(call.params["message_id"]) in sent:
            ref = sent.index(int(call.params["message_id"]))
        else:
            params["message_id"] = call.params["message_id"]
    if call.method == "sendMessage" and chat == "self" and call.ok:
        sent.append(int(call.result["message_id"]))
    return {"method": call.method, "chat": chat, "ref": ref, "params": params,
            "trigger": trigger}


def describe(steps: list[list[dict[str, Any]]]) -> list[str]:
    names = ["text", "确认提交", "building"] + [f"update {i}" for i in range(4, 8)]
    lines = []
    for name, step in zip(names, steps, strict=False):
        shown: dict[bool, list[str]] = {True: [], False: []}
        for call in step:
            to = {"self": "→resident", None: ""}.get(call["chat"], f"→chat {call['chat']}")
            rows = (call["params"].get("reply_markup") or {}).get("inline_keyboard", [])
            labels = "|".join(b["text"] for row in rows for b in row)
            shown[call["chat"] in ("self", None)].append(
                f"{call['method']}{to}" + (f" [{labels}]" if labels else ""))
        beside = f"; outbox sender: {', '.join(shown[False])}" if shown[False] else ""
        lines.append(f"    {name:>9}: " + ", ".join(shown[True]) + beside)
    return lines


def record_shapes(api: LocalBotApi, folder: Path, config_path: Path) -> dict[str, Any]:
    """The project's calls per update, one resident per text, printed."""
    residents = {next(_ids): text for text in MESSAGES}
    url = f"sqlite:///{folder / 'record.db'}"
    seed(config_path, url, list(residents))
    bot = project_bot(api, folder, config_path, url, "record")
    with running(api, bot):
        shapes = {text: record_flow(api, r, text) for r, text in residents.items()}
    kinds: dict[tuple[str, ...], list[str]] = {}
    for text, steps in shapes.items():
        kinds.setdefault(tuple(describe(steps)), []).append(text[:8] + "…")
    print("the project's Bot API calls per update, as recorded (the calls-only bot makes these):")
    for lines, which in kinds.items():
        print(f"  residents writing {', '.join(which)}:")
        print("\n".join(lines))
    odd = [t for t, steps in shapes.items() if len(steps) != 3]
    if odd:
        print(f"  NOTE: {len(odd)} flows do not take the issue's 3 updates")
    return shapes


def project_bot(api: LocalBotApi, folder: Path, config_path: Path, url: str, tag: str,
                per_resident: dict[str, int] | None = None, replicas: int = 0) -> Bot:
    command = [sys.executable, "-m", "bot", "run"] + (["--webhook"] if replicas else [])
    env = bot_env(api, TOKENS["project"], BOT_CONFIG=str(config_path), DATABASE_URL=url)
    return Bot("project", command, env, folder / f"project-{tag}.log", per_resident or {},
               replicas, url if is_postgresql(url) else "")


@dataclass
class Measured:
    rate: float  # updates/s to the last ticket number
    all_calls: float | None  # updates/s to the last call of the flow (group posts included)
    methods: Counter[str]  # the Bot API calls the bot made, by method
    cpu_ms: float = 0.0  # the bot process's CPU time per resident, to the last ticket number
    # PostgreSQL: its server processes' CPU time per resident for the bot's connections, in the
    # same window (None: SQLite, whose work is in cpu_ms, or not measurable here)
    database_ms: float | None = None
    # Webhook runs: updates acknowledged per replica, in order, and deliveries refused or
    # failed (each retried), e.g. [45, 45] and 0; empty when polling
    acknowledged: list[int] = field(default_factory=list)
    refused: int = 0


def measure(api: LocalBotApi, bot: Bot, residents: int, stall: float,
            setup: Callable[[list[int]], None] = lambda _: None) -> Measured:
    """One bot, `residents` at once. The last call is the one the recorded flow says is last
    (None if they did not all come within 30 s of the last ticket number)."""
    texts_of = {next(_ids): MESSAGES[i % len(MESSAGES)] for i in range(residents)}
    setup(list(texts_of))
    with running(api, bot) as process:
        database = database_cpu(bot.database_url) if bot.database_url else {}
        cpu = process.cpu()
        driver = Driver(api, texts_of).drive(stall, process.alive)
        cpu = process.cpu() - cpu
        database_ms = None
        if database:  # backends opened meanwhile count from their start
            database_ms = sum(seconds - database.get(pid, 0.0) for pid, seconds
                              in database_cpu(bot.database_url).items()) * 1000 / residents
        if not driver.finished:
            raise SystemExit(f"{bot.name}: {len(driver.done)}/{residents} residents got a "
                             f"number; stuck at {Counter(driver.stage.values())}")
        expected = sum(bot.calls_per_resident[t] for t in texts_of.values())
        all_calls: float | None = None
        with contextlib.suppress(AssertionError):
            last = max(c.time for c in api.wait_for_sync(
                lambda c: c.method != "getUpdates", count=expected, timeout=30))
            all_calls = driver.pushed / (last - driver.start)
        methods = Counter(c.method for c in api.calls() if c.method != "getUpdates")
        deliveries = [d for d in api.deliveries() if d.time >= driver.start]
    by_replica = Counter(d.url.split("/telegram/")[0] for d in deliveries if d.acknowledged)
    return Measured(driver.rate(), all_calls, methods, cpu * 1000 / residents, database_ms,
                    [by_replica[url] for url in sorted(by_replica)],
                    sum(not d.acknowledged for d in deliveries))


def variant(args: argparse.Namespace) -> str:
    """The project's set-up, in words ("" for the default: SQLite, one process polling)."""
    if not args.database_url and not args.webhook_replicas:
        return ""
    where = "PostgreSQL" if args.database_url else "SQLite"
    if not args.webhook_replicas:
        return f"project on {where} (`python -m bot run`, polling)"
    return (f"project on {where} as {args.webhook_replicas} `python -m bot run --webhook` "
            f"replica(s); echo and calls-only as {args.webhook_replicas} webhook process(es) "
            "each; the stand-in delivers up to 40 updates at once (each chat's in order) to "
            "the replicas in turn")


def throughput(args: argparse.Namespace, folder: Path) -> None:
    # Quick webhook retries: a delivery that met a replica still starting is tried again soon.
    with LocalBotApi(webhook_retry=0.05, webhook_retry_max=0.5) as api:
        config_path = bench_config(folder, pace_off=True)
        shapes = record_shapes(api, folder, config_path)
        shape_file = folder / "shape.json"
        shape_file.write_text(json.dumps(shapes, ensure_ascii=False), encoding="utf-8")
        per_resident = {t: sum(len(step) for step in steps) for t, steps in shapes.items()}
        webhook = ["--webhook"] if args.webhook_replicas else []
        bots = {name: Bot(name, [sys.executable, str(BOTS), name, str(shape_file), *webhook],
                          bot_env(api, TOKENS[name]), folder / f"{name}.log", per_resident,
                          args.webhook_replicas)
                for name in ("echo", "calls")}
        bots["echo"].calls_per_resident = {t: len(steps) for t, steps in shapes.items()}
        if variant(args):
            print(f"\n{variant(args)}", end="")
        print(f"\n{args.residents} residents at once, 3 updates each; updates/s to the last "
              "ticket number (in brackets: to the last call, group posts included)")
        results: list[dict[str, Measured]] = []
        for run in range(args.runs):
            order = ["echo", "calls", "project"]
            order = order[run % 3:] + order[:run % 3]  # none always gets the warmer machine
            got: dict[str, Measured] = {}
            for name in order:
                if name == "project":
                    url = args.database_url or f"sqlite:///{folder / f'intake{run}.db'}"
                    got[name] = measure(api, project_bot(api, folder, config_path, url, str(run),
                                                         per_resident, args.webhook_replicas),
                                        args.residents, args.stall,
                                        functools.partial(seed, config_path, url))
                else:
                    got[name] = measure(api, bots[name], args.residents, args.stall)
            results.append(got)
            print(f"run {run + 1} ({', '.join(order)}): " + line(got))
            if args.webhook_replicas:
                print("    webhook deliveries acknowledged per replica: " + ", ".join(
                    f"{LABELS[name]} {'/'.join(map(str, got[name].acknowledged)) or 0}"
                    + (f" ({got[name].refused} refused, retried)" if got[name].refused else "")
                    for name in ("echo", "calls", "project")))
            if got["calls"].methods != got["project"].methods:
                print(f"  NOTE: calls differ: project {dict(got['project'].methods)}, "
                      f"calls-only {dict(got['calls'].methods)}")
    median = {n: Measured(statistics.median(r[n].rate for r in results),
                          None if any(r[n].all_calls is None for r in results)
                          else statistics.median(r[n].all_calls or 0 for r in results),
                          Counter(), statistics.median(r[n].cpu_ms for r in results),
                          None if any(r[n].database_ms is None for r in results)
                          else statistics.median(r[n].database_ms or 0 for r in results))
              for n in results[0]}
    ratio = statistics.median(r["project"].rate / r["calls"].rate for r in results)
    print(f"median of {args.runs}: " + line(median, ratios=False))
    print(f"project's Bot API calls in the last run: {dict(results[-1]['project'].methods)}; "
          f"the calls-only bot's the same in every run: "
          f"{'yes' if all(r['calls'].methods == r['project'].methods for r in results) else 'NO'}")
    print(f"median of the runs' ratios: project/calls-only {ratio:.2f} (target ≥ {TARGET}: "
          f"{'met' if ratio >= TARGET else 'NOT met'}); median project/echo "
          f"{statistics.median(r['project'].rate / r['echo'].rate for r in results):.2f}"
          + (f" [{variant(args)}]" if variant(args) else ""))


def line(got: dict[str, Measured], ratios: bool = True) -> str:
    def shown(name: str) -> str:
        all_calls = got[name].all_calls
        return f"{got[name].rate:6.1f}" + (f" ({all_calls:5.1f})" if all_calls else "")

    database = got["project"].database_ms
    rates = (f"echo {shown('echo')}, calls-only {shown('calls')}, project {shown('project')} "
             "updates/s")
    cpu = (f"\n    CPU per resident: echo {got['echo'].cpu_ms:.1f} ms, calls-only "
           f"{got['calls'].cpu_ms:.1f} ms, project {got['project'].cpu_ms:.1f} ms"
           + ("" if database is None else f" + PostgreSQL's {database:.1f} ms"))
    both = "" if database is None else (
        f", with PostgreSQL's {got['calls'].cpu_ms / (got['project'].cpu_ms + database):.2f}")
    return rates + cpu if not ratios else (
        f"{rates}; project/calls-only {got['project'].rate / got['calls'].rate:.2f}, "
        f"project/echo {got['project'].rate / got['echo'].rate:.2f}{cpu} (calls-only/project "
        f"{got['calls'].cpu_ms / got['project'].cpu_ms:.2f}{both})")


def burst(args: argparse.Namespace, folder: Path) -> None:
    texts_of = {next(_ids): MESSAGES[i % len(MESSAGES)] for i in range(args.residents)}
    config_path = bench_config(folder, pace_off=False)
    if args.private_burst is None:  # what the project assumes Telegram tolerates
        args.private_burst = load_config(config_path, env={}).telegram.private_burst
    with LocalBotApi(private_burst=args.private_burst) as api:
        url = args.database_url or f"sqlite:///{folder / 'burst.db'}"
        seed(config_path, url, list(texts_of))
        bot = project_bot(api, folder, config_path, url, "burst")
        with running(api, bot) as process:
            api.enforce_limits = True  # from here on (the warm-up ran without)
            driver = Driver(api, texts_of).drive(args.stall, process.alive)
            took = max(driver.done.values(), default=0.0) - driver.start
            refused = [c for c in api.calls() if c.status == 429]
            # Give every refused call the time Telegram asked for, and a little more.
            wait = max((int(c.error.rsplit(" ", 1)[-1]) for c in refused
                        if c.error and c.error.rsplit(" ", 1)[-1].isdigit()), default=0) + 5
            deadline = time.monotonic() + wait
            while unretried(api, refused) and time.monotonic() < deadline:
                time.sleep(0.2)
            left = unretried(api, refused)
            kinds = Counter(kind for _, kind, _ in api.limit_violations)
            group_posts = sum(1 for c in api.calls() if c.ok and (c.chat_id or 0) < 0)
    print(f"burst: {args.residents} residents at once; the stand-in enforcing Telegram's flood "
          f"limits (30/s overall, 20/min per group, 1/s per private chat + {args.private_burst}"
          " burst); the project as `python -m bot run` with its default limits, "
          f"{'PostgreSQL' if is_postgresql(url) else 'SQLite'}")
    waiting = Counter(STAGES[stage] for stage in driver.stage.values() if stage != "done")
    print(f"finished: {len(driver.done)}/{args.residents} residents got their ticket number"
          + (f", the last {took:.1f} s after the first text" if driver.done else "")
          + ("" if driver.finished else f" (NOT all; still waiting {dict(waiting)})"))
    print(f"429s answered by the stand-in: {len(refused)} {by_chat(refused)}, limits hit "
          f"{dict(kinds)}; left unretried: {len(left)} {by_chat(left)}")
    print(f"all finished, no 429 left unretried: {'yes' if driver.finished and not left else 'NO'}"
          f"; group posts delivered by then: {group_posts} (20 a minute per group)")


STAGES = {"text": "for the preview", "confirm": "after 确认提交", "building": "after the building"}


def by_chat(calls: list[Call]) -> dict[str, int]:
    return dict(Counter("to residents" if (c.chat_id or 0) > 0 else "to the group"
                        if c.chat_id else "no chat" for c in calls))


def unretried(api: LocalBotApi, refused: list[Call]) -> list[Call]:
    """Refused calls with no later successful call of the same method, chat and text."""
    done = {(c.method, c.chat_id, c.params.get("text")): c.time for c in api.calls() if c.ok}
    return [c for c in refused
            if done.get((c.method, c.chat_id, c.params.get("text")), 0.0) < c.time]


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--residents", type=int, default=300)
    parser.add_argument("--burst", action="store_true",
                        help="the burst case: Telegram's flood limits on, the real limits")
    parser.add_argument("--private-burst", type=int, default=None,
                        help="--burst: messages over 1/s a private chat may take at once "
                             "(default: config.toml's [telegram] private_burst)")
    parser.add_argument("--stall", type=float, default=60.0,
                        help="give up when nothing arrives for this many seconds")
    parser.add_argument("--database-url", default="", metavar="postgresql://…",
                        help="the project on this PostgreSQL database (default: a fresh SQLite "
                             "file per run); it loses the bot's tables before each run")
    parser.add_argument("--webhook-replicas", type=int, default=0, metavar="N",
                        help="the project as N `python -m bot run --webhook` processes (N ≥ 2: "
                             "PostgreSQL), the other bots as N webhook processes each")
    args = parser.parse_args(argv)
    if args.database_url:
        try:
            url = make_url(args.database_url)
        except ArgumentError as exc:
            parser.error(f"--database-url: {exc}")
        if url.get_backend_name() != "postgresql":
            parser.error("--database-url: a PostgreSQL URL (SQLite is the default: a fresh "
                         "file per run)")
        if url.database in (None, "", "test"):
            parser.error("--database-url: name a database of the bench's own; never `test` "
                         "(the test suite's), since each run drops the bot's tables in it")
    if args.webhook_replicas < 0:
        parser.error("--webhook-replicas: 0 (polling) or more")
    if args.webhook_replicas >= 2 and not args.database_url:
        parser.error("--webhook-replicas ≥ 2 needs --database-url postgresql://… (replicas "
                     "share one PostgreSQL database)")
    if args.burst and args.webhook_replicas:
        parser.error("--burst runs the project polling: no --webhook-replicas")
    return args


def main() -> None:
    args = parse()
    with tempfile.TemporaryDirectory() as tmp:
        (burst if args.burst else throughput)(args, Path(tmp))


if __name__ == "__main__":
    main()
