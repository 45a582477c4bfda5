"""Writing a row now, by one prebuilt Core statement, instead of through the ORM's flush.

The ORM's flush sorts, diffs and events every object it writes: for the few rows every
submission writes (the draft, the resident, the ticket, the draft's new state, the group post
owed) that costs more CPU than the statements themselves (issue 12's bench). These helpers run
the INSERT or UPDATE at once and leave the object in the session as if it had just been
loaded: persistent, clean, its later changes tracked as usual. The statements run on the
session's connection, in its transaction: a rollback takes them back with everything else.

They do not flush other objects first, so a row they write may only refer to rows already in
the database (a ticket's reporter inserted before the ticket, as the services do).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel

_M = TypeVar("_M", bound=SQLModel)
_INSERTS: dict[Table, Any] = {}
INSERTED_NOW = "inserted_now"  # session.info key: the objects insert_now added


def _table(obj: SQLModel) -> Table:
    return type(obj).__table__  # type: ignore[attr-defined]


def columns(table: Table, state: dict[str, Any]) -> dict[str, Any]:
    """An object's values for an INSERT of its table (an id not given yet left out)."""
    return {c.key: state[c.key] for c in table.columns
            if c.key in state and not (c.primary_key and state[c.key] is None)}


def insert_values(session: Session, cls: type[SQLModel], values: dict[str, Any]) -> int:
    """INSERT one row of `cls` with these column values now; its id."""
    table: Table = cls.__table__  # type: ignore[attr-defined]
    statement = _INSERTS.get(table)
    if statement is None:
        statement = _INSERTS[table] = insert(table)
    key = session.connection().execute(statement, values).inserted_primary_key
    assert key is not None
    return int(key[0])


def insert_now(session: Session, obj: _M) -> _M:
    """INSERT a new object (not in any session yet) now, and add it to the session as the
    persistent, unchanged row it now is; `obj`, its id set."""
    state = obj.__dict__
    if state.get("id") is not None:
        raise ValueError(f"{type(obj).__name__} {state['id']} is stored already")
    state["id"] = insert_values(session, type(obj), columns(_table(obj), state))
    make_transient_to_detached(obj)  # as if loaded: nothing pending, nothing changed
    session.add(obj)
    # The session takes it for a loaded row: on a rollback it must be told it never was.
    session.info.setdefault(INSERTED_NOW, []).append(obj)
    return obj


def forget_inserted(session: Session) -> None:
    """After a rollback: the objects insert_now added leave the session (their rows are gone,
    and their ids may be another process's rows soon)."""
    for obj in session.info.pop(INSERTED_NOW, []):
        if obj in session:
            session.expunge(obj)


_UPDATES: dict[tuple[Table, tuple[str, ...]], Any] = {}


def update_now(session: Session, obj: SQLModel, **values: Any) -> None:
    """UPDATE these columns of a stored object's row now, and set them on the object as its
    stored values (not pending: the commit's flush has nothing more to write for them)."""
    table = _table(obj)
    names = tuple(sorted(values))
    statement = _UPDATES.get((table, names))
    if statement is None:
        statement = _UPDATES[(table, names)] = (
            update(table).where(table.c.id == bindparam("row_id"))
            .values({name: bindparam(f"new_{name}") for name in names}))
    session.connection().execute(statement, {"row_id": obj.__dict__["id"],
                                             **{f"new_{k}": v for k, v in values.items()}})
    for name, value in values.items():
        set_committed_value(obj, name, value)
