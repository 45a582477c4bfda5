"""`python -m bot run --webhook` as an operator starts it: a real process behind the stand-in
Bot API, which POSTs updates to it; SIGTERM stops it with exit 0. Without its public URL or
secret it refuses to start with one line and exit 2. Two such processes on one PostgreSQL
database behind a load balancer handle each update once.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from bot import texts
from bot.localapi import LocalBotApi
from storage.db import uow_factory
from storage.models import InboxUpdate
from tests.conftest import PG_SKIP_REASON, PG_URL, _truncate_all
from tests.e2e.test_run_command import BOUND, REPO, _read_lines

SECRET = "run-webhook-secret_0123456789abcdef"
TOKEN = "4242:RUN-TEST"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_env(api: LocalBotApi, database_url: str, port: int, **more: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": f"{api.url}/bot", "DATABASE_URL": database_url,
            "WEB_PORT": str(port), "TELEGRAM_WEBHOOK_SECRET": SECRET, **more}


def start(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(REPO / "config.toml"), "run", "--webhook"],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=BOUND)


def test_run_webhook_answers_a_resident_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    with LocalBotApi(webhook_retry=0.05, webhook_retry_max=0.5) as api:
        env = bot_env(api, f"sqlite:///{tmp_path / 'bot.db'}", port,
                      WEB_PUBLIC_URL=f"http://127.0.0.1:{port}")
        process = start(env, tmp_path)
        lines: list[str] = []
        reader = _read_lines(process, lines)
        try:
            api.push_text(777, "/start")
            answer, = api.wait_for_sync("sendMessage", chat_id=777, timeout=BOUND)
            assert answer.params["text"]
            assert api.webhook_url.startswith(f"http://127.0.0.1:{port}/telegram/")
            assert not api.calls("getUpdates")
            stop(process)
            reader.join(BOUND)
        finally:
            if process.poll() is None:
                process.kill()
    out = "".join(lines)
    assert process.returncode == 0, out
    assert "Traceback" not in out
    assert SECRET not in out and api.webhook_url.rsplit("/", 1)[1] not in out


@pytest.mark.parametrize(("missing", "message"), [
    ("TELEGRAM_WEBHOOK_SECRET", texts.WEBHOOK_NO_SECRET),
    ("WEB_PUBLIC_URL", texts.WEBHOOK_NO_PUBLIC_URL),
])
def test_run_webhook_refuses_to_start_without_its_secret_or_public_url(
        tmp_path: Path, missing: str, message: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "WEB_PORT": "0",
           "TELEGRAM_WEBHOOK_SECRET": SECRET, "WEB_PUBLIC_URL": "https://bot.example.org"}
    del env[missing]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(REPO / "config.toml"), "run", "--webhook"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=BOUND)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == message.strip()
    assert not (tmp_path / "bot.db").exists()  # refused before opening anything


def test_run_webhook_refuses_a_secret_telegram_would_refuse(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TELEGRAM_BOT_TOKEN": TOKEN,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
           "TELEGRAM_WEBHOOK_SECRET": "no spaces allowed here!",
           "WEB_PUBLIC_URL": "https://bot.example.org"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(REPO / "config.toml"), "run", "--webhook"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=BOUND)
    assert result.returncode == 2 and "TELEGRAM_WEBHOOK_SECRET" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_two_webhook_replicas_on_postgresql_handle_each_update_once(
        _pg_engine: Engine, tmp_path: Path) -> None:
    _truncate_all(_pg_engine)
    residents = range(3000, 3020)
    ports = [free_port(), free_port()]
    with LocalBotApi(webhook_retry=0.05, webhook_retry_max=0.5) as api:
        # A load balancer in front of both: the stand-in delivers to each in turn.
        api.load_balance([f"http://127.0.0.1:{p}" for p in ports])
        bots = [start(bot_env(api, str(PG_URL), p, WEB_PUBLIC_URL="https://bot.example.org"),
                      tmp_path) for p in ports]
        logs: list[list[str]] = [[], []]
        readers = [_read_lines(b, log) for b, log in zip(bots, logs, strict=True)]
        try:
            api.wait_for_sync("setWebhook", count=2, timeout=BOUND)
            updates = [api.push_text(r, "/start") for r in residents]
            pushed = [u["update_id"] for u in updates]
            # Redeliveries, as after a 200 that got lost: each replica sees some of them.
            for update in updates[:6]:
                api.push_raw(update)
            for r in residents:  # /start: the welcome, then the offer to leave a phone number
                api.wait_for_sync(lambda c: c.params.get("text") == texts.ASK_PHONE, chat_id=r,
                                  timeout=BOUND)
            api.wait_idle_sync(quiet=0.5, timeout=BOUND)
        finally:
            for bot in bots:
                bot.send_signal(signal.SIGTERM)
            for bot in bots:
                bot.wait(timeout=BOUND)
            for reader in readers:
                reader.join(BOUND)
        assert [b.returncode for b in bots] == [0, 0], ["".join(log)[-2000:] for log in logs]
        acknowledged = [d for d in api.deliveries() if d.acknowledged]
        assert len(acknowledged) == len(pushed) + 6
        assert {d.url.split("/telegram/")[0] for d in acknowledged} == {
            f"http://127.0.0.1:{p}" for p in ports}  # both replicas took deliveries
        for r in residents:
            sent = api.sent_to(r)
            assert len(sent) == 2 and sent[1] == texts.ASK_PHONE, (r, sent)
    with uow_factory(_pg_engine)() as uow:
        rows = uow.session.exec(select(InboxUpdate)).all()
    assert sorted(row.update_id for row in rows) == sorted(pushed)
    assert all(row.done_at is not None for row in rows)

