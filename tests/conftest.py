"""Shared fixtures: the shipped config, a manual clock, and databases (SQLite; PostgreSQL too
when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.app.clock import ManualClock
from bot.config import Config, load_config
from bot.services.deps import Deps
from storage.db import UnitOfWork, create_schema, make_engine, uow_factory
from storage.models import SQLModel
from storage.schema import drop_schema
from tests.factories import recounted_tallies, tallies_now

REPO = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_DATABASE_URL")


def shipped_config_with(tmp: Path, changes: tuple[tuple[str, str], ...]) -> Path:
    """tmp/config.toml: the shipped config with each line `old` replaced by `new` (each must
    be there: a test must not run on a setting it only thinks it changed)."""
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path
PG_SKIP_REASON = (
    "TEST_DATABASE_URL is not set: the PostgreSQL run of the storage tests is skipped "
    "(.ci/run sets it when a server answers on 127.0.0.1:5432)"
)


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def _owed_only_as_the_table_says() -> Iterator[None]:
    """A ticket's change owed a notice its row in bot.domain.states.TRANSITIONS does not list:
    the bot only logs it (the message still goes), the test fails."""
    kept = _Kept()
    logger = logging.getLogger("bot.services.notices")
    logger.addHandler(kept)
    yield
    logger.removeHandler(kept)
    assert not kept.messages, "\n".join(kept.messages)


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(REPO / "config.toml", env={})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 2, 1, 0, 0, tzinfo=UTC))  # Monday 09:00 in Shanghai


@pytest.fixture(scope="session")
def _pg_engine() -> Iterator[Engine]:
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    engine = make_engine(PG_URL)
    drop_schema(engine)
    create_schema(engine)
    yield engine
    engine.dispose()


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The same test runs on SQLite and, when configured, on PostgreSQL."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        create_schema(eng)
        yield eng
        eng.dispose()
    else:
        pg: Engine = request.getfixturevalue("_pg_engine")
        _truncate_all(pg)
        yield pg


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    create_schema(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def uows(engine: Engine, config: Config) -> Iterator[Callable[[], UnitOfWork]]:
    yield uow_factory(engine)
    # Whatever the test did through the services, the digest's tallies must still equal a
    # recount from the tickets: each change kept them in step, in its own transaction.
    assert tallies_now(engine) == recounted_tallies(engine, config.tz), (
        "the per-day tallies drifted from the tickets")


@pytest.fixture
def deps(uows: Callable[[], UnitOfWork], config: Config, clock: ManualClock) -> Deps:
    """What the services need, over the test's database, config and manual clock: each
    action happens when the clock says. (A module with a `classifier` fixture hands it in;
    otherwise one is built from the config if a service asks.)"""
    return Deps(config, uows, clock)
