"""A database made by an earlier version gets the new columns and indexes, and keeps its rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, inspect, text

from bot.config import Config
from storage.db import create_schema, uow_factory
from storage.models import Resident, Ticket
from tests.factories import submit

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
# Columns and indexes this version added to tables an earlier version already had.
NEW_TICKET_COLUMNS = ("waiting_since", "escalation_level", "reminded_at", "revisit_asked_at")


def test_an_older_database_is_brought_up_to_date_without_losing_rows(
        engine: Engine, config: Config) -> None:
    uows = uow_factory(engine)
    number = submit(uows, config, NOW).id or 0
    with engine.begin() as conn:  # turn the tables back into what the earlier version made
        conn.execute(text("DROP INDEX ix_ticket_unclaimed"))
        conn.execute(text("DROP INDEX ix_outbox_chat"))
        for column in NEW_TICKET_COLUMNS:
            conn.execute(text(f"ALTER TABLE ticket DROP COLUMN {column}"))
        conn.execute(text("ALTER TABLE resident DROP COLUMN phone_asked_at"))
    columns = {c["name"] for c in inspect(engine).get_columns("ticket")}
    assert not columns & set(NEW_TICKET_COLUMNS)

    create_schema(engine)  # what the bot does on start

    inspector = inspect(engine)
    assert set(NEW_TICKET_COLUMNS) <= {c["name"] for c in inspector.get_columns("ticket")}
    assert "phone_asked_at" in {c["name"] for c in inspector.get_columns("resident")}
    assert "ix_ticket_unclaimed" in {i["name"] for i in inspector.get_indexes("ticket")}
    assert "ix_outbox_chat" in {i["name"] for i in inspector.get_indexes("outbox")}
    with uows() as uow:
        ticket = uow.session.get(Ticket, number)
        assert ticket is not None and ticket.text == "3号楼楼道灯坏了"
        assert (ticket.escalation_level, ticket.reminded_at) == (0, None)
        [resident] = uow.session.exec(
            Resident.__table__.select()).all()  # type: ignore[attr-defined]
        assert resident.phone_asked_at is None
    # And the upgraded database works as a new one would.
    assert submit(uows, config, NOW).id == number + 1
    create_schema(engine)  # a second start changes nothing
