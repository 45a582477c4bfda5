"""The chaos figures of every set-up that ran, shown at the end of the session (whether it
passed or not), and written as JSON to $CHAOS_FIGURES when that is set."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.chaos.verdict import RAN


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RAN:
        return
    terminalreporter.section("chaos figures (issue 13 §5)")
    for figures in RAN:
        terminalreporter.write_line(figures.line())
    if path := os.environ.get("CHAOS_FIGURES"):
        Path(path).write_text(json.dumps([f.as_dict() for f in RAN], ensure_ascii=False,
                                         indent=2), encoding="utf-8")
