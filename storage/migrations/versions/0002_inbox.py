"""The inbox: updates stored before they are acknowledged (issue 13 §1).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("inbox"):
        # Adopted from a database made before Alembic by code that already had the table
        # (the baseline adopts what it finds; this revision has nothing to add then).
        return
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_inbox_undone", "inbox", ["done_at", "update_id"], unique=False)
    op.create_index("ix_inbox_user_id", "inbox", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_inbox_user_id", table_name="inbox")
    op.drop_index("ix_inbox_undone", table_name="inbox")
    op.drop_table("inbox")
