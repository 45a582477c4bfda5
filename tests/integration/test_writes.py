"""storage.writes writes a row at once, without the ORM's flush, and leaves the object as if it
had been loaded: the row is what the object says, later changes are tracked, a rollback takes
the row back, and a duplicate key is refused as a flush would refuse it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.models import Draft, Outbox, new_row
from storage.outbox import add_outbox
from storage.writes import insert_now, update_now

NOW = datetime(2026, 11, 2, 1, 0, 0, tzinfo=UTC)


def _draft(key: str = "m:1:1") -> Draft:
    return new_row(Draft, source_key=key, user_id=5_000_000_001, user_name="张",
                   community="hx", text="楼道灯坏了", matched=["楼道灯"],
                   created_at=NOW, updated_at=NOW)


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: seen.append(statement.split()[0]))
    return seen


def test_an_inserted_row_is_stored_and_its_object_is_clean(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        draft = insert_now(session, _draft())
        assert draft.id is not None
        assert draft in session and not session.dirty and not session.new
        seen = _statements(engine)
        session.commit()
        assert "INSERT" not in seen and "UPDATE" not in seen  # not written a second time
    with Session(engine) as session:
        stored = session.get(Draft, draft.id)
        assert stored is not None and stored.model_dump() == draft.model_dump()


def test_a_change_after_the_insert_is_written_at_commit(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        draft = insert_now(session, _draft())
        draft.building = "3号楼"
        session.add(draft)
        session.commit()
    with Session(engine) as session:
        assert session.exec(select(Draft.building)).one() == "3号楼"


def test_an_update_is_written_now_and_leaves_nothing_pending(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        draft = insert_now(session, _draft())
        session.commit()
    with Session(engine, expire_on_commit=False) as session:
        loaded = session.get(Draft, draft.id)
        assert loaded is not None
        update_now(session, loaded, status="submitted", building="5号楼")
        assert (loaded.status, loaded.building) == ("submitted", "5号楼")
        assert not session.dirty
        session.commit()
    with Session(engine) as session:
        assert session.exec(select(Draft.status, Draft.building)).one() == ("submitted", "5号楼")


def test_a_rollback_takes_the_rows_back(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        insert_now(session, _draft())
        add_outbox(session, new_row(Outbox, chat_id=-100123, notice="group_post",
                                    payload={"a": 1}, created_at=NOW, not_before=NOW))
        session.rollback()
    with Session(engine) as session:
        assert session.exec(select(Draft)).all() == []
        assert session.exec(select(Outbox)).all() == []


def test_an_owed_message_is_stored_with_its_payload(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        add_outbox(session, new_row(Outbox, chat_id=-100123, notice="group_post",
                                    payload={"since": "2026-11-02", "n": 2},
                                    created_at=NOW, not_before=NOW))
        session.commit()
    with Session(engine) as session:
        row = session.exec(select(Outbox)).one()
        assert (row.chat_id, row.status, row.payload) == (
            -100123, "pending", {"since": "2026-11-02", "n": 2})


def test_a_duplicate_key_is_refused_and_a_stored_object_is_not_inserted_again(
        engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        draft = insert_now(session, _draft())
        with pytest.raises(ValueError):
            insert_now(session, draft)
        session.commit()
    with Session(engine) as session, pytest.raises(IntegrityError):
        insert_now(session, _draft())  # the same source_key: the redelivery race
