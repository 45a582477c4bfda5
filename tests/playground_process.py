"""`python -m bot try` in its own process, for the playground's e2e and browser tests."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from storage.db import make_engine

REPO = Path(__file__).resolve().parents[1]
START_BOUND = 60  # seconds; a failure bound only: the test goes on as soon as the URL is printed


@dataclass
class Playground:
    url: str
    workdir: Path
    process: subprocess.Popen[str]
    output: list[str]

    def engine(self) -> Engine:
        return make_engine(f"sqlite:///{self.workdir / 'data' / 'playground.db'}")


def start_playground(workdir: Path, *extra: str, env: dict[str, str] | None = None) -> Playground:
    """`python -m bot try --port 0` in `workdir`; returns once it printed its address."""
    env = dict(os.environ) if env is None else env
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(REPO / "config.toml"), "try", "--port", "0",
         *extra],
        cwd=workdir, env={**env, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    found = threading.Event()
    url: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if "http://" in line and not url:
                url.append(line[line.index("http://"):].split()[0])
                found.set()
        found.set()

    threading.Thread(target=read, daemon=True).start()
    if not found.wait(START_BOUND) or not url:
        process.kill()
        raise AssertionError("the playground did not start:\n" + "".join(output))
    return Playground(url[0], workdir, process, output)



@contextmanager
def running_playground(workdir: Path, *extra: str,
                       env: dict[str, str] | None = None) -> Iterator[Playground]:
    """The playground, stopped (SIGTERM, as Ctrl+C would) when the block ends."""
    running = start_playground(workdir, *extra, env=env)
    try:
        yield running
    finally:
        running.process.terminate()
        try:
            running.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            running.process.kill()
