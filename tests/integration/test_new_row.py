"""storage.models.new_row makes the same object a table model's constructor makes, for a
fraction of the work: same values, defaults and fields set, inserted alike, tracked alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from storage.models import Draft, Outbox, Ticket, new_row

NOW = datetime(2026, 11, 2, 1, 0, 0, tzinfo=UTC)


def _draft_values() -> dict[str, object]:
    return {"source_key": "m:1:1", "user_id": 5_000_000_001, "user_name": "张",
            "media_group_id": None, "community": "hx", "building": None,
            "created_at": NOW, "updated_at": NOW}


@pytest.mark.parametrize(("cls", "values"), [
    (Draft, _draft_values()),
    (Outbox, {"chat_id": -100123, "notice": "group_post", "ticket_id": None, "payload": {},
              "urgent": False, "created_at": NOW, "not_before": NOW}),
    (Ticket, {"kind": "complaint", "text": "灯坏了", "category": "repairs", "community": "hx",
              "created_at": NOW}),
])
def test_the_same_object_as_the_constructor(cls: type, values: dict[str, object]) -> None:
    made, fast = cls(**values), new_row(cls, **values)
    assert type(fast) is cls
    assert fast.model_dump() == made.model_dump()
    assert fast.model_fields_set == made.model_fields_set
    # Default factories give each object its own list (or dict), not a shared one.
    for name, value in fast.model_dump().items():
        if isinstance(value, (list, dict)) and name not in values:
            assert getattr(fast, name) is not getattr(new_row(cls, **values), name)


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(TypeError, match="bogus"):
        new_row(Draft, bogus=1, **_draft_values())


def test_inserted_read_back_and_changed_like_any_other(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        draft = new_row(Draft, **_draft_values())
        session.add(draft)
        session.flush()
        assert draft.id is not None
        draft.text, draft.matched = "楼道灯坏了", ["楼道灯"]  # a change after the INSERT
        session.commit()
    with Session(engine) as session:
        stored = session.get(Draft, draft.id)
        assert stored is not None
        assert stored.model_dump() == draft.model_dump()
        assert (stored.text, stored.matched, stored.status) == ("楼道灯坏了", ["楼道灯"], "open")
