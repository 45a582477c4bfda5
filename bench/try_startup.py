"""How long `python -m bot try` takes to its first page, against `python -m bot --help`.

Both are whole processes started the same way in the same run (the ratio is what counts on a
shared, noisy machine). `try` is timed until its page and its state answer over HTTP.

    .venv/bin/python bench/try_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.playground_process import start_playground  # noqa: E402


def time_help() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "--help"], cwd=REPO, check=True,
                   capture_output=True)
    return time.perf_counter() - start


def time_try() -> float:
    with tempfile.TemporaryDirectory() as workdir:
        start = time.perf_counter()
        pg = start_playground(Path(workdir), "--fresh")
        try:
            assert httpx.get(pg.url, timeout=60).status_code == 200
            assert httpx.get(pg.url + "api/state", timeout=60).status_code == 200
            return time.perf_counter() - start
        finally:
            pg.process.terminate()
            pg.process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    helps, tries = [], []
    for _ in range(runs):  # interleaved, so both see the same machine
        helps.append(time_help())
        tries.append(time_try())
    h, t = statistics.median(helps), statistics.median(tries)
    print(f"python -m bot --help: median {h:.2f} s over {runs} runs "
          f"({min(helps):.2f}-{max(helps):.2f})")
    print(f"python -m bot try, to the first page: median {t:.2f} s "
          f"({min(tries):.2f}-{max(tries):.2f})")
    print(f"ratio try/help: {t / h:.1f}")


if __name__ == "__main__":
    main()
