"""Alembic's environment: run by storage/schema.py with the connection in
`config.attributes["connection"]` (there is no alembic.ini and no offline mode)."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.types import TypeDecorator

from storage.schema import TARGET_METADATA


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Our own column types (storage.models.StatusText, SQLModel's AutoString) are written into a
    revision as the SQLAlchemy type they store as: a revision must keep importing and meaning the
    same after the models change."""
    if kind != "type" or not isinstance(obj, TypeDecorator):
        return False
    while isinstance(obj, TypeDecorator):
        obj = obj.impl_instance
    return f"sa.{obj!r}"


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("storage/migrations runs through storage.schema, with a connection")
    context.configure(
        connection=connection,
        target_metadata=TARGET_METADATA,
        # SQLite alters a table by copying it (Alembic's batch mode); other databases ALTER.
        render_as_batch=True,
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
