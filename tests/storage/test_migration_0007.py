"""Migration 0007 (sign-in links, generated web secrets) goes down and up again."""

from __future__ import annotations

from storage.engine import Database
from storage.migrate import current_revision
from tests.storage.migrating import migrate


async def test_sign_in_tables_downgrade_and_upgrade(any_db: Database) -> None:
    tables = await migrate(any_db, "downgrade", "0006")
    assert await current_revision(any_db.engine) == "0006"
    assert not {"sign_in_links", "web_secrets"} & tables
    tables = await migrate(any_db, "upgrade", "0007")
    assert {"sign_in_links", "web_secrets"} <= tables
