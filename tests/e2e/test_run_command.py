"""`python -m bot run` as an operator starts it: a real process polling a Bot API until SIGTERM,
with its web app (/healthz, /metrics) beside the polling.

`run` and `try` share one run path (bot/app/serve.py); this checks the `run` side end to end.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

from bot.localapi import LocalBotApi
from tests.waiting import until_sync

REPO = Path(__file__).resolve().parents[2]
BOUND = 60.0  # failure bound only


def _read_lines(process: subprocess.Popen[str], lines: list[str]) -> threading.Thread:
    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader


def test_run_answers_a_resident_serves_health_and_metrics_and_stops_on_sigterm(
        tmp_path: Path) -> None:
    with LocalBotApi() as api:
        env = {**os.environ, "PYTHONPATH": str(REPO), "TELEGRAM_BOT_TOKEN": "4242:RUN-TEST",
               "TELEGRAM_API_BASE_URL": f"{api.url}/bot",
               "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "WEB_PORT": "0"}
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(REPO / "config.toml"), "run"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines: list[str] = []
        reader = _read_lines(process, lines)
        try:
            api.push_text(777, "/start")
            answer, = api.wait_for_sync("sendMessage", chat_id=777, timeout=BOUND)
            assert answer.params["text"]
            until_sync(lambda: any("web app on http://" in line for line in lines), BOUND,
                       lambda: "".join(lines))
            url = re.search(r"http://\S+/", "".join(lines))
            assert url is not None and url.group(0).startswith("http://127.0.0.1:")
            with urllib.request.urlopen(url.group(0) + "healthz", timeout=BOUND) as health:
                assert health.status == 200
                assert json.loads(health.read())["status"] == "ok"

            def metrics() -> str:
                with urllib.request.urlopen(url.group(0) + "metrics", timeout=BOUND) as got:
                    return str(got.read().decode())

            # The /start update counted once its handling ended (its answer came just before).
            until_sync(lambda: "bot_updates_handled_total 1.0" in metrics(), BOUND, metrics)
            assert "bot_database_up 1.0" in metrics()
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=BOUND)
            reader.join(BOUND)
        finally:
            if process.poll() is None:
                process.kill()
    out = "".join(lines)
    assert process.returncode == 0, out
    assert "Traceback" not in out


def test_run_refuses_to_start_when_its_web_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "PYTHONPATH": str(REPO), "TELEGRAM_BOT_TOKEN": "4242:RUN-TEST",
               "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
               "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "WEB_PORT": str(port)}
        result = subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(REPO / "config.toml"), "run"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=BOUND)
    assert result.returncode == 2, result.stderr
    assert f"127.0.0.1:{port}" in result.stderr and "[web] port" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_stops_with_a_clear_message_when_another_process_polls(tmp_path: Path) -> None:
    with LocalBotApi() as api:
        # Telegram's answer when a second process polls with the same token.
        api.fail_next("getUpdates", status=409)
        env = {**os.environ, "PYTHONPATH": str(REPO), "TELEGRAM_BOT_TOKEN": "4242:RUN-TEST",
               "TELEGRAM_API_BASE_URL": f"{api.url}/bot",
               "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "WEB_PORT": "0"}
        result = subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(REPO / "config.toml"), "run"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=BOUND)
        asked = api.calls("getUpdates")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "409" in result.stderr and "另一个进程" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(asked) == 1  # one try, not a loop
