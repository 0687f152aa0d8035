"""One active scheduler: the PostgreSQL advisory lock elects one process; SQLite always leads."""

from __future__ import annotations

import pytest

from bot.leadership import Leadership
from storage.engine import Database
from tests.conftest import pg_database


async def test_sqlite_process_always_leads(sqlite_db: Database) -> None:
    assert await Leadership(sqlite_db).is_leader()


@pytest.mark.postgres
async def test_one_leader_among_replicas_and_failover(pg_schema: tuple[str, str]) -> None:
    replicas = [pg_database(*pg_schema) for _ in range(3)]
    key = hash(pg_schema[1]) & 0x7FFFFFFF  # a lock of this test's own
    leaders = [Leadership(db, key) for db in replicas]
    try:
        first = [await lead.is_leader() for lead in leaders]
        assert first.count(True) == 1
        again = [await lead.is_leader() for lead in leaders]
        assert again == first  # the leader keeps leading; the others stand by
        winner = first.index(True)
        await leaders[winner].release()
        after = [await lead.is_leader() for i, lead in enumerate(leaders) if i != winner]
        assert after.count(True) == 1
    finally:
        for lead in leaders:
            await lead.release()
        for db in replicas:
            await db.dispose()
