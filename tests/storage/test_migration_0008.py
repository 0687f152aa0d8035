"""Migration 0008 (the dashboard's indexes) goes down and up again on both databases."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.engine import Database
from storage.migrate import alembic_config, current_revision, head_revision
from tests.storage.migrating import migrate

INDEXES = {
    "groups": "ix_groups_round_id_outcome",
    "checkin_answers": "ix_checkin_answers_answered_at",
    "thanks_notes": "ix_thanks_notes_program_id_created_at",
    "profiles": "ix_profiles_updated_at",
}


def _indexes(connection: Connection) -> set[str]:
    found = inspect(connection)
    return {i["name"] for table in INDEXES for i in found.get_indexes(table) if i["name"]}


def _before_0008() -> str:
    """0008's down revision (0006 on this branch; whatever it is once migrations are rechained)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config()).get_revision("0008")
    assert script is not None and isinstance(script.down_revision, str)
    return script.down_revision


async def test_dashboard_indexes_downgrade_and_upgrade(any_db: Database) -> None:
    assert await current_revision(any_db.engine) == head_revision()
    before = _before_0008()
    down = await migrate(any_db, "downgrade", before, read=_indexes)
    assert not set(INDEXES.values()) & down
    assert await current_revision(any_db.engine) == before
    up = await migrate(any_db, "upgrade", "head", read=_indexes)
    assert set(INDEXES.values()) <= up
    assert await current_revision(any_db.engine) == head_revision()
