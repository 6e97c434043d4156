"""retry_results: what retrying each unresolved episode of a run achieved

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retry_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=255), nullable=False),
        sa.Column("episode_index", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_retry_results_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retry_results")),
        sa.UniqueConstraint(
            "run_id", "task_id", "episode_index", name=op.f("uq_retry_results_run_id_task_id_episode_index")
        ),
    )
    op.create_index(op.f("ix_retry_results_run_id"), "retry_results", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_retry_results_run_id"), table_name="retry_results")
    op.drop_table("retry_results")
