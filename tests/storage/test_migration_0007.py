"""Migration 0007 (sign-in links, generated web secrets) goes down and up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.engine import Database
from storage.migrate import alembic_config, current_revision


async def _tables_after(database: Database, step: str, revision: str) -> set[str]:
    def go(connection: Connection) -> set[str]:
        getattr(command, step)(alembic_config(connection), revision)
        return set(inspect(connection).get_table_names())

    async with database.engine.begin() as conn:
        return await conn.run_sync(go)


async def test_sign_in_tables_downgrade_and_upgrade(any_db: Database) -> None:
    tables = await _tables_after(any_db, "downgrade", "0006")
    assert await current_revision(any_db.engine) == "0006"
    assert not {"sign_in_links", "web_secrets"} & tables
    tables = await _tables_after(any_db, "upgrade", "0007")
    assert {"sign_in_links", "web_secrets"} <= tables
