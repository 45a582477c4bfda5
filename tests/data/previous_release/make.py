"""How sqlite.sql and postgresql.sql beside this file were made: a database as the last release
before Alembic (commit a6cc7fb) left it, with rows in every table, frozen as SQL so the upgrade
test keeps meaning "the previous release" after the models change.

It was run once with that release's code on the path (a checkout of a6cc7fb):
    PYTHONPATH=/path/to/a6cc7fb python tests/data/previous_release/make.py
Running it with later code would describe a later schema: do not regenerate these files.

SQLite: the release's create_schema() on a fresh file; its DDL as sqlite_master holds it and its
rows as sqlite3's dump writes them. PostgreSQL: the same tables as create_all() issues them
(CreateTable and CreateIndex compiled for PostgreSQL) and the same rows as literals.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
HEADER = "-- A database made by the last release before Alembic (a6cc7fb), with rows in it.\n" \
         "-- Written by make.py beside this file; not to be regenerated.\n"


def fill(engine: Any) -> None:
    from bot.config import load_config
    from bot.services import volunteers
    from storage.db import uow_factory
    from storage.models import (
        Block,
        CategoryCorrection,
        ConfigProblem,
        DigestRun,
        Draft,
        Invite,
        PendingInput,
        Secret,
        SenderLease,
    )
    from storage.tallies import ensure_tallies
    from tests.factories import add_volunteer, deps_at, store, submit

    import bot

    config = load_config(Path(bot.__file__).resolve().parents[1] / "config.toml", env={})
    uows = uow_factory(engine)
    add_volunteer(uows, NOW, 3001, name="李建国", buildings=("b1",))
    add_volunteer(uows, NOW, 3002, name="王芳", categories=("elderly",), active=False)
    first = submit(uows, config, NOW).id or 0
    submit(uows, config, NOW + timedelta(minutes=5), text="小区门口井盖松了，晚上很危险",
           category="safety", urgent=True, reporter=902)
    volunteers.accept_ticket(deps_at(uows, config, NOW + timedelta(minutes=10)), first, 3001)
    store(uows, [
        Draft(source_key="777:15", user_id=777, user_name="赵大爷", text="电梯又坏了",
              category="repairs", matched=["电梯"], photo_file_ids=["AgAD1"],
              photo_unique_ids=["u1"], created_at=NOW, updated_at=NOW),
        PendingInput(user_id=777, kind="draft_text", draft_id=1, created_at=NOW, seq=2),
        Block(key_hash="ab" * 32, community="hx", created_at=NOW),
        Secret(name="block_key", value="cd" * 32, created_at=NOW),
        CategoryCorrection(ticket_id=first, from_category="repairs", to_category="safety",
                           text="3号楼楼道灯坏了", actor_tg_id=10001, at=NOW),
        ConfigProblem(content_hash="ef" * 32, created_at=NOW),
        SenderLease(holder="host:1234", until=NOW + timedelta(seconds=30)),
        DigestRun(community="hx", day=date(2026, 11, 2), created_at=NOW),
        Invite(token="tok-123", community="hx", created_by=10001, created_at=NOW,
               expires_at=NOW + timedelta(days=1)),
    ])
    ensure_tallies(engine, config.tz, NOW)


def sqlite_script(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        lines = [line for line in conn.iterdump()
                 if line not in ("BEGIN TRANSACTION;", "COMMIT;")]
    return HEADER + "\n".join(lines) + "\n"


def postgresql_script(engine: Any) -> str:
    from sqlmodel import SQLModel

    dialect = postgresql.dialect()
    out = [HEADER]
    for table in SQLModel.metadata.sorted_tables:
        out.append(str(CreateTable(table).compile(dialect=dialect)).strip() + ";")
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            out.append(str(CreateIndex(index).compile(dialect=dialect)).strip() + ";")
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                names = ", ".join(f'"{k}"' for k in row)
                values = ", ".join(_pg_literal(v) for v in row.values())
                out.append(f'INSERT INTO "{table.name}" ({names}) VALUES ({values});')
            if "id" in table.c:
                out.append(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                           f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table.name}"), false);')
    return "\n".join(out) + "\n"


def _pg_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"'{value.astimezone(UTC).isoformat()}'"
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    return "'" + str(value).replace("'", "''") + "'"


def main() -> None:
    from storage.db import create_schema, make_engine

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "previous.db"
        engine = make_engine(f"sqlite:///{path}")
        create_schema(engine)
        fill(engine)
        (HERE / "postgresql.sql").write_text(postgresql_script(engine), encoding="utf-8")
        engine.dispose()
        (HERE / "sqlite.sql").write_text(sqlite_script(path), encoding="utf-8")


if __name__ == "__main__":
    main()
