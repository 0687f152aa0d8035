"""Migration 0011 (pause history) goes down and up again on SQLite and PostgreSQL, and carries
pauses running at upgrade time over into the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import Connection, inspect, select, text

from storage.engine import Database
from storage.migrate import alembic_config, current_revision, head_revision
from storage.models import Member, PausePeriod, Profile, Workspace


async def _run(database: Database, step: str, revision: str) -> set[str]:
    def go(connection: Connection) -> set[str]:
        getattr(command, step)(alembic_config(connection), revision)
        return set(inspect(connection).get_table_names())

    async with database.engine.begin() as conn:
        return await conn.run_sync(go)


async def test_pause_history_downgrade_and_upgrade(any_db: Database) -> None:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    async with any_db.session() as s:
        ws = Workspace(platform="console", external_id="w", name="w", created_at=now)
        s.add(ws)
        await s.flush()
        for ext, until in (("a", now + timedelta(days=9)), ("b", None)):
            member = Member(workspace_id=ws.id, external_id=ext, display_name=ext, created_at=now)
            member.profile = Profile(paused_until=until, updated_at=now - timedelta(days=1))
            s.add(member)
        await s.commit()
    assert await current_revision(any_db.engine) == head_revision()
    down = await _run(any_db, "downgrade", "0010")
    assert "pause_periods" not in down and "ghost_checks" in down
    assert await current_revision(any_db.engine) == "0010"
    up = await _run(any_db, "upgrade", "head")
    assert "pause_periods" in up
    assert await current_revision(any_db.engine) == head_revision()
    async with any_db.session() as s:
        rows = (await s.execute(select(PausePeriod))).scalars().all()
        a = (await s.execute(select(Member.id).where(Member.external_id == "a"))).scalar_one()
        assert [(p.member_id, p.started_at, p.ended_at) for p in rows] == [
            (a, now - timedelta(days=1), now + timedelta(days=9))
        ]
        assert (await s.execute(text("SELECT count(*) FROM pause_periods"))).scalar_one() == 1
