"""Migration 0006 (rules, location/manager/start_date, avoid_pairs) goes down and up again on
both databases."""

from __future__ import annotations

from storage.engine import Database
from storage.migrate import current_revision, head_revision
from tests.storage.migrating import migrate

NEW = {"programs.rules", "profiles.location", "profiles.manager", "profiles.start_date"}


async def test_groups_and_rules_downgrade_and_upgrade(any_db: Database) -> None:
    assert await current_revision(any_db.engine) == head_revision()
    down = await migrate(any_db, "downgrade", "0005")
    assert not NEW & down and "avoid_pairs" not in down and "memberships" in down
    assert await current_revision(any_db.engine) == "0005"
    up = await migrate(any_db, "upgrade", "head")
    assert up >= NEW and "avoid_pairs" in up
    assert await current_revision(any_db.engine) == head_revision()
