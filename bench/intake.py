"""Residents' submission flow: the project against a calls-only bot and a bare echo bot (issue 12).

Each run starts the three bots one after another (the order rotated per run), each in its own
process (bench/intake_bots.py) polling the stand-in Bot API that this process serves over
HTTP (bot/localapi). N residents (300) write at once, and every bot is driven the same way from
outside: the text; a press of the 确认提交 button on the message carrying it; a press of a
building button on the message asking 您住在哪个楼院; a resident is done when the message with
the ticket number (已提交，编号 N) arrives. 3 updates per resident: updates/s is 3N over the time
from the first text to the last ticket number.

- echo: one sendMessage per update (PTB's defaults): what any bot at all costs;
- calls-only: per update the Bot API calls the project makes, recorded from the project itself
  first (printed), with the same texts and keyboards; no database, no classifier;
- project: its run path on SQLite in a temporary folder, each resident welcomed as after
  /start (no building known, so it asks), Telegram's limits lifted for it as for the
  calls-only bot (docs: /work/shared/decisions.md 3; the stand-in enforces none here).
Target: project ≥ 0.7 × calls-only, median of the runs.

--burst instead: N residents at once, the stand-in enforcing Telegram's flood limits, the
project as `python -m bot run` with its default limits. Reports whether every resident got a
number, how long it took, the 429s the stand-in answered and whether any was left unretried.
The stand-in tolerates the short burst to one person that config.toml's [telegram]
private_burst says Telegram tolerates, unless --private-burst says otherwise (0: none, so a
project that assumes one meets 429s, which it must retry).

The bots read a copy of config.toml with quiet hours off and the sweep hourly, so the time of
day changes nothing (the sweep has its own bench, bench/sweep.py).

    python bench/intake.py [--runs 3] [--residents 300]
    python bench/intake.py --burst [--residents 300] [--private-burst N]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import texts
from bot.app.application import prepare_database
from bot.app.clock import SystemClock
from bot.config import load_config
from bot.localapi import Call, LocalBotApi
from bot.services.deps import Deps
from bot.services.people import welcome_resident
from storage.db import uow_factory

# The project runs as `python -m bot run`, its limits lifted by config.toml's
# `[telegram] pace = false` (decisions 3); --burst keeps them on.
ROOT = Path(__file__).resolve().parent.parent
BOTS = ROOT / "bench" / "intake_bots.py"
TOKENS = {"echo": "7001:ECHO", "calls": "7002:CALLS", "project": "7003:PROJECT"}
# No building named (the bot must ask for it) and nothing urgent; six categories.
MESSAGES = [
    "楼道灯坏了好几天了，晚上黑乎乎的，老人上下楼看不见",
    "小区门口垃圾堆了三天没人清，味道很大",
    "楼下天天有人把车停在消防通道上，希望管一管",
    "希望社区能给独居的张奶奶安排助餐",
    "楼上漏水把我家天花板泡坏了，找物业也不管",
    "建议在小广场多放几张长椅，老人们散步累了能歇歇",
]
NUMBER = re.compile(re.escape(texts.SUBMITTED.split("{number}")[0]) + r"\d+")
ASKS = (texts.PICK_BUILDING, texts.PICK_COMMUNITY)
TARGET = 0.7
QUIET = 1.0  # recording: a step is over once the stand-in saw no call for this long
WARMUP = 1_000_001  # a resident who goes through the flow once before each measurement
_ids = itertools.count(2_000_000)  # fresh residents for every measurement


def action(message: dict[str, Any]) -> str | bool | None:
    """What a resident does on a bot's message: True when it carries the ticket number, else
    the button to press (确认提交; or a building, or the community, when asked), else None."""
    text = message.get("text") or ""
    if NUMBER.search(text):
        return True
    buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
               for b in row if "callback_data" in b]
    confirm = [b for b in buttons if b["text"] == texts.BTN_CONFIRM]
    if confirm:
        return str(confirm[0]["callback_data"])
    if text.startswith(ASKS) and buttons:
        return str(buttons[0]["callback_data"])
    return None


class Driver:
    """Residents acting on what the bot sends them, as the stand-in stores it (event-driven:
    each one presses as soon as their message is there)."""

    def __init__(self, api: LocalBotApi, texts_of: dict[int, str]) -> None:
        self.api, self.texts_of = api, texts_of
        self.events: queue.SimpleQueue[tuple[int, dict[str, Any], float]] = queue.SimpleQueue()
        self.done: dict[int, float] = {}
        self.stage: dict[int, str] = dict.fromkeys(texts_of, "text")
        self.pushed = 0
        self.start = 0.0
        self._pressed: set[tuple[int, int, str]] = set()

    def _listen(self, event: dict[str, Any]) -> None:  # the stand-in's thread: must not block
        message = event.get("message") or {}
        if (event.get("type") in ("message", "edit") and event["chat_id"] in self.texts_of
                and message.get("from", {}).get("is_bot")):
            self.events.put((event["chat_id"], message, time.monotonic()))

    def drive(self, stall: float, alive: Callable[[], bool]) -> Driver:
        """All texts at once, then presses as asked, until all are done or nothing happens
        for `stall` seconds (or the bot's process ended)."""
        self.api.subscribe(self._listen)
        try:
            self.start = time.monotonic()
            for resident, text in self.texts_of.items():
                self.api.push_text(resident, text)
                self.pushed += 1
            quiet_since = time.monotonic()
            while len(self.done) < len(self.texts_of) and alive():
                try:
                    resident, message, at = self.events.get(timeout=1.0)
                except queue.Empty:
                    if time.monotonic() - quiet_since > stall:
                        break
                    continue
                quiet_since = time.monotonic()
                self._act(resident, message, at)
        finally:
            self.api.unsubscribe(self._listen)
        return self

    def _act(self, resident: int, message: dict[str, Any], at: float) -> None:
        what = action(message)
        if resident in self.done or what is None:
            return
        if what is True:
            self.done[resident], self.stage[resident] = at, "done"
            return
        key = (resident, int(message["message_id"]), str(what))
        if key not in self._pressed:  # each button once, as a person would
            self._pressed.add(key)
            self.stage[resident] = "building" if self.stage[resident] != "text" else "confirm"
            self.api.push_callback(resident, str(what), message)
            self.pushed += 1

    @property
    def finished(self) -> bool:
        return len(self.done) == len(self.texts_of)

    def rate(self) -> float:
        return self.pushed / (max(self.done.values()) - self.start)


def set_key(toml: str, section: str, key: str, value: str) -> str:
    """`key = value` in [section] of a TOML text: replaced, added, or the section appended."""
    lines = toml.splitlines()
    if f"[{section}]" not in lines:
        return toml.rstrip("\n") + f"\n\n[{section}]\n{key} = {value}\n"
    start = lines.index(f"[{section}]")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")),
               len(lines))
    found = [i for i in range(start + 1, end) if re.match(rf"{key}\s*=", lines[i])]
    if found:
        lines[found[0]] = f"{key} = {value}"
    else:
        lines.insert(start + 1, f"{key} = {value}")
    return "\n".join(lines) + "\n"


def bench_config(folder: Path, pace_off: bool) -> Path:
    """config.toml with quiet hours off and an hourly sweep (and pace = false if asked)."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = set_key(text, "quiet_hours", "start", '"00:00"')
    text = set_key(text, "quiet_hours", "end", '"00:00"')
    text = set_key(text, "followups", "sweep_interval", '"1h"')
    text = set_key(text, "ops", "sweep_stale_after", '"3h"')  # ≥ 2 sweeps, as the config asks
    if pace_off:
        text = set_key(text, "telegram", "pace", "false")
    path = folder / ("config-pace-off.toml" if pace_off else "config.toml")
    path.write_text(text, encoding="utf-8")
    config = load_config(path, env={})  # validated as the bot will read it
    assert config.quiet_hours.start == config.quiet_hours.end
    return path


def seed(config_path: Path, url: str, residents: list[int]) -> None:
    """A fresh database whose residents have /started the bot (no building QR code)."""
    config = load_config(config_path, env={"DATABASE_URL": url})
    engine = prepare_database(config, SystemClock())
    deps = Deps(config, uow_factory(engine), SystemClock())
    for resident in [WARMUP, *residents]:
        welcome_resident(deps, resident, "居民", None)
    engine.dispose()


@dataclass
class Bot:
    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    calls_per_resident: dict[str, int] = field(default_factory=dict)  # by the text written


def bot_env(api: LocalBotApi, token: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "BOT_CONFIG", "TELEGRAM_BOT_TOKEN",
                        "TELEGRAM_API_BASE_URL")}
    # WEB_PORT=0: the bot's web app (/healthz, /metrics) on any free port, never a taken one.
    return {**env, "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_BASE_URL": f"{api.url}/bot",
            "WEB_PORT": "0", **extra}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far: less disturbed by a busy machine
    than its rate, so the bench reports it beside the rates."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Process:
    alive: Callable[[], bool]
    pid: int


@contextlib.contextmanager
def running(api: LocalBotApi, bot: Bot) -> Iterator[Process]:
    """The bot's process, warmed up by one resident's whole flow; the stand-in then forgets
    everything so far. Yields it (`alive()`, pid); stops it as SIGTERM stops `run`."""
    with bot.log.open("w") as log:
        proc = subprocess.Popen(bot.command, cwd=ROOT, env=bot.env, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        def alive() -> bool:
            return proc.poll() is None

        if not Driver(api, {WARMUP: MESSAGES[0]}).drive(180, alive).finished:
            tail = "\n".join(bot.log.read_text(encoding="utf-8").splitlines()[-30:])
            raise SystemExit(f"{bot.name}: the warm-up resident got no ticket number\n{tail}")
        api.wait_idle_sync(quiet=QUIET)  # the warm-up's group post too, before forgetting
        api.forget_chats()
        yield Process(alive, proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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
                per_resident: dict[str, int] | None = None) -> Bot:
    command = [sys.executable, "-m", "bot", "run"]
    env = bot_env(api, TOKENS["project"], BOT_CONFIG=str(config_path), DATABASE_URL=url)
    return Bot("project", command, env, folder / f"project-{tag}.log", per_resident or {})


@dataclass
class Measured:
    rate: float  # updates/s to the last ticket number
    all_calls: float | None  # updates/s to the last call of the flow (group posts included)
    methods: Counter[str]  # the Bot API calls the bot made, by method
    cpu_ms: float = 0.0  # the bot process's CPU time per resident, to the last ticket number


def measure(api: LocalBotApi, bot: Bot, residents: int, stall: float,
            setup: Callable[[list[int]], None] = lambda _: None) -> Measured:
    """One bot, `residents` at once. The last call is the one the recorded flow says is last
    (None if they did not all come within 30 s of the last ticket number)."""
    texts_of = {next(_ids): MESSAGES[i % len(MESSAGES)] for i in range(residents)}
    setup(list(texts_of))
    with running(api, bot) as process:
        cpu = cpu_seconds(process.pid)
        driver = Driver(api, texts_of).drive(stall, process.alive)
        cpu = cpu_seconds(process.pid) - cpu
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
    return Measured(driver.rate(), all_calls, methods, cpu * 1000 / residents)


def throughput(args: argparse.Namespace, folder: Path) -> None:
    with LocalBotApi() as api:
        config_path = bench_config(folder, pace_off=True)
        shapes = record_shapes(api, folder, config_path)
        shape_file = folder / "shape.json"
        shape_file.write_text(json.dumps(shapes, ensure_ascii=False), encoding="utf-8")
        per_resident = {t: sum(len(step) for step in steps) for t, steps in shapes.items()}
        bots = {name: Bot(name, [sys.executable, str(BOTS), name, str(shape_file)],
                          bot_env(api, TOKENS[name]), folder / f"{name}.log", per_resident)
                for name in ("echo", "calls")}
        bots["echo"].calls_per_resident = {t: len(steps) for t, steps in shapes.items()}
        print(f"\n{args.residents} residents at once, 3 updates each; updates/s to the last "
              "ticket number (in brackets: to the last call, group posts included)")
        results: list[dict[str, Measured]] = []
        for run in range(args.runs):
            order = ["echo", "calls", "project"]
            order = order[run % 3:] + order[:run % 3]  # none always gets the warmer machine
            got: dict[str, Measured] = {}
            for name in order:
                if name == "project":
                    url = f"sqlite:///{folder / f'intake{run}.db'}"
                    got[name] = measure(api, project_bot(api, folder, config_path, url, str(run),
                                                         per_resident=per_resident),
                                        args.residents, args.stall,
                                        functools.partial(seed, config_path, url))
                else:
                    got[name] = measure(api, bots[name], args.residents, args.stall)
            results.append(got)
            print(f"run {run + 1} ({', '.join(order)}): " + line(got))
            if got["calls"].methods != got["project"].methods:
                print(f"  NOTE: calls differ: project {dict(got['project'].methods)}, "
                      f"calls-only {dict(got['calls'].methods)}")
    median = {n: Measured(statistics.median(r[n].rate for r in results),
                          None if any(r[n].all_calls is None for r in results)
                          else statistics.median(r[n].all_calls or 0 for r in results),
                          Counter(), statistics.median(r[n].cpu_ms for r in results))
              for n in results[0]}
    ratio = statistics.median(r["project"].rate / r["calls"].rate for r in results)
    print(f"median of {args.runs}: " + line(median, ratios=False))
    print(f"project's Bot API calls in the last run: {dict(results[-1]['project'].methods)}; "
          f"the calls-only bot's the same in every run: "
          f"{'yes' if all(r['calls'].methods == r['project'].methods for r in results) else 'NO'}")
    print(f"median of the runs' ratios: project/calls-only {ratio:.2f} (target ≥ {TARGET}: "
          f"{'met' if ratio >= TARGET else 'NOT met'}); median project/echo "
          f"{statistics.median(r['project'].rate / r['echo'].rate for r in results):.2f}")


def line(got: dict[str, Measured], ratios: bool = True) -> str:
    def shown(name: str) -> str:
        all_calls = got[name].all_calls
        return f"{got[name].rate:6.1f}" + (f" ({all_calls:5.1f})" if all_calls else "")

    rates = (f"echo {shown('echo')}, calls-only {shown('calls')}, project {shown('project')} "
             "updates/s")
    cpu = (f"\n    CPU per resident: echo {got['echo'].cpu_ms:.1f} ms, calls-only "
           f"{got['calls'].cpu_ms:.1f} ms, project {got['project'].cpu_ms:.1f} ms")
    return rates + cpu if not ratios else (
        f"{rates}; project/calls-only {got['project'].rate / got['calls'].rate:.2f}, "
        f"project/echo {got['project'].rate / got['echo'].rate:.2f}{cpu} (calls-only/project "
        f"{got['calls'].cpu_ms / got['project'].cpu_ms:.2f})")


def burst(args: argparse.Namespace, folder: Path) -> None:
    texts_of = {next(_ids): MESSAGES[i % len(MESSAGES)] for i in range(args.residents)}
    config_path = bench_config(folder, pace_off=False)
    if args.private_burst is None:  # what the project assumes Telegram tolerates
        args.private_burst = load_config(config_path, env={}).telegram.private_burst
    with LocalBotApi(private_burst=args.private_burst) as api:
        url = f"sqlite:///{folder / 'burst.db'}"
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
          " burst); the project as `python -m bot run` with its default limits, SQLite")
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


def main() -> None:
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        (burst if args.burst else throughput)(args, Path(tmp))


if __name__ == "__main__":
    main()
