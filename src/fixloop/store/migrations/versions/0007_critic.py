"""critic: its evaluations over runs and the ground truth Φ* measured once per step

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 00:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "critic_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run", sa.String(length=200), nullable=False),
        sa.Column("critic", sa.String(length=200), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("evaluation", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_critic_evaluations")),
    )
    op.create_index(op.f("ix_critic_evaluations_run"), "critic_evaluations", ["run"], unique=False)
    op.create_table(
        "ground_truth",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run", sa.String(length=200), nullable=False),
        sa.Column("task_id", sa.String(length=255), nullable=False),
        sa.Column("episode_index", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("phi_star", sa.Float(), nullable=False),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("failing", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ground_truth")),
        sa.UniqueConstraint(
            "run",
            "task_id",
            "episode_index",
            "step",
            name=op.f("uq_ground_truth_run_task_id_episode_index_step"),
        ),
    )


def downgrade() -> None:
    op.drop_table("ground_truth")
    op.drop_index(op.f("ix_critic_evaluations_run"), table_name="critic_evaluations")
    op.drop_table("critic_evaluations")
