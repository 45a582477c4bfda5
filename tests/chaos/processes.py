"""The bot as an operator runs it (`python -m bot run`, or `run --webhook`), as processes the
chaos test kills with SIGKILL and starts again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.localapi import LocalBotApi
from tests.conftest import REPO, shipped_config_with
from tests.e2e.conftest import TOKEN

SECRET = "chaos-webhook-secret_0123456789abcdef"
STOP_BOUND = 60.0  # s a clean stop may take on a busy machine: a failure bound only


def chaos_config_file(tmp: Path) -> Path:
    """The shipped config, with what a burst of 500 submissions from 50 residents on the real
    clock needs: no quiet hours (the run may fall at night: nothing owed may wait for the
    morning), no per-resident submission cap (ten each within minutes), and no pacing: the
    stand-in enforces no limits (decisions 3), its injected 429s are the flood control here,
    and 500 group posts paced at 20 a minute would take 25 minutes."""
    return shipped_config_with(tmp, (('start = "22:00"', 'start = "03:00"'),
                                     ('end = "07:30"', 'end = "03:00"'),
                                     ("max_submissions = 5", "max_submissions = 1000"),
                                     ("pace = true", "pace = false")))


@dataclass
class BotProcess:
    """One bot process slot: started, killed and started again; each run logs to its own file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    logs: Path
    runs: int = 0
    process: subprocess.Popen[bytes] | None = None
    exit_codes: list[int] = field(default_factory=list)

    def start(self) -> None:
        self.runs += 1
        with self.log_file(self.runs).open("wb") as out:
            self.process = subprocess.Popen(self.argv, cwd=self.logs, env=self.env,
                                            stdout=out, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        """SIGKILL: no handler, no clean-up, whatever it was doing is cut off."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.exit_codes.append(self.process.wait())

    def terminate(self) -> None:
        """SIGTERM, as an operator stops it (wait_stopped() for the exit code)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self) -> int:
        assert self.process is not None
        try:
            code = self.process.wait(timeout=STOP_BOUND)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.exit_codes.append(code)
        return code

    def log_file(self, run: int) -> Path:
        return self.logs / f"{self.name}-{run}.log"

    def log_text(self) -> str:
        return "\n".join(self.log_file(r).read_text(errors="replace")
                         for r in range(1, self.runs + 1) if self.log_file(r).exists())


@dataclass
class Kill:
    """One kill: when (on the wall clock, as the database's times are, and on the monotonic
    one, as the stand-in's calls are), which processes, and when they were started again."""

    at: float
    names: tuple[str, ...]
    restarted_at: float = 0.0
    monotonic: float = field(default_factory=time.monotonic)


class Fleet:
    """The set-up's bot processes: one polling process, or webhook replicas."""

    def __init__(self, bots: list[BotProcess]) -> None:
        self.bots = {b.name: b for b in bots}
        self.kills: list[Kill] = []

    def start(self) -> None:
        for bot in self.bots.values():
            bot.start()

    def kill_and_restart(self, names: tuple[str, ...]) -> Kill:
        kill = Kill(time.time(), names)
        for name in names:
            self.bots[name].kill()
        for name in names:
            self.bots[name].start()
        kill.restarted_at = time.time()
        self.kills.append(kill)
        return kill

    def stop(self) -> dict[str, int]:
        """Stop every process cleanly (the done marks they hold are written): exit codes."""
        for bot in self.bots.values():
            bot.terminate()
        return {name: bot.wait_stopped() for name, bot in self.bots.items()}

    def kill_all(self) -> None:
        """After a failure: nothing of the set-up keeps running."""
        for bot in self.bots.values():
            if bot.process is not None and bot.process.poll() is None:
                bot.process.kill()
                bot.process.wait()

    def logs(self) -> str:
        return "\n".join(f"---- {name}\n{bot.log_text()}" for name, bot in self.bots.items())


def _bot_env(api: LocalBotApi, database_url: str, **more: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": f"{api.url}/bot", "DATABASE_URL": database_url,
            "WEB_PORT": "0", **more}


def polling_fleet(api: LocalBotApi, database_url: str, config: Path, logs: Path) -> Fleet:
    argv = [sys.executable, "-m", "bot", "--config", str(config), "run"]
    return Fleet([BotProcess("bot", argv, _bot_env(api, database_url), logs)])


def webhook_fleet(api: LocalBotApi, database_url: str, config: Path, logs: Path,
                  ports: list[int]) -> Fleet:
    """Replicas behind the stand-in's load balancer, each on its own port (kept across
    restarts: the balancer knows it)."""
    argv = [sys.executable, "-m", "bot", "--config", str(config), "run", "--webhook"]
    api.load_balance([f"http://127.0.0.1:{port}" for port in ports])
    return Fleet([BotProcess(f"replica{i}", argv, _bot_env(
        api, database_url, WEB_PORT=str(port), TELEGRAM_WEBHOOK_SECRET=SECRET,
        WEB_PUBLIC_URL="https://bot.example.org"), logs) for i, port in enumerate(ports)])
