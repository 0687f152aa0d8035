"""Migration 0012 (membership history) goes down and up again on SQLite and PostgreSQL, and
carries every existing membership over as one period (its joined_at and left_at)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from storage.engine import Database
from storage.migrate import current_revision, head_revision
from storage.models import Member, Membership, MembershipPeriod, Program, Workspace
from tests.storage.migrating import migrate


async def test_membership_history_downgrade_and_upgrade(any_db: Database) -> None:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    async with any_db.session() as s:
        ws = Workspace(platform="console", external_id="w", name="w", created_at=now)
        s.add(ws)
        await s.flush()
        program = Program(workspace_id=ws.id, channel_id="coffee", created_at=now)
        s.add(program)
        for ext in ("a", "b"):
            s.add(Member(workspace_id=ws.id, external_id=ext, display_name=ext, created_at=now))
        await s.flush()
        ids = dict((await s.execute(select(Member.external_id, Member.id))).all())
        s.add(Membership(program_id=program.id, member_id=ids["a"], joined_at=now))
        s.add(
            Membership(
                program_id=program.id,
                member_id=ids["b"],
                joined_at=now - timedelta(days=9),
                left_at=now - timedelta(days=2),
            )
        )
        await s.commit()
    assert await current_revision(any_db.engine) == head_revision()
    down = await migrate(any_db, "downgrade", "0011")
    assert "membership_periods" not in down and "pause_periods" in down
    assert await current_revision(any_db.engine) == "0011"
    up = await migrate(any_db, "upgrade", "head")
    assert "membership_periods" in up
    assert await current_revision(any_db.engine) == head_revision()
    async with any_db.session() as s:
        periods = (await s.execute(select(MembershipPeriod))).scalars().all()
        assert sorted(
            (p.program_id, p.member_id, p.joined_at, p.left_at) for p in periods
        ) == sorted(
            [
                (program.id, ids["a"], now, None),
                (program.id, ids["b"], now - timedelta(days=9), now - timedelta(days=2)),
            ]
        )
        count = (await s.execute(text("SELECT count(*) FROM membership_periods"))).scalar_one()
        assert count == 2
