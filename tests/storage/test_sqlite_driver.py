"""The one-trip SQLite adapter (`storage/sqlite_driver.py`) behaves as SQLAlchemy's own
aiosqlite adapter does, in one trip to aiosqlite's thread per statement."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.engine import create_engine


async def test_rows_counts_ids_and_errors_come_back_as_before(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
            inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
            assert inserted.lastrowid == 1 and inserted.rowcount == 1
            many = await conn.execute(
                text("INSERT INTO t (name) VALUES (:n)"), [{"n": "b"}, {"n": "c"}, {"n": "d"}]
            )
            assert many.rowcount == 3
            returned = await conn.execute(text("INSERT INTO t (name) VALUES ('e') RETURNING id"))
            assert returned.scalar_one() == 5
            updated = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 3"))
            assert updated.rowcount == 2
            rows = (await conn.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
            assert [tuple(r) for r in rows] == [(1, "a"), (2, "b"), (3, "c"), (4, "d!"), (5, "e!")]
            result = await conn.execute(text("SELECT name FROM t ORDER BY id"))
            assert result.keys() == ["name"] and result.fetchmany(2) == [("a",), ("b",)]
            assert (await conn.execute(text("SELECT 1 WHERE 0"))).first() is None
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t (name) VALUES ('zz')"))
                await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        async with engine.connect() as conn:  # the failed transaction left nothing
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 5
    finally:
        await engine.dispose()


async def test_one_trip_to_the_thread_per_statement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips: list[str] = []
    execute = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        trips.append(getattr(fn, "__name__", repr(fn)))
        return await execute(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))  # the first use: connection set-up too
            trips.clear()
            assert (await conn.exec_driver_sql("SELECT 1")).scalar_one() == 1
        assert trips == ["_run", "rollback"]  # the statement, then the pool's reset
    finally:
        await engine.dispose()
