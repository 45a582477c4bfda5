"""`python -m bot try` over HTTP, without a browser: what it reads, how time moves, what it refuses.

The browser tests (tests/browser) click through the loop; these check the playground's promises
that a page cannot show: it never touches the real token or database, a week passes one day at
a time, and its API refuses what no person could do.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlmodel import Session, select

from bot import texts
from storage.models import DigestRun, Outbox
from tests.playground_process import REPO, running_playground

BOUND = 60.0  # seconds: failure bounds only


def test_try_never_reads_the_token_or_the_real_database(tmp_path: Path) -> None:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "999:REAL-TOKEN-MUST-NOT-BE-USED",
           "DATABASE_URL": "postgresql://nobody@203.0.113.1:1/never"}
    with running_playground(tmp_path, "--fresh", env=env) as pg:
        state = httpx.get(pg.url + "api/state", timeout=BOUND).json()
        assert {p["role"] for p in state["people"]} == {"resident", "volunteer", "leader",
                                                        "coordinator"}
        assert len([p for p in state["people"] if p["role"] == "volunteer"]) == 3
        assert (tmp_path / "data" / "playground.db").exists()
        # The operations kit is a route of the same app in `try` too (decisions 7).
        health = httpx.get(pg.url + "healthz", timeout=BOUND)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert "bot_database_up 1.0" in httpx.get(pg.url + "metrics", timeout=BOUND).text
    assert "REAL-TOKEN" not in "".join(pg.output)


def test_a_week_passes_one_day_at_a_time(tmp_path: Path) -> None:
    """一周后 stops at every 08:30 on the way: one digest per day, each delivered, none twice."""
    with running_playground(tmp_path, "--fresh") as pg:
        before = httpx.get(pg.url + "api/state", timeout=BOUND).json()["time"]
        moved = httpx.post(pg.url + "api/clock", json={"step": "week"}, timeout=BOUND).json()
        assert moved["ok"] and moved["time"] != before
        engine = pg.engine()
        with Session(engine) as s:
            days = sorted(r.day for r in s.exec(select(DigestRun)).all())
        assert len(days) in (7, 8)  # today's counted as sent at seeding, then one a day
        assert all((b - a).days == 1 for a, b in itertools.pairwise(days))
        deadline = time.monotonic() + BOUND
        while True:  # the sender delivers them; wait for that state
            with Session(engine) as s:
                rows = s.exec(select(Outbox).where(Outbox.notice == "digest")).all()
            if rows and all(r.status == "sent" for r in rows):
                break
            assert time.monotonic() < deadline, [(r.id, r.status) for r in rows]
            time.sleep(0.1)
        coordinator = next(p for p in httpx.get(pg.url + "api/state", timeout=BOUND).json()[
            "people"] if p["role"] == "coordinator")
        chat = httpx.get(pg.url + "api/state", timeout=BOUND).json()["chats"][
            str(coordinator["id"])]["messages"]
        charts = [m for m in chat if m.get("photo")]
        assert len(charts) == len(days) - 1  # each digest with its chart
        chart = httpx.get(pg.url + "api/file/" + charts[0]["photo"][-1]["file_id"],
                          timeout=BOUND)
        assert chart.headers["content-type"] == "image/png" and chart.content[:4] == b"\x89PNG"
        # A week of the page's time is not a stale bot: the sweep's age is real time, and
        # everything that fell due on the way was sent.
        health = httpx.get(pg.url + "healthz", timeout=BOUND)
        assert health.status_code == 200, health.json()


def test_the_page_api_refuses_what_no_person_could_do(tmp_path: Path) -> None:
    with running_playground(tmp_path, "--fresh") as pg:
        page = httpx.get(pg.url, timeout=BOUND)
        assert page.status_code == 200 and "社区微心愿机器人" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        state = httpx.get(pg.url + "api/state", timeout=BOUND).json()
        resident = next(p for p in state["people"] if p["role"] == "resident")
        group = state["group"]["id"]
        post = lambda path, body: httpx.post(pg.url + path, json=body, timeout=BOUND)  # noqa: E731
        assert post("api/send", {"as": 1, "kind": "text", "text": "hi"}).status_code == 400
        assert post("api/send", {"as": resident["id"], "chat": group, "kind": "text",
                                 "text": "我能进群吗"}).status_code == 403
        assert post("api/send", {"as": resident["id"], "kind": "text",
                                 "text": "   "}).status_code == 400
        assert post("api/press", {"as": resident["id"], "message_id": 999,
                                  "data": "t.ok:1"}).status_code == 404
        assert post("api/clock", {"step": "yesterday"}).status_code == 400
        assert httpx.post(pg.url + "api/send", content=b"not json", timeout=BOUND
                          ).status_code == 400
        assert httpx.post(pg.url + f"api/photo?as={resident['id']}", content=b"text",
                          headers={"content-type": "text/plain"}, timeout=BOUND
                          ).status_code == 400
        assert httpx.get(pg.url + "api/file/nothing-1", timeout=BOUND).status_code == 404
        # The local Bot API is mounted too, and says 404 the way Telegram does.
        assert httpx.get(pg.url + "tg/nothing", timeout=BOUND).json()["ok"] is False


def test_a_busy_port_is_named_with_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(REPO / "config.toml"), "try",
             "--port", str(port)], cwd=tmp_path, capture_output=True, text=True, timeout=BOUND,
            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 2
    assert texts.TRY_PORT_BUSY.format(port=port) in done.stderr


def test_listening_beyond_this_machine_warns(tmp_path: Path) -> None:
    with running_playground(tmp_path, "--host", "0.0.0.0") as pg:
        assert httpx.get(pg.url + "api/tour", timeout=BOUND).status_code == 200
    assert texts.TRY_HOST_WARNING.format(host="0.0.0.0").splitlines()[0] in "".join(pg.output)
