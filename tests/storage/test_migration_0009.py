"""Migration 0009 (working hours, proposed slots, slot picks) goes down and up again on SQLite
and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection, inspect

from storage.engine import Database
from storage.migrate import alembic_config, current_revision, head_revision


def _schema(connection: Connection) -> set[str]:
    found = inspect(connection)
    names = {f"profiles.{c['name']}" for c in found.get_columns("profiles")}
    names |= {f"groups.{c['name']}" for c in found.get_columns("groups")}
    return names | set(found.get_table_names())


async def _run(database: Database, step: str, revision: str) -> set[str]:
    def go(connection: Connection) -> set[str]:
        getattr(command, step)(alembic_config(connection), revision)
        return _schema(connection)

    async with database.engine.begin() as conn:
        return await conn.run_sync(go)


NEW = {"profiles.work_start", "profiles.work_end", "groups.slots", "slot_picks"}


async def test_working_hours_and_slots_downgrade_and_upgrade(any_db: Database) -> None:
    assert await current_revision(any_db.engine) == head_revision()
    down = await _run(any_db, "downgrade", "0008")
    assert not NEW & down and "profiles.location" in down and "avoid_pairs" in down
    assert await current_revision(any_db.engine) == "0008"
    up = await _run(any_db, "upgrade", "head")
    assert up >= NEW
    assert await current_revision(any_db.engine) == head_revision()
