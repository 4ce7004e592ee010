"""dip_entries: the Daftar Informasi Publik of each body (UU Pasal 11(1)(a)), by category, with a link or a
document in the file store.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dip_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("responsible_officer", sa.String(length=200), nullable=False),
        sa.Column("made_when", sa.String(length=120), nullable=False),
        sa.Column("made_place", sa.String(length=200), nullable=False),
        sa.Column("form", sa.String(length=120), nullable=False),
        sa.Column("retention", sa.String(length=120), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("document_filename", sa.String(length=255), nullable=True),
        sa.Column("document_content_type", sa.String(length=100), nullable=True),
        sa.Column("document_size", sa.Integer(), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=True),
        sa.Column("updated_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"], ["bodies.id"], name=op.f("fk_dip_entries_body_id_bodies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_dip_entries_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dip_entries")),
    )
    with op.batch_alter_table("dip_entries", schema=None) as batch_op:
        batch_op.create_index("ix_dip_entries_body_published", ["body_id", "published"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dip_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_dip_entries_body_published")
    op.drop_table("dip_entries")
