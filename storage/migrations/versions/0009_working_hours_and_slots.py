"""Working hours and meeting slots: members' working hours, the times an intro proposed and
which one each member picked.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("profiles") as batch:
        batch.add_column(sa.Column("work_start", sa.String(5), nullable=True))
        batch.add_column(sa.Column("work_end", sa.String(5), nullable=True))
    with op.batch_alter_table("groups") as batch:
        batch.add_column(sa.Column("slots", sa.JSON(), nullable=True))
    op.create_table(
        "slot_picks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("picked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name="fk_slot_picks_group_id_groups",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name="fk_slot_picks_member_id_members",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_slot_picks"),
        sa.UniqueConstraint("group_id", "member_id", name="uq_slot_picks_group_id_member_id"),
    )
    op.create_index("ix_slot_picks_member_id", "slot_picks", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_slot_picks_member_id", table_name="slot_picks")
    op.drop_table("slot_picks")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("slots")
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("work_end")
        batch.drop_column("work_start")
