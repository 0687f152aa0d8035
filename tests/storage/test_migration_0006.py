"""Migration 0006 (rules, location/manager/start_date, avoid_pairs) goes down and up again on
both databases."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.engine import Database
from storage.migrate import alembic_config, current_revision, head_revision


def _schema(connection: Connection) -> set[str]:
    found = inspect(connection)
    names = {f"programs.{c['name']}" for c in found.get_columns("programs")}
    names |= {f"profiles.{c['name']}" for c in found.get_columns("profiles")}
    return names | set(found.get_table_names())


async def _run(database: Database, step: str, revision: str) -> set[str]:
    def go(connection: Connection) -> set[str]:
        getattr(command, step)(alembic_config(connection), revision)
        return _schema(connection)

    async with database.engine.begin() as conn:
        return await conn.run_sync(go)


NEW = {"programs.rules", "profiles.location", "profiles.manager", "profiles.start_date"}


async def test_groups_and_rules_downgrade_and_upgrade(any_db: Database) -> None:
    assert await current_revision(any_db.engine) == head_revision()
    down = await _run(any_db, "downgrade", "0005")
    assert not NEW & down and "avoid_pairs" not in down and "memberships" in down
    assert await current_revision(any_db.engine) == "0005"
    up = await _run(any_db, "upgrade", "head")
    assert up >= NEW and "avoid_pairs" in up
    assert await current_revision(any_db.engine) == head_revision()
