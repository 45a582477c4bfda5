"""Two real bot processes (`python -m bot run`) on one PostgreSQL database: each follow-up and
each digest is sent once, whichever process's sweep gets to it first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import DateTime, Engine, func, update
from sqlmodel import col, select

from bot.config import Config, load_config
from bot.localapi import Call, LocalBotApi
from bot.services import volunteers as V
from storage.db import uow_factory as uow_factory_for
from storage.models import DigestRun, Outbox, Ticket
from tests.conftest import PG_SKIP_REASON, PG_URL, REPO, _truncate_all, shipped_config_with
from tests.e2e.conftest import COORDINATORS, TOKEN
from tests.factories import add_volunteer, deps_at, submit
from tests.waiting import WAIT

pytestmark = pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)

TICKETS = 20
VOLUNTEER = 500


def fast_config_file(tmp: Path) -> Path:
    """The shipped config with a 1 s sweep, the digest due at any hour, and no quiet hours
    (the processes run on the real clock, whatever time of day the suite runs)."""
    return shipped_config_with(tmp, (('sweep_interval = "30s"', 'sweep_interval = "1s"'),
                                     ('time = "08:30"', 'time = "00:00"'),
                                     ('start = "22:00"', 'start = "03:00"'),
                                     ('end = "07:30"', 'end = "03:00"')))


def resolved_a_day_ago(engine: Engine, config: Config, reporters: range) -> list[int]:
    """Tickets whose confirm reminder is due now, on the real clock the processes use.

    Made while the bots may already run, so no step on the way may be due: made "a day ago"
    through the services, a fresh ticket's 接单 deadline would have passed already, and a
    running sweep could open it to the group between submit and accept (changed_meanwhile).
    So they are made now, with nothing due, and then moved a day back, each ticket in one
    statement: its reminder falls due in the same instant as its times say it was resolved.
    """
    uows = uow_factory_for(engine)
    now = datetime.now(UTC)
    numbers = []
    d = deps_at(uows, config, now)
    for reporter in reporters:
        number = submit(uows, config, now, reporter=reporter).id or 0
        V.accept_ticket(d, number, VOLUNTEER)
        V.resolve_ticket(d, number, VOLUNTEER, "修好了")
        numbers.append(number)
    back = config.followups.confirm_reminder + timedelta(minutes=1)
    moments = [c.name for c in Ticket.__table__.columns  # type: ignore[attr-defined]
               if isinstance(getattr(c.type, "impl", c.type), DateTime)]
    with uows() as uow:
        for ticket in uow.session.exec(select(Ticket).where(col(Ticket.id).in_(numbers))):
            for name in moments:
                if (value := getattr(ticket, name)) is not None:
                    setattr(ticket, name, value - back)
            uow.session.add(ticket)
        uow.commit()
    with uows() as uow:
        # The set-up's own notices are not what this test is about (the volunteer's 40 would
        # take 40 s at one a second). Only those: the running bots' reminders must stay.
        uow.session.execute(update(Outbox).where(
            col(Outbox.ticket_id).in_(numbers),
            col(Outbox.notice).in_(("offer", "details", "claimed", "resolved")),
        ).values(status="sent"))
        uow.commit()
    return numbers


@pytest.fixture
def pg(_pg_engine: Engine) -> Iterator[Engine]:
    _truncate_all(_pg_engine)
    yield _pg_engine


def reminder_to(residents: range) -> Callable[[Call], bool]:
    return lambda c: (c.method == "sendMessage" and c.ok and c.chat_id in residents
                      and "问题解决了吗" in (c.params.get("text") or ""))


def start_bot(config_file: Path, api: LocalBotApi, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BOT_CONFIG": str(config_file), "TELEGRAM_BOT_TOKEN": TOKEN,
           "DATABASE_URL": str(PG_URL), "TELEGRAM_API_BASE_URL": f"{api.url}/bot",
           "WEB_PORT": "0"}  # each its own free port for /healthz and /metrics
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=REPO, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def test_two_processes_send_each_follow_up_and_digest_once(pg: Engine, tmp_path: Path) -> None:
    config_file = fast_config_file(tmp_path)
    config = load_config(config_file, env={})
    add_volunteer(uow_factory_for(pg), datetime.now(UTC), VOLUNTEER, buildings=["b1"],
                  max_open=1000)
    first = resolved_a_day_ago(pg, config, range(900, 900 + TICKETS))
    with LocalBotApi() as api:
        bots = [start_bot(config_file, api, tmp_path / f"bot{i}.log") for i in range(2)]
        try:
            api.wait_for_sync(reminder_to(range(900, 900 + TICKETS)), count=TICKETS)
            for coordinator in COORDINATORS:
                api.wait_for_sync("sendPhoto", chat_id=coordinator)
            # A second batch made while both run and sweep: each of its reminders falls due
            # while both processes are looking for due work.
            later = range(2000, 2000 + TICKETS)
            second = resolved_a_day_ago(pg, config, later)
            api.wait_for_sync(reminder_to(later), count=TICKETS)
        finally:
            # Stopped, not left to run a while: a clean stop lets every sweep and send under
            # way finish, so anything sent or owed twice is in the records checked below.
            for bot in bots:
                bot.send_signal(signal.SIGINT)
            for bot in bots:
                bot.wait(timeout=WAIT)
        assert all(b.returncode == 0 for b in bots), [
            (tmp_path / f"bot{i}.log").read_text()[-2000:] for i in range(2)]
        assert len(first) + len(second) == 2 * TICKETS
        for resident in [*range(900, 900 + TICKETS), *later]:
            assert len([c for c in api.calls() if reminder_to(range(resident, resident + 1))(c)
                        ]) == 1, resident
        for coordinator in COORDINATORS:
            digests = [c for c in api.calls("sendPhoto") if c.ok and c.chat_id == coordinator]
            assert len(digests) == 1
    with uow_factory_for(pg)() as uow:
        assert len(uow.session.exec(select(DigestRun)).all()) == 1
        # Each reminder owed once and sent; none can fall due again (the next step, the
        # auto-close, is days away), so no later sweep of either process could repeat it.
        owed = uow.session.exec(select(Outbox.ticket_id, func.count(), func.min(Outbox.status))
                                .where(Outbox.notice == "confirm_reminder")
                                .group_by(col(Outbox.ticket_id))).all()
        assert sorted(owed) == [(n, 1, "sent") for n in sorted([*first, *second])]
        tickets = uow.session.exec(select(Ticket).where(col(Ticket.id).in_([*first, *second])))
        assert {t.next_action for t in tickets} == {"auto_close"}
