"""SQLite through `storage.sqlite_driver`: one aiosqlite thread round trip per statement, and
still a DBAPI cursor that SQLAlchemy (and the ORM) can rely on: rows, rowcount, lastrowid,
executemany, errors, and a transaction left open rolled back when its connection goes back to
the pool."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from storage.engine import Database
from storage.models import Workspace

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@contextmanager
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """aiosqlite thread round trips, by what ran on the thread."""
    seen: Counter[str] = Counter()
    real = aiosqlite.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen[getattr(fn, "__name__", "?")] += 1
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield seen


async def test_a_statement_is_one_round_trip(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sqlite_db.engine.connect() as conn:  # connected (PRAGMAs) before counting
        await conn.exec_driver_sql("SELECT 1")
        await conn.rollback()
        with trips(monkeypatch) as seen:
            async with conn.begin():
                await conn.execute(
                    insert(Workspace), {"platform": "x", "external_id": "T1", "created_at": NOW}
                )
                count = (await conn.execute(select(func.count()).select_from(Workspace))).scalar()
    assert count == 1
    # BEGIN IMMEDIATE goes with the INSERT, then the SELECT: one trip each; then the COMMIT.
    # No ROLLBACK when the connection goes back to the pool: no transaction is open any more.
    assert seen == Counter({"_run": 2, "commit": 1}), seen


async def test_a_writer_holds_the_lock_from_its_first_statement(sqlite_db: Database) -> None:
    """The BEGIN IMMEDIATE rides with the first statement, and still comes before it: a
    writer that has only read holds the write lock; another writer must wait for it."""
    other = Database.from_url(str(sqlite_db.engine.url))

    def impatient(sync_conn: Any) -> None:  # outside any transaction
        sync_conn.connection.dbapi_connection.cursor().execute("PRAGMA busy_timeout=200")

    try:
        async with sqlite_db.engine.begin() as writer:
            await writer.execute(select(func.count()).select_from(Workspace))  # a read only
            async with other.engine.connect() as racer:
                await racer.run_sync(impatient)
                with pytest.raises(OperationalError, match="locked"):
                    await racer.execute(
                        insert(Workspace),
                        {"platform": "x", "external_id": "R", "created_at": NOW},
                    )
        async with sqlite_db.engine.begin() as nothing:  # begun, no statement: no trip, no error
            assert nothing.in_transaction()
    finally:
        await other.dispose()


async def test_rows_rowcount_lastrowid_and_executemany(sqlite_db: Database) -> None:
    async with sqlite_db.engine.begin() as conn:
        result = await conn.exec_driver_sql(
            "INSERT INTO workspaces (platform, external_id, created_at) VALUES ('x', 'A', ?)",
            (NOW.replace(tzinfo=None),),
        )
        assert result.lastrowid == 1 and result.rowcount == 1
        many = await conn.execute(
            insert(Workspace),
            [{"platform": "x", "external_id": f"B{i}", "created_at": NOW} for i in range(5)],
        )
        assert many.rowcount == 5
        updated = await conn.exec_driver_sql(
            "UPDATE workspaces SET name = 'n' WHERE external_id LIKE 'B%'"
        )
        assert updated.rowcount == 5
        rows = (await conn.execute(select(Workspace.external_id).order_by(Workspace.id))).all()
        assert [r[0] for r in rows] == ["A", "B0", "B1", "B2", "B3", "B4"]
        returned = await conn.execute(
            insert(Workspace).returning(Workspace.id),
            {"platform": "x", "external_id": "C", "created_at": NOW},
        )
        assert returned.scalar_one() == 7


async def test_an_error_leaves_the_connection_usable(sqlite_db: Database) -> None:
    row = {"platform": "x", "external_id": "A", "created_at": NOW}
    async with sqlite_db.engine.begin() as conn:
        await conn.execute(insert(Workspace), row)
    with pytest.raises(IntegrityError):
        async with sqlite_db.engine.begin() as conn:
            await conn.execute(insert(Workspace), row)
    async with sqlite_db.engine.begin() as conn:
        await conn.execute(insert(Workspace), {**row, "external_id": "B"})
        total = (await conn.execute(select(func.count()).select_from(Workspace))).scalar()
    assert total == 2


async def test_a_transaction_left_open_is_rolled_back_at_check_in(sqlite_db: Database) -> None:
    """A connection given back mid-transaction (its holder never committed) must not keep the
    write lock or its rows: the pool's ROLLBACK still runs when one is open."""

    def behind_sqlalchemys_back(sync_conn: Any) -> None:
        cursor = sync_conn.connection.dbapi_connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        cursor.execute(
            "INSERT INTO workspaces (platform, external_id, created_at) VALUES ('x', 'lost', ?)",
            (NOW.replace(tzinfo=None),),
        )
        cursor.close()

    async with sqlite_db.engine.connect() as conn:
        await conn.run_sync(behind_sqlalchemys_back)
    # back to the pool, no commit
    other = Database.from_url(str(sqlite_db.engine.url))  # another process's engine
    try:
        async with other.engine.begin() as writer:  # BEGIN IMMEDIATE: the lock is free
            found = (await writer.execute(select(Workspace.external_id))).all()
        assert found == []
    finally:
        await other.dispose()
