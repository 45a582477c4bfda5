"""The schema by Alembic (storage/schema.py, storage/migrations/): the migrations build exactly
what the models describe; a database the previous release made (tests/data/previous_release)
is upgraded with every row kept; `python -m bot run` creates an empty database and refuses one
behind or ahead of the code, naming the command; `python -m bot db upgrade | current`.

Each test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL (in a schema of its
own, so the suite's shared tables are not touched)."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.engine import make_url

import storage.schema
from bot import texts
from bot.app.application import prepare_database
from bot.app.cli import main
from bot.app.clock import ManualClock
from bot.config import Config
from storage.db import make_engine, uow_factory
from storage.models import SQLModel, Ticket
from storage.schema import (
    SchemaMismatch,
    SchemaStatus,
    ensure_schema,
    head_revision,
    schema_state,
    upgrade_schema,
)
from tests.conftest import PG_SKIP_REASON, PG_URL, REPO
from tests.factories import submit

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
PREVIOUS_RELEASE = REPO / "tests/data/previous_release"
# What an older release's database lacked, or had that the previous release dropped.
OLDER_TICKET_COLUMNS = ("waiting_since", "escalation_level", "reminded_at", "revisit_asked_at")


@dataclass
class Blank:
    """An empty database: its engine and the URL `python -m bot` is given for it."""

    engine: Engine
    url: str

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


@pytest.fixture(params=["sqlite", "postgresql"])
def blank(request: pytest.FixtureRequest, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Blank]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bot.db'}"
        engine = make_engine(url)
        monkeypatch.setenv("DATABASE_URL", url)
        yield Blank(engine, url)
        engine.dispose()
        return
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    name = f"schema_test_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={name}"}) \
        .render_as_string(hide_password=False)
    engine = make_engine(url)
    monkeypatch.setenv("DATABASE_URL", url)
    try:
        yield Blank(engine, url)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def differences(engine: Engine) -> list[Any]:
    """What autogenerate would write into a new revision: nothing when schema == models."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def load_previous_release(blank: Blank) -> None:
    script = (PREVIOUS_RELEASE / f"{blank.dialect}.sql").read_text(encoding="utf-8")
    if blank.dialect == "sqlite":
        path = make_url(blank.url).database
        assert path
        with closing(sqlite3.connect(path)) as raw:  # foreign keys off while the dump loads
            raw.executescript(script)
    else:
        with blank.engine.begin() as conn:
            conn.exec_driver_sql(script)


def make_older(blank: Blank) -> None:
    """Turn the previous release's tables into what an earlier one left: columns and indexes
    it added missing, a table missing, and the two indexes it no longer made still there."""
    with blank.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_ticket_unclaimed"))
        conn.execute(text("DROP INDEX ix_outbox_chat"))
        for column in OLDER_TICKET_COLUMNS:
            conn.execute(text(f"ALTER TABLE ticket DROP COLUMN {column}"))
        conn.execute(text("ALTER TABLE resident DROP COLUMN phone_asked_at"))
        conn.execute(text("DROP TABLE configproblem"))
        conn.execute(text("CREATE INDEX ix_ticket_community_status ON ticket (community, status)"))
        conn.execute(text("CREATE INDEX ix_ticket_community_due ON ticket (community, due_at)"))


def row_counts(engine: Engine) -> dict[str, int]:
    present = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in SQLModel.metadata.sorted_tables if t.name in present}


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(REPO / "config.toml"), *args], out=out, err=err)
    return code, out.getvalue().strip(), err.getvalue().strip()


def config_for(config: Config, blank: Blank) -> Config:
    return config.model_copy(update={"bot": config.bot.model_copy(
        update={"database_url": blank.url})})


# ---- the migrations build what the models describe -------------------------------------------


def test_the_migrations_build_exactly_what_the_models_describe(blank: Blank) -> None:
    assert schema_state(blank.engine).status is SchemaStatus.EMPTY
    assert differences(blank.engine)  # the comparison sees this database, not another
    upgrade_schema(blank.engine)
    assert differences(blank.engine) == []
    state = schema_state(blank.engine)
    assert (state.status, state.revision) == (SchemaStatus.CURRENT, head_revision())
    # The revision's downgrade takes everything away again, and the upgrade puts it back.
    from alembic import command

    with blank.engine.begin() as conn:
        command.downgrade(storage.schema._config(conn), "base")
    assert set(inspect(blank.engine).get_table_names()) <= {"alembic_version"}
    upgrade_schema(blank.engine)
    assert differences(blank.engine) == []


def test_a_new_revision_names_sqlalchemy_types_only(tmp_path: Path) -> None:
    """What `python -m storage.migrations` writes for our column types imports and means the
    same whatever becomes of storage/models.py and SQLModel: the type each stores as."""
    from alembic.autogenerate import produce_migrations, render_python_code

    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        code = render_python_code(produce_migrations(context, SQLModel.metadata).upgrade_ops,
                                  render_item=storage.schema.render_item)
    engine.dispose()
    assert "sa.Column('status', sa.String(), nullable=False)" in code  # StatusText
    assert "sa.Column('created_at', sa.DateTime(timezone=True), nullable=False)" in code
    for name in ("AutoString", "UTCDateTime", "StatusText", "sqlmodel", "storage"):
        assert name not in code


# ---- a database the previous release made ----------------------------------------------------


@pytest.mark.parametrize("older", [False, True], ids=["previous", "older"])
def test_a_database_the_previous_release_made_is_upgraded_keeping_every_row(
        blank: Blank, older: bool, config: Config) -> None:
    load_previous_release(blank)
    if older:
        make_older(blank)
    before = row_counts(blank.engine)
    assert before["ticket"] == 2 and before["ticketevent"] > 2 and before["outbox"] > 0
    assert schema_state(blank.engine).status is SchemaStatus.PREVIOUS_RELEASE
    cfg = config_for(config, blank)
    clock = ManualClock(NOW)
    with pytest.raises(SchemaMismatch):  # what `run` does first: it does not touch it
        prepare_database(cfg, clock)
    assert "alembic_version" not in inspect(blank.engine).get_table_names()

    assert cli("db", "upgrade") == (0, texts.DB_ADOPTED.format(head=head_revision()), "")

    assert differences(blank.engine) == []
    after = row_counts(blank.engine)
    # Tables newer than that release start empty.
    assert after == {**before, "configproblem": after["configproblem"], "inbox": 0}
    assert after["configproblem"] == (0 if older else 1)
    uows = uow_factory(blank.engine)
    with uows() as uow:
        first = uow.session.get(Ticket, 1)
        assert first is not None
        assert (first.text, first.status, first.assignee_id) == ("3号楼楼道灯坏了", "claimed", 1)
        assert first.escalation_level == 0 and first.reminded_at is None
        urgent = uow.session.get(Ticket, 2)
        assert urgent is not None and urgent.urgent and urgent.matched == []
    # `run` now starts on it, and it takes new tickets after the old ones.
    engine = prepare_database(cfg, clock)
    try:
        assert submit(uow_factory(engine), config, NOW).id == 3
    finally:
        engine.dispose()
    assert cli("db", "upgrade") == (0, texts.DB_ALREADY_CURRENT.format(head=head_revision()), "")


def test_run_refuses_the_previous_release_database_naming_the_command(
        blank: Blank, tmp_path: Path) -> None:
    """What the operator sees: one line, no traceback, a non-zero exit."""
    if blank.dialect != "sqlite":
        pytest.skip("one process start is enough: the check itself runs on both databases")
    load_previous_release(blank)
    env = {**os.environ, "PYTHONPATH": str(REPO), "TELEGRAM_BOT_TOKEN": "4242:SCHEMA-TEST",
           "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot", "DATABASE_URL": blank.url,
           "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(REPO / "config.toml"), "run"],
        cwd=tmp_path, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.strip() == texts.DB_REFUSED_BEHIND.format(
        revision=texts.DB_NO_REVISION, head=head_revision())
    assert "python -m bot db upgrade" in done.stderr
    assert schema_state(make_engine(blank.url)).status is SchemaStatus.PREVIOUS_RELEASE


# ---- behind and ahead of the code ------------------------------------------------------------

NEXT_REVISION = '''
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resident") as batch:
        batch.add_column(sa.Column("nickname", sa.String(), nullable=True))
        batch.drop_column("building")


def downgrade() -> None:
    with op.batch_alter_table("resident") as batch:
        batch.add_column(sa.Column("building", sa.String(), nullable=True))
        batch.drop_column("nickname")
'''


@dataclass
class Releases:
    this: str  # the head of this release's migrations
    next: str  # the head of the next release's


@pytest.fixture
def newer_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Releases]:
    """The migrations as a next release would ship them: one revision more (a column added and
    one dropped, which SQLite does by copying the table: Alembic's batch mode)."""
    import shutil

    migrations = tmp_path / "migrations"
    shutil.copytree(storage.schema.MIGRATIONS, migrations,
                    ignore=shutil.ignore_patterns("__pycache__"))
    head = head_revision()
    (migrations / "versions" / "9000_next.py").write_text(
        NEXT_REVISION.format(rev="9000", down=head), encoding="utf-8")
    storage.schema._scripts.cache_clear()
    monkeypatch.setattr(storage.schema, "MIGRATIONS", migrations)
    yield Releases(this=head, next="9000")
    storage.schema._scripts.cache_clear()


def test_a_database_behind_the_code_is_refused_until_db_upgrade(
        blank: Blank, config: Config, newer_code: Releases) -> None:
    from alembic import command

    with blank.engine.begin() as conn:  # the database as this release leaves it, with a row
        command.upgrade(storage.schema._config(conn), newer_code.this)
    submit(uow_factory(blank.engine), config, NOW)
    state = schema_state(blank.engine)
    assert (state.status, state.revision) == (SchemaStatus.BEHIND, newer_code.this)
    new = newer_code.next
    with pytest.raises(SchemaMismatch):
        ensure_schema(blank.engine)
    refused = texts.DB_REFUSED_BEHIND.format(revision=state.revision, head=new)
    assert cli("volunteers", "import", str(REPO / "README.md"))[2] == refused
    assert cli("db", "current") == (
        1, texts.DB_STATE_BEHIND.format(revision=state.revision, head=new), "")

    assert cli("db", "upgrade") == (0, texts.DB_UPGRADED.format(
        revision=state.revision, head=new), "")

    assert cli("db", "current") == (0, texts.DB_STATE_CURRENT.format(revision=new), "")
    ensure_schema(blank.engine)
    columns = {c["name"] for c in inspect(blank.engine).get_columns("resident")}
    assert "nickname" in columns and "building" not in columns
    with blank.engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM resident")).scalars().all() == ["王阿姨"]


def test_a_database_a_newer_release_migrated_is_refused(
        blank: Blank, config: Config, newer_code: Releases,
        monkeypatch: pytest.MonkeyPatch) -> None:
    upgrade_schema(blank.engine)  # by the newer release
    storage.schema._scripts.cache_clear()
    monkeypatch.undo()  # and back to this release's code
    monkeypatch.setenv("DATABASE_URL", blank.url)
    new, head = newer_code.next, newer_code.this
    state = schema_state(blank.engine)
    assert (state.status, state.revision, state.head) == (SchemaStatus.AHEAD, new, head)
    with pytest.raises(SchemaMismatch):
        prepare_database(config_for(config, blank), ManualClock(NOW))
    refused = texts.DB_REFUSED_AHEAD.format(revision=new, head=head)
    assert cli("db", "upgrade") == (1, "", refused)
    assert cli("recount") == (1, "", refused)
    assert cli("db", "current") == (1, texts.DB_STATE_AHEAD.format(revision=new, head=head), "")


# ---- the commands on an empty database -------------------------------------------------------


def test_db_commands_on_an_empty_database(blank: Blank) -> None:
    head = head_revision()
    assert cli("db", "current") == (1, texts.DB_STATE_EMPTY.format(head=head), "")
    assert cli("db", "upgrade") == (0, texts.DB_CREATED.format(head=head), "")
    assert cli("db", "current") == (0, texts.DB_STATE_CURRENT.format(revision=head), "")
    assert differences(blank.engine) == []


def test_run_creates_an_empty_database(blank: Blank, config: Config) -> None:
    engine = prepare_database(config_for(config, blank), ManualClock(NOW))
    try:
        assert schema_state(engine).up_to_date
        assert submit(uow_factory(engine), config, NOW).id == 1
    finally:
        engine.dispose()
