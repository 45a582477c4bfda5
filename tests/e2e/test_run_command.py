"""`python -m bot run` as an operator starts it: a real process polling a Bot API until SIGTERM.

`run` and `try` share one run path (bot/app/serve.py); this checks the `run` side end to end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.localapi import LocalBotApi

REPO = Path(__file__).resolve().parents[2]
BOUND = 60.0  # failure bound only


def test_run_answers_a_resident_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    with LocalBotApi() as api:
        env = {**os.environ, "PYTHONPATH": str(REPO), "TELEGRAM_BOT_TOKEN": "4242:RUN-TEST",
               "TELEGRAM_API_BASE_URL": f"{api.url}/bot",
               "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(REPO / "config.toml"), "run"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            api.push_text(777, "/start")
            answer, = api.wait_for_sync("sendMessage", chat_id=777, timeout=BOUND)
            assert answer.params["text"]
            process.send_signal(signal.SIGTERM)
            out, _ = process.communicate(timeout=BOUND)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, out
    assert "Traceback" not in out
