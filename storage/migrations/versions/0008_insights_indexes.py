"""Indexes for the organiser's dashboard: groups by round and outcome, check-in answers by
time, thank-you notes by program and time, profiles by last change.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_groups_round_id_outcome", "groups", ["round_id", "outcome"])
    op.create_index("ix_checkin_answers_answered_at", "checkin_answers", ["answered_at"])
    op.create_index(
        "ix_thanks_notes_program_id_created_at", "thanks_notes", ["program_id", "created_at"]
    )
    op.create_index("ix_profiles_updated_at", "profiles", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_profiles_updated_at", table_name="profiles")
    op.drop_index("ix_thanks_notes_program_id_created_at", table_name="thanks_notes")
    op.drop_index("ix_checkin_answers_answered_at", table_name="checkin_answers")
    op.drop_index("ix_groups_round_id_outcome", table_name="groups")
