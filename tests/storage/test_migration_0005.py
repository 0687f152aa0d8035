"""Migration 0005 (`memberships.skip_round`) goes down and up again on both databases."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.engine import Database
from storage.migrate import alembic_config, current_revision, head_revision


def _columns(connection: Connection) -> set[str]:
    return {c["name"] for c in inspect(connection).get_columns("memberships")}


async def _run(database: Database, step: str, revision: str) -> set[str]:
    def go(connection: Connection) -> set[str]:
        getattr(command, step)(alembic_config(connection), revision)
        return _columns(connection)

    async with database.engine.begin() as conn:
        return await conn.run_sync(go)


async def test_skip_round_downgrades_and_upgrades(any_db: Database) -> None:
    assert await current_revision(any_db.engine) == head_revision()
    assert "skip_round" not in await _run(any_db, "downgrade", "0004")
    assert await current_revision(any_db.engine) == "0004"
    assert "skip_round" in await _run(any_db, "upgrade", "head")
    assert await current_revision(any_db.engine) == head_revision()
