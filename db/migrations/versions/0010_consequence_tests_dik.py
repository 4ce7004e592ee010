"""consequence_tests and dik_entries: the consequence test (uji konsekuensi, UU Pasal 19; PP 61/2010 Pasal 3)
and the register of excepted information it produces (DIK, Perki 1/2021); the steps' working days per body
(`bodies.uk_review_days`, `bodies.uk_approval_days`) and a note on tasks (a test's warning about the request's
deadline).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consequence_tests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=32), nullable=True),
        sa.Column("renews_entry_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("information", sa.Text(), nullable=False),
        sa.Column("documents", sa.Text(), nullable=False),
        sa.Column("excepted_part", sa.Text(), nullable=True),
        sa.Column("article", sa.String(length=4), nullable=False),
        sa.Column("point", sa.Integer(), nullable=True),
        sa.Column("other_law", sa.Text(), nullable=True),
        sa.Column("information_kind", sa.String(length=40), nullable=False),
        sa.Column("harm", sa.Text(), nullable=False),
        sa.Column("public_interest", sa.Text(), nullable=False),
        sa.Column("participants", sa.Text(), nullable=True),
        sa.Column("conclusion", sa.String(length=16), nullable=False),
        sa.Column("exemption_until", sa.Date(), nullable=True),
        sa.Column("exemption_condition", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.String(length=254), nullable=False),
        sa.Column("submitted_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=254), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=254), nullable=True),
        sa.Column("decided_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("dik_entry_id", sa.String(length=32), nullable=True),
        sa.Column("workflow_id", sa.String(length=80), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["bodies.id"], name=op.f("fk_consequence_tests_body_id_bodies")),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_consequence_tests_request_id_requests")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_consequence_tests_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consequence_tests")),
        sa.UniqueConstraint("number", name=op.f("uq_consequence_tests_number")),
    )
    with op.batch_alter_table("consequence_tests", schema=None) as batch_op:
        batch_op.create_index("ix_consequence_tests_body_status", ["body_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_consequence_tests_request_id"), ["request_id"], unique=False)

    op.create_table(
        "dik_entries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("test_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("information", sa.Text(), nullable=False),
        sa.Column("excepted_part", sa.Text(), nullable=True),
        sa.Column("article", sa.String(length=4), nullable=False),
        sa.Column("point", sa.Integer(), nullable=True),
        sa.Column("other_law", sa.Text(), nullable=True),
        sa.Column("consequence", sa.Text(), nullable=False),
        sa.Column("exemption_until", sa.Date(), nullable=True),
        sa.Column("exemption_condition", sa.Text(), nullable=True),
        sa.Column("decided_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("determination_due_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opened_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opened_reason", sa.String(length=16), nullable=True),
        sa.Column("superseded_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["bodies.id"], name=op.f("fk_dik_entries_body_id_bodies")),
        sa.ForeignKeyConstraint(
            ["test_id"], ["consequence_tests.id"], name=op.f("fk_dik_entries_test_id_consequence_tests")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_dik_entries_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dik_entries")),
        sa.UniqueConstraint("number", name=op.f("uq_dik_entries_number")),
        sa.UniqueConstraint("test_id", name=op.f("uq_dik_entries_test_id")),
    )
    with op.batch_alter_table("dik_entries", schema=None) as batch_op:
        batch_op.create_index("ix_dik_entries_body_status", ["body_id", "status"], unique=False)

    with op.batch_alter_table("bodies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uk_review_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("uk_approval_days", sa.Integer(), nullable=True))

    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("note")

    with op.batch_alter_table("bodies", schema=None) as batch_op:
        batch_op.drop_column("uk_approval_days")
        batch_op.drop_column("uk_review_days")

    with op.batch_alter_table("dik_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_dik_entries_body_status")

    op.drop_table("dik_entries")
    with op.batch_alter_table("consequence_tests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consequence_tests_request_id"))
        batch_op.drop_index("ix_consequence_tests_body_status")

    op.drop_table("consequence_tests")
