"""The schema by Alembic: the revisions in storage/migrations/versions, the database's place
among them, bringing it to the code's (`python -m bot db upgrade`) and the start-up check of
`python -m bot run` (an empty database is created; one behind or ahead of the code is refused).

There is no alembic.ini: the Config is built here, and env.py migrates the connection handed
to it. A database made before Alembic (the bot's tables, no alembic_version) is adopted by the
first revision, which adds what an older release lacked and keeps every row.
"""

from __future__ import annotations

import enum
import sqlite3
import tempfile
import threading
from contextlib import closing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

from storage import models  # noqa: F401  (registers the tables on SQLModel.metadata)

TARGET_METADATA = SQLModel.metadata
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Two processes upgrading one PostgreSQL database at once take turns (pg_advisory_xact_lock).
_PG_LOCK_KEY = 0x0B07_5C4E


class SchemaStatus(enum.Enum):
    EMPTY = "empty"  # none of the bot's tables yet
    PREVIOUS_RELEASE = "previous_release"  # the bot's tables, made before Alembic: no revision
    BEHIND = "behind"  # an earlier revision than the code's
    CURRENT = "current"
    AHEAD = "ahead"  # a revision this code does not know: a newer release migrated it


@dataclass(frozen=True)
class SchemaState:
    status: SchemaStatus
    revision: str | None  # what the database is stamped with (None: nothing stamped)
    head: str  # the code's revision

    @property
    def up_to_date(self) -> bool:
        return self.status is SchemaStatus.CURRENT


class SchemaMismatch(Exception):
    """The database's schema is not the code's, and this caller may not change it."""

    def __init__(self, state: SchemaState) -> None:
        super().__init__(f"database schema {state.status.value}: at {state.revision}, "
                         f"the code needs {state.head}")
        self.state = state


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """How autogenerate writes a column type into a revision (env.py): our own types
    (storage.models.StatusText, SQLModel's AutoString and UTCDateTime) as the SQLAlchemy type
    they store as, so a revision imports nothing of the models and means the same after they
    change."""
    if kind != "type" or not isinstance(obj, TypeDecorator):
        return False
    while isinstance(obj, TypeDecorator):
        obj = obj.impl_instance
    return f"sa.{obj!r}"


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None, "storage/migrations/versions has no revision"
    return head


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def schema_state(engine: Engine) -> SchemaState:
    with engine.connect() as connection:
        return _state_of(connection)


def _state_of(connection: Connection) -> SchemaState:
    heads = MigrationContext.configure(connection).get_current_heads()
    head = head_revision()
    revision = "+".join(heads) or None
    if not heads:
        ours = set(TARGET_METADATA.tables) & set(inspect(connection).get_table_names())
        status = SchemaStatus.PREVIOUS_RELEASE if ours else SchemaStatus.EMPTY
    elif heads == (head,):
        status = SchemaStatus.CURRENT
    elif all(_known(rev) for rev in heads):
        status = SchemaStatus.BEHIND
    else:
        status = SchemaStatus.AHEAD
    return SchemaState(status, revision, head)


def _known(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


def upgrade_schema(engine: Engine) -> SchemaState:
    """Bring the database to the code's revision: create an empty one, adopt one a release
    before Alembic made, run the revisions an older one lacks; in one transaction, every row
    kept. Refuses (SchemaMismatch) a database a newer release migrated. Returns the state it
    found. Two processes upgrading at once take turns; the second finds nothing left to do."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode alters a SQLite table by copying it and dropping the old one, which
            # foreign keys would refuse; the pragma only changes outside a transaction. The
            # keys are checked before committing instead.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                if sqlite:
                    # pysqlite leaves DDL outside any transaction unless one is begun by hand;
                    # IMMEDIATE takes the write lock now, so a second process waits here.
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                elif connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                       {"key": _PG_LOCK_KEY})
                state = _state_of(connection)
                if state.status is SchemaStatus.AHEAD:
                    raise SchemaMismatch(state)
                if state.status is not SchemaStatus.CURRENT:
                    command.upgrade(_config(connection), "head")
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("the migration left rows whose foreign keys point nowhere")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
    return state


def ensure_schema(engine: Engine) -> SchemaState:
    """What `python -m bot run` does first: an empty database gets the schema; one at the
    code's revision is used as it is; anything else raises SchemaMismatch (the operator runs
    `python -m bot db upgrade`, or the newer release)."""
    state = schema_state(engine)
    if state.status is SchemaStatus.EMPTY:
        return upgrade_schema(engine)
    if state.status is not SchemaStatus.CURRENT:
        raise SchemaMismatch(state)
    return state


def drop_schema(engine: Engine) -> None:
    """Every table of the bot, and the revision Alembic stamped (tests and benchmarks)."""
    TARGET_METADATA.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


_template_lock = threading.Lock()


@cache
def _sqlite_head() -> sqlite3.Connection:
    """An in-memory SQLite database this process migrated to the head once."""
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{scratch}/head.db")
        try:
            upgrade_schema(engine)
        finally:
            engine.dispose()
        template = sqlite3.connect(":memory:", check_same_thread=False)
        with closing(sqlite3.connect(f"{scratch}/head.db")) as migrated:
            migrated.backup(template)
    return template


def build_schema(engine: Engine) -> None:
    """What tests, tools and the playground do (storage.db.create_schema): upgrade_schema, except
    that an empty SQLite database receives a copy of one this process migrated (the same pages,
    alembic_version included, in a few milliseconds instead of running every revision again)."""
    status = schema_state(engine).status
    if status is SchemaStatus.CURRENT:
        return
    if status is SchemaStatus.EMPTY and engine.dialect.name == "sqlite":
        with engine.connect() as connection, _template_lock:
            target = connection.connection.dbapi_connection
            assert isinstance(target, sqlite3.Connection)
            _sqlite_head().backup(target)
        return
    upgrade_schema(engine)


def new_revision(message: str) -> Path:
    """For developers after changing storage/models.py: write the next revision (numbered
    0001, 0002, …), autogenerated by comparing the models with a scratch SQLite database at
    the current head. Review it before committing."""
    scripts = _scripts()
    rev_id = f"{len(list(scripts.walk_revisions())) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{scratch}/head.db")
        try:
            if scripts.get_current_head() is not None:
                upgrade_schema(engine)
            with engine.begin() as connection:
                script = command.revision(_config(connection), message=message,
                                          autogenerate=True, rev_id=rev_id)
        finally:
            engine.dispose()
    _scripts.cache_clear()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


__all__ = [
    "MIGRATIONS",
    "TARGET_METADATA",
    "SchemaMismatch",
    "SchemaState",
    "SchemaStatus",
    "build_schema",
    "drop_schema",
    "ensure_schema",
    "head_revision",
    "new_revision",
    "render_item",
    "schema_state",
    "upgrade_schema",
]
