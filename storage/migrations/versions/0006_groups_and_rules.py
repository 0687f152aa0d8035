"""Groups and rules: a program's grouping rules, members' location, manager and start date,
and pairs that are never grouped (`/coffee avoid`, admin-defined pairs).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("programs") as batch:
        batch.add_column(sa.Column("rules", sa.JSON(), nullable=True))
    with op.batch_alter_table("profiles") as batch:
        batch.add_column(sa.Column("location", sa.String(100), nullable=True))
        batch.add_column(sa.Column("manager", sa.String(64), nullable=True))
        batch.add_column(sa.Column("start_date", sa.Date(), nullable=True))
    op.create_table(
        "avoid_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("by_admin", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_avoid_pairs_workspace_id_workspaces",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name="fk_avoid_pairs_member_id_members",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["members.id"],
            name="fk_avoid_pairs_other_id_members",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_avoid_pairs"),
        sa.UniqueConstraint(
            "member_id", "other_id", "by_admin", name="uq_avoid_pairs_member_id_other_id_by_admin"
        ),
    )
    op.create_index("ix_avoid_pairs_workspace_id", "avoid_pairs", ["workspace_id"])
    op.create_index("ix_avoid_pairs_other_id", "avoid_pairs", ["other_id"])


def downgrade() -> None:
    op.drop_index("ix_avoid_pairs_other_id", table_name="avoid_pairs")
    op.drop_index("ix_avoid_pairs_workspace_id", table_name="avoid_pairs")
    op.drop_table("avoid_pairs")
    with op.batch_alter_table("profiles") as batch:
        batch.drop_column("start_date")
        batch.drop_column("manager")
        batch.drop_column("location")
    with op.batch_alter_table("programs") as batch:
        batch.drop_column("rules")
