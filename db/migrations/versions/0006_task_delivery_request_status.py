"""Tasks record how they ended: the delivery a grant or a KI order demands (date, method, note, document,
who), when the task opened (workflow time), and why one was cancelled; requests.status widened for the
statuses that follow the objection (`objection_answered`, …).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_at", db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("delivered_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("delivery_method", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("delivery_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("document_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("completed_by", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("close_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.alter_column(
            "status", existing_type=sa.String(length=16), type_=sa.String(length=32), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.alter_column(
            "status", existing_type=sa.String(length=32), type_=sa.String(length=16), existing_nullable=False
        )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        for column in (
            "close_reason", "completed_by", "document_id", "delivery_note", "delivery_method", "delivered_on",
            "opened_at",
        ):  # fmt: skip
            batch_op.drop_column(column)
