"""One file per revision of the schema (Alembic skips this one)."""
