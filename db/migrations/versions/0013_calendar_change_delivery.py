"""calendar_changes: whether a cancellation may move told dates earlier, and the running workflows each change
has still to reach (re-signalled by the worker until none is left). Changes made before this revision were
signalled when they were made: they are marked delivered.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_changes") as table:
        table.add_column(
            sa.Column("confirm_earlier", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        table.add_column(sa.Column("undelivered", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        table.add_column(sa.Column("delivered_at", db.types.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE calendar_changes SET delivered_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("calendar_changes") as table:
        table.drop_column("delivered_at")
        table.drop_column("undelivered")
        table.drop_column("confirm_earlier")
