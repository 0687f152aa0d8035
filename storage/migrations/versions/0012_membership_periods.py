"""Membership history: one row per period of a member in a program (`membership_periods`), so
a leave and a rejoin both show on the dashboard (the `memberships` row keeps only the latest
period). Each existing membership is carried over as one period (its joined_at, left_at).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "membership_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name="fk_membership_periods_program_id_programs",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name="fk_membership_periods_member_id_members",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_membership_periods"),
    )
    op.create_index(
        "ix_membership_periods_program_id", "membership_periods", ["program_id", "joined_at"]
    )
    op.create_index("ix_membership_periods_member_id", "membership_periods", ["member_id"])
    op.execute(
        "INSERT INTO membership_periods (program_id, member_id, joined_at, left_at) "
        "SELECT program_id, member_id, joined_at, left_at FROM memberships"
    )


def downgrade() -> None:
    op.drop_index("ix_membership_periods_member_id", table_name="membership_periods")
    op.drop_index("ix_membership_periods_program_id", table_name="membership_periods")
    op.drop_table("membership_periods")
