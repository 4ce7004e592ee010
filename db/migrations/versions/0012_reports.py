"""annual_reports: the yearly Laporan Layanan Informasi Publik of each body (UU Pasal 12; Perki 1/2021
Pasal 56): its narrative sections, status, due date, and the figures and PDF at submission.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "annual_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("prepared_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("policy", sa.Text(), nullable=False),
        sa.Column("facilities", sa.Text(), nullable=False),
        sa.Column("staff_budget", sa.Text(), nullable=False),
        sa.Column("obstacles", sa.Text(), nullable=False),
        sa.Column("recommendations", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=True),
        sa.Column("submitted_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.String(length=254), nullable=True),
        sa.Column("submitted_late", sa.Boolean(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("pdf_size", sa.Integer(), nullable=True),
        sa.Column("updated_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"], ["bodies.id"], name=op.f("fk_annual_reports_body_id_bodies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_reports")),
        sa.UniqueConstraint("body_id", "year", name=op.f("uq_annual_reports_body_id_year")),
    )


def downgrade() -> None:
    op.drop_table("annual_reports")
