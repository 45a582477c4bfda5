"""The bots' processes for bench/intake.py: their config and database, starting one (or several
webhook replicas), warming it up, its CPU time, stopping it.

A bot is one process polling the stand-in Bot API, or (`replicas` ≥ 1) that many processes
each serving the webhook route on a port of its own, the stand-in delivering to them in turn as
a load balancer would (LocalBotApi.load_balance). Webhook bots are told their port, public URL
and secret by the environment variables `python -m bot run --webhook` reads (WEB_PORT,
WEB_PUBLIC_URL, TELEGRAM_WEBHOOK_SECRET); bench/intake_bots.py reads the same ones.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from intake_residents import MESSAGES, WARMUP, Driver
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app.application import prepare_database
from bot.app.clock import SystemClock
from bot.config import load_config
from bot.localapi import LocalBotApi
from bot.services.deps import Deps
from bot.services.people import welcome_resident
from storage.db import make_engine, uow_factory
from storage.schema import drop_schema

ROOT = Path(__file__).resolve().parent.parent
QUIET = 1.0  # recording: a step is over once the stand-in saw no call for this long
# Webhook replicas: what setWebhook is given (the stand-in delivers to the replicas' own ports
# with this URL's path) and the secret the route checks.
PUBLIC_URL = "https://bot.example.org"
SECRET = "intake-bench-webhook-secret_0123456789"


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


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def seed(config_path: Path, url: str, residents: list[int]) -> None:
    """A fresh database whose residents have /started the bot (no building QR code). A
    PostgreSQL database loses the bot's tables first (storage.schema.drop_schema: those and
    Alembic's revision, nothing else in it)."""
    if is_postgresql(url):
        engine = make_engine(url)
        try:
            drop_schema(engine)
        finally:
            engine.dispose()
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
    replicas: int = 0  # 0: one process polling; n: n processes behind the webhook
    database_url: str = ""  # PostgreSQL: its server processes' CPU is counted beside the bot's


def bot_env(api: LocalBotApi, token: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "BOT_CONFIG", "TELEGRAM_BOT_TOKEN",
                        "TELEGRAM_API_BASE_URL", "TELEGRAM_WEBHOOK_SECRET", "WEB_PUBLIC_URL")}
    # WEB_PORT=0: the bot's web app (/healthz, /metrics) on any free port, never a taken one.
    return {**env, "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_API_BASE_URL": f"{api.url}/bot",
            "WEB_PORT": "0", **extra}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far: less disturbed by a busy machine
    than its rate, so the bench reports it beside the rates."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu(url: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL server process serving `url`'s database (the bot's
    connections), by pid; {} when the server is not on this machine or its /proc is closed.
    SQLite's work is in the bot's own process; PostgreSQL's is here."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            pids = connection.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")).scalars().all()
    finally:
        engine.dispose()
    seconds = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            seconds[int(pid)] = cpu_seconds(int(pid))
    return seconds


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    """A bot's running process(es): `alive()` while every one runs."""

    alive: Callable[[], bool]
    pids: list[int]

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids)


def webhooks_set(api: LocalBotApi, count: int, since: float, alive: Callable[[], bool],
                 name: str) -> None:
    """Until `count` processes have called setWebhook since `since` (SystemExit if one ended
    or three minutes went by)."""
    deadline = time.monotonic() + 180
    while sum(c.ok and c.time >= since for c in api.calls("setWebhook")) < count:
        if not alive() or time.monotonic() > deadline:
            raise SystemExit(f"{name}: {count} replicas did not all set the webhook")
        time.sleep(0.1)


@contextlib.contextmanager
def running(api: LocalBotApi, bot: Bot) -> Iterator[Process]:
    """The bot's process (or its webhook replicas), warmed up by one resident's whole flow; the
    stand-in then forgets everything so far. Yields it; stops it as SIGTERM stops `run`."""
    ports = [free_port() for _ in range(bot.replicas)]
    envs = [{**bot.env, "WEB_PORT": str(port), "WEB_PUBLIC_URL": PUBLIC_URL,
             "TELEGRAM_WEBHOOK_SECRET": SECRET} for port in ports] or [bot.env]
    logs = [bot.log] if len(envs) == 1 else [
        bot.log.with_name(f"{bot.log.stem}-{i + 1}{bot.log.suffix}") for i in range(len(envs))]
    if ports:  # a load balancer in front of the replicas: each delivery to the next one
        api.load_balance([f"http://127.0.0.1:{port}" for port in ports])
    procs: list[subprocess.Popen[bytes]] = []
    since = time.monotonic()
    try:
        for env, path in zip(envs, logs, strict=True):
            with path.open("w") as log:
                procs.append(subprocess.Popen(bot.command, cwd=ROOT, env=env, stdout=log,
                                              stderr=subprocess.STDOUT))

        def alive() -> bool:
            return all(proc.poll() is None for proc in procs)

        if ports:  # every replica serves before the first delivery (none waits out a retry)
            webhooks_set(api, len(ports), since, alive, bot.name)
        if not Driver(api, {WARMUP: MESSAGES[0]}).drive(180, alive).finished:
            tail = "\n".join(logs[0].read_text(encoding="utf-8").splitlines()[-30:])
            raise SystemExit(f"{bot.name}: the warm-up resident got no ticket number\n{tail}")
        api.wait_idle_sync(quiet=QUIET)  # the warm-up's group post too, before forgetting
        api.forget_chats()
        yield Process(alive, [proc.pid for proc in procs])
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if ports:  # `run --webhook` leaves its webhook set, as on Telegram: the next bot polls
            httpx.post(f"{api.url}/bot{bot.env['TELEGRAM_BOT_TOKEN']}/deleteWebhook")
            api.load_balance([])
