"""memory cards: every version of every card and the history of their statuses

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 23:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "memory_cards",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("card_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("parent", sa.String(length=120), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_memory_cards")),
    )
    op.create_index(op.f("ix_memory_cards_card_id"), "memory_cards", ["card_id"], unique=False)
    op.create_table(
        "memory_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memory_events")),
    )
    op.create_index(op.f("ix_memory_events_card_id"), "memory_events", ["card_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_memory_events_card_id"), table_name="memory_events")
    op.drop_table("memory_events")
    op.drop_index(op.f("ix_memory_cards_card_id"), table_name="memory_cards")
    op.drop_table("memory_cards")
