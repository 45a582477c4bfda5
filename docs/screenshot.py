"""Refresh docs/playground.png, the README's picture of the playground after the whole loop.

Runs the browser test that clicks through the loop, with its screenshot sent here instead of to
a temporary folder (the test run itself never writes into the repository).

    .venv/bin/python docs/screenshot.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent

if __name__ == "__main__":
    env = {**os.environ, "PLAYGROUND_SCREENSHOT_DIR": str(DOCS)}
    sys.exit(subprocess.call(
        [sys.executable, "-m", "pytest", "-q", "-m", "browser",
         "tests/browser/test_playground.py::test_the_whole_loop_in_the_browser"],
        cwd=DOCS.parent, env=env))
