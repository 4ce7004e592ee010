"""tasks: the inbox's index also holds the role, so a PPID's or an Atasan's open tasks, their count and the
inbox's filter choices are read from the index alone, in due order (GET /v1/tasks, /staf).

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_tasks_body_status_due", table_name="tasks")
    op.create_index("ix_tasks_body_status_role_due", "tasks", ["body_id", "status", "role", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_tasks_body_status_role_due", table_name="tasks")
    op.create_index("ix_tasks_body_status_due", "tasks", ["body_id", "status", "due_at"])
