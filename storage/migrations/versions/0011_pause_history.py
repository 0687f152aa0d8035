"""Pause history: one row per pause of a member's coffee chats (`pause_periods`), so the
dashboard can count who was paused at each round's start. Pauses running at upgrade time are
carried over (from the profile's last change to `paused_until`).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pause_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name="fk_pause_periods_member_id_members",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_pause_periods"),
    )
    op.create_index("ix_pause_periods_member_id", "pause_periods", ["member_id"])
    op.execute(
        "INSERT INTO pause_periods (member_id, started_at, ended_at) "
        "SELECT member_id, updated_at, paused_until FROM profiles "
        "WHERE paused_until IS NOT NULL AND paused_until > updated_at"
    )


def downgrade() -> None:
    op.drop_index("ix_pause_periods_member_id", table_name="pause_periods")
    op.drop_table("pause_periods")
