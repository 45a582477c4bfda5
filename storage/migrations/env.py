"""Alembic's environment: run by storage/schema.py with the connection in
`config.attributes["connection"]` (there is no alembic.ini and no offline mode)."""

from __future__ import annotations

from alembic import context

from storage.schema import TARGET_METADATA, render_item


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
