"""Migration 0009 (working hours, proposed slots, slot picks) goes down and up again on SQLite
and PostgreSQL."""

from __future__ import annotations

from storage.engine import Database
from storage.migrate import current_revision, head_revision
from tests.storage.migrating import migrate

NEW = {"profiles.work_start", "profiles.work_end", "groups.slots", "slot_picks"}


async def test_working_hours_and_slots_downgrade_and_upgrade(any_db: Database) -> None:
    assert await current_revision(any_db.engine) == head_revision()
    down = await migrate(any_db, "downgrade", "0008")
    assert not NEW & down and "profiles.location" in down and "avoid_pairs" in down
    assert await current_revision(any_db.engine) == "0008"
    up = await migrate(any_db, "upgrade", "head")
    assert up >= NEW
    assert await current_revision(any_db.engine) == head_revision()
