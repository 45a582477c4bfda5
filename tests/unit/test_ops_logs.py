"""Log lines as [ops] log_format says (bot/ops/logs.py, bot/app/application.py): JSON lines
carry the update's context, even from the worker threads its database work runs in; plain
text stays the default; libraries never log below INFO; a failed statement's error does not
carry its parameters (a resident's words)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from bot.app.application import configure_logging
from bot.app.clock import ManualClock
from bot.config import Config, OpsSection
from bot.ops.logs import JsonFormatter, context_fields, log_context, note
from bot.services.deps import Deps
from storage.db import make_engine, uow_factory
from tests.logs import enable_loggers, unconfigure

log = logging.getLogger("bot.test_ops_logs")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    enable_loggers()
    stream = io.StringIO()
    handler = configure_logging(OpsSection(log_format="json", log_level="DEBUG"), stream)
    yield stream
    unconfigure(handler)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_a_ticket_noted_in_a_worker_thread_shows_on_later_lines(
        captured: io.StringIO, sqlite_engine: Engine, config: Config, clock: ManualClock) -> None:
    deps = Deps(config, uow_factory(sqlite_engine), clock)  # its run(): the handlers' pool

    def service() -> None:
        log.info("inside the service")
        note(ticket=42)

    with log_context(update_id=7, chat=-100123):
        log.debug("before")
        await deps.run(service)
        await asyncio.to_thread(log.warning, "in another thread, after")
        log.info("after, on the loop")
    log.info("outside any update")
    before, inside, other, after, outside = lines(captured)
    assert before == {**before, "update_id": 7, "chat": -100123} and "ticket" not in before
    assert inside["update_id"] == 7 and "ticket" not in inside
    assert other["ticket"] == after["ticket"] == 42 and after["chat"] == -100123
    assert not {"update_id", "chat", "ticket"} & set(outside)
    assert context_fields() == {}


def test_note_outside_an_update_does_nothing() -> None:
    note(ticket=1)
    assert context_fields() == {}


def test_a_json_line_keeps_chinese_and_the_traceback() -> None:
    try:
        raise ValueError("故障")
    except ValueError:
        record = logging.LogRecord("bot.x", logging.ERROR, __file__, 1, "出错 %s", (3,),
                                   exc_info=sys.exc_info())
    with log_context(update_id=1):
        line = JsonFormatter().format(record)
    parsed = json.loads(line)
    assert "出错 3" in line and parsed["message"] == "出错 3" and parsed["update_id"] == 1
    assert parsed["level"] == "ERROR" and "ValueError: 故障" in parsed["exc"]
    assert parsed["time"].endswith("+00:00")


def test_text_stays_the_default_and_libraries_never_log_below_info() -> None:
    enable_loggers()
    stream = io.StringIO()
    handler = configure_logging(OpsSection(log_level="DEBUG"), stream)
    try:
        log.debug("ours at debug")
        logging.getLogger("telegram.ext.Application").debug("a library at debug: an update")
        logging.getLogger("httpx").info("a request")
        logging.getLogger("telegram.ext.Application").info("a library at info")
    finally:
        unconfigure(handler)
    output = stream.getvalue()
    assert " DEBUG bot.test_ops_logs: ours at debug" in output
    assert "a library at info" in output
    assert "a library at debug" not in output and "a request" not in output
    assert not output.lstrip().startswith("{")


def test_configuring_again_replaces_the_handler() -> None:
    first = configure_logging(OpsSection(), io.StringIO())
    second = configure_logging(OpsSection(log_format="json"), io.StringIO())
    try:
        assert first not in logging.getLogger().handlers
        assert second in logging.getLogger().handlers
    finally:
        unconfigure(second)


def test_a_failed_statement_does_not_carry_its_parameters(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    words = "我家楼上漏水，我叫王秀英，电话13812345678"
    try:
        with engine.begin() as conn:
            conn.execute(text("create table t (v text unique)"))
            conn.execute(text("insert into t values (:v)"), {"v": words})
        with pytest.raises(IntegrityError) as failure, engine.begin() as conn:
            conn.execute(text("insert into t values (:v)"), {"v": words})
    finally:
        engine.dispose()
    assert "UNIQUE" in str(failure.value)
    assert "13812345678" not in str(failure.value) and "王秀英" not in str(failure.value)
