"""Alembic's migration environment for the bot's schema: env.py, and one file per revision in
versions/. storage/schema.py builds the Alembic Config in code (no alembic.ini) and hands env.py
the connection to migrate."""
