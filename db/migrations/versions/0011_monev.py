"""monev: the Komisi Informasi's yearly monitoring and evaluation (Perki 1/2022): rounds, their questionnaire
(indicators with weights, questions with the evidence each needs), the bodies' answers with evidence and the
KI's scores, and the bodies' submissions.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monev_rounds",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("komisi_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("verification_due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("workflow_id", sa.String(length=80), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["komisi_id"], ["komisi_informasi.id"], name=op.f("fk_monev_rounds_komisi_id_komisi_informasi")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monev_rounds")),
        sa.UniqueConstraint("komisi_id", "year", name=op.f("uq_monev_rounds_komisi_id_year")),
    )
    op.create_table(
        "monev_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["monev_rounds.id"],
            name=op.f("fk_monev_indicators_round_id_monev_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monev_indicators")),
        sa.UniqueConstraint("round_id", "code", name=op.f("uq_monev_indicators_round_id_code")),
    )
    with op.batch_alter_table("monev_indicators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monev_indicators_round_id"), ["round_id"], unique=False)

    op.create_table(
        "monev_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["bodies.id"], name=op.f("fk_monev_submissions_body_id_bodies")),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["monev_rounds.id"],
            name=op.f("fk_monev_submissions_round_id_monev_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monev_submissions")),
        sa.UniqueConstraint("round_id", "body_id", name=op.f("uq_monev_submissions_round_id_body_id")),
    )
    with op.batch_alter_table("monev_submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monev_submissions_round_id"), ["round_id"], unique=False)

    op.create_table(
        "monev_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("prefill", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["monev_indicators.id"],
            name=op.f("fk_monev_questions_indicator_id_monev_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monev_questions")),
    )
    with op.batch_alter_table("monev_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monev_questions_indicator_id"), ["indicator_id"], unique=False)

    op.create_table(
        "monev_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=True),
        sa.Column("files", sa.JSON(), nullable=True),
        sa.Column("prefilled", sa.JSON(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("verified_by", sa.String(length=254), nullable=True),
        sa.Column("verified_at", db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(length=254), nullable=True),
        sa.Column("updated_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["bodies.id"], name=op.f("fk_monev_answers_body_id_bodies")),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["monev_questions.id"],
            name=op.f("fk_monev_answers_question_id_monev_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["monev_rounds.id"],
            name=op.f("fk_monev_answers_round_id_monev_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monev_answers")),
        sa.UniqueConstraint(
            "round_id", "body_id", "question_id", name=op.f("uq_monev_answers_round_id_body_id_question_id")
        ),
    )
    with op.batch_alter_table("monev_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monev_answers_round_id"), ["round_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("monev_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monev_answers_round_id"))

    op.drop_table("monev_answers")
    with op.batch_alter_table("monev_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monev_questions_indicator_id"))

    op.drop_table("monev_questions")
    with op.batch_alter_table("monev_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monev_submissions_round_id"))

    op.drop_table("monev_submissions")
    with op.batch_alter_table("monev_indicators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monev_indicators_round_id"))

    op.drop_table("monev_indicators")
    op.drop_table("monev_rounds")
