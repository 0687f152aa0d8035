"""Migration 0011 (pause history) goes down and up again on SQLite and PostgreSQL, and carries
pauses running at upgrade time over into the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from storage.engine import Database
from storage.migrate import current_revision, head_revision
from storage.models import Member, PausePeriod, Profile, Workspace
from tests.storage.migrating import migrate


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
    down = await migrate(any_db, "downgrade", "0010")
    assert "pause_periods" not in down and "ghost_checks" in down
    assert await current_revision(any_db.engine) == "0010"
    up = await migrate(any_db, "upgrade", "head")
    assert "pause_periods" in up
    assert await current_revision(any_db.engine) == head_revision()
    async with any_db.session() as s:
        rows = (await s.execute(select(PausePeriod))).scalars().all()
        a = (await s.execute(select(Member.id).where(Member.external_id == "a"))).scalar_one()
        assert [(p.member_id, p.started_at, p.ended_at) for p in rows] == [
            (a, now - timedelta(days=1), now + timedelta(days=9))
        ]
        assert (await s.execute(text("SELECT count(*) FROM pause_periods"))).scalar_one() == 1
