"""Run one Alembic step on a test database and read its schema afterwards (migration tests)."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from sqlalchemy import Connection, inspect

from storage.engine import Database
from storage.migrate import alembic_config


def schema(connection: Connection) -> set[str]:
    """Every table, and every column as `table.column`."""
    found = inspect(connection)
    tables = set(found.get_table_names())
    return tables | {f"{t}.{c['name']}" for t in tables for c in found.get_columns(t)}


async def migrate(
    database: Database,
    step: str,
    revision: str,
    read: Callable[[Connection], set[str]] = schema,
) -> set[str]:
    """`upgrade` or `downgrade` to `revision`, then what `read` finds (by default `schema`)."""

    def go(connection: Connection) -> set[str]:
        getattr(command, step)(alembic_config(connection), revision)
        return read(connection)

    async with database.engine.begin() as conn:
        return await conn.run_sync(go)
