"""Migration 0005 (`memberships.skip_round`) goes down and up again on both databases."""

from __future__ import annotations

from storage.engine import Database
from storage.migrate import current_revision, head_revision
from tests.storage.migrating import migrate


async def test_skip_round_downgrades_and_upgrades(any_db: Database) -> None:
    assert await current_revision(any_db.engine) == head_revision()
    assert "memberships.skip_round" not in await migrate(any_db, "downgrade", "0004")
    assert await current_revision(any_db.engine) == "0004"
    assert "memberships.skip_round" in await migrate(any_db, "upgrade", "head")
    assert await current_revision(any_db.engine) == head_revision()
