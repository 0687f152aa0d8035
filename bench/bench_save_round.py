"""How long saving a big round takes (groups, their members, every delivery): one transaction.

    python -m bench.bench_save_round [--members 3000] [--postgres URL]

Creates a fresh SQLite file (and a fresh PostgreSQL schema when a URL is given), seeds a program
of `--members` people, builds a round of pairs without running the matching engine, and times
`bot.rounds._save_round` inside its unit of work (the commit included). Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bot.matching.types import MatchedGroup, MatchResult
from bot.rounds import Plan, _save_round
from storage.engine import Database
from storage.models import Member, Profile, Program
from storage.uow import unit_of_work

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def _seed(db: Database, count: int) -> tuple[int, dict[int, Member]]:
    async with unit_of_work(db) as uow:
        workspace = await uow.workspaces.get_or_create("slack", "TBENCH", NOW)
        program = Program(workspace_id=workspace.id, channel_id="CBENCH", created_at=NOW)
        uow.programs.add(program)
        await uow.flush()
        for i in range(count):
            profile = Profile(
                interests=["jazz", f"topic{i % 40}"], offers=[], wants=[], updated_at=NOW
            )
            uow.members._s.add(  # type: ignore[attr-defined]
                Member(
                    workspace_id=workspace.id,
                    external_id=f"U{i:06d}",
                    display_name=f"Person {i}",
                    created_at=NOW,
                    profile=profile,
                )
            )
        await uow.flush()
        members = await uow.programs.eligible_members(program.id, NOW)
        if not members:  # not members of the program yet: everyone joins
            rows = await uow.members._s.execute(  # type: ignore[attr-defined]
                text("SELECT id FROM members WHERE workspace_id = :w"), {"w": workspace.id}
            )
            for (member_id,) in rows:
                await uow.programs.start_membership(program.id, member_id, NOW)
            await uow.flush()
            members = await uow.programs.eligible_members(program.id, NOW)
        return program.id, {m.id: m for m in members}


async def measure(db: Database, count: int) -> float:
    await db.upgrade()
    program_id, members = await _seed(db, count)
    ids = sorted(members)
    groups = tuple(
        MatchedGroup(tuple(str(m) for m in ids[i : i + 2]), 1.0) for i in range(0, len(ids), 2)
    )
    plan = Plan(program_id, 1, 7, members, MatchResult(7, groups))
    started = time.perf_counter()
    async with unit_of_work(db) as uow:
        program = await uow.programs.get(program_id)
        assert program is not None
        saved = await _save_round(uow, program, plan, NOW, NOW, NOW)
    seconds = time.perf_counter() - started
    print(f"  {len(members)} members, {saved.groups} groups, {len(saved.keys)} intros queued")
    return seconds


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--postgres", help="postgresql+asyncpg://… (a schema is created)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.from_url(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        try:
            print(f"SQLite: saving the round took {await measure(db, args.members):.2f} s")
        finally:
            await db.dispose()
    if args.postgres:
        await _postgres(args.postgres, args.members)


async def _postgres(url: str, count: int) -> None:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = Database.from_url(url)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database.from_url(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        print(f"PostgreSQL: saving the round took {await measure(db, count):.2f} s")
    finally:
        await db.dispose()
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
