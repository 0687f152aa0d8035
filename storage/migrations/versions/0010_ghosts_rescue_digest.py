"""Ghosts, rescue pairs and the monthly digest: two program settings (`ghost_after`,
`digest`), the "still up for coffee chats?" questions and the rescue offers.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("programs") as batch:
        batch.add_column(sa.Column("ghost_after", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("digest", sa.String(16), nullable=True))
    op.create_table(
        "ghost_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("asked_round", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name="fk_ghost_checks_program_id_programs",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name="fk_ghost_checks_member_id_members",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ghost_checks"),
        sa.UniqueConstraint(
            "program_id",
            "member_id",
            "asked_round",
            name="uq_ghost_checks_program_id_member_id_asked_round",
        ),
    )
    op.create_index("ix_ghost_checks_member_id", "ghost_checks", ["member_id"])
    op.create_table(
        "rescues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("rescue_group_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name="fk_rescues_round_id_rounds", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_rescues_member_id_members", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name="fk_rescues_group_id_groups", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["rescue_group_id"],
            ["groups.id"],
            name="fk_rescues_rescue_group_id_groups",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_rescues"),
        sa.UniqueConstraint("round_id", "member_id", name="uq_rescues_round_id_member_id"),
    )
    op.create_index("ix_rescues_member_id", "rescues", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_rescues_member_id", table_name="rescues")
    op.drop_table("rescues")
    op.drop_index("ix_ghost_checks_member_id", table_name="ghost_checks")
    op.drop_table("ghost_checks")
    with op.batch_alter_table("programs") as batch:
        batch.drop_column("digest")
        batch.drop_column("ghost_after")
