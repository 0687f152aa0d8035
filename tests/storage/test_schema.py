"""Migrations from empty, model/migration parity, and uniqueness enforced by the schema."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from bot.clock import FakeClock
from bot.ports import PlatformError
from bot.rounds import Started, start_round
from storage.engine import Database, normalize_url
from storage.migrate import current_revision
from storage.models import Base, Delivery, Group, Program, Round, Workspace
from tests.conftest import World, pg_database

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def check_migrated(database: Database) -> None:
    assert await current_revision(database.engine) is not None

    def ours(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
        # slack_sdk's OAuth store tables are defined by slack_sdk, not by our models.
        return not (type_ == "table" and name.startswith("slack_"))

    def diff(connection):  # type: ignore[no-untyped-def]
        opts = {"compare_type": False, "include_object": ours}
        return compare_metadata(MigrationContext.configure(connection, opts=opts), Base.metadata)

    async with database.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        differences = await conn.run_sync(diff)
    assert (
        set(Base.metadata.tables) | {"slack_installations", "slack_bots", "slack_oauth_states"}
        <= tables
    )
    assert differences == [], f"models and migrations disagree: {differences}"


async def test_sqlite_migrates_from_empty(tmp_path: Path) -> None:
    database = Database.from_url(f"sqlite:///{tmp_path / 'nested' / 'fresh.db'}")
    await database.upgrade()
    await database.upgrade()  # idempotent
    await check_migrated(database)
    await database.dispose()


@pytest.mark.postgres
async def test_postgres_migrates_from_empty(pg_schema: tuple[str, str]) -> None:
    database = pg_database(*pg_schema)
    await database.upgrade()
    await database.upgrade()
    await check_migrated(database)
    await database.dispose()


def test_url_normalisation() -> None:
    assert normalize_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert normalize_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert normalize_url("sqlite+aiosqlite:///x.db") == "sqlite+aiosqlite:///x.db"


async def _program(database: Database) -> int:
    async with database.session() as s:
        ws = Workspace(platform="console", external_id="acme", created_at=NOW)
        s.add(ws)
        await s.flush()
        program = Program(
            workspace_id=ws.id, channel_id="coffee", cadence="weekly", weekday=0,
            local_time="10:00", timezone="UTC", group_size=2, active=True,
            last_round_number=0, created_at=NOW, next_round_at=NOW,
        )  # fmt: skip
        s.add(program)
        await s.commit()
        return program.id


async def test_one_round_per_program_and_number(any_db: Database) -> None:
    program_id = await _program(any_db)
    async with any_db.session() as s:
        for _ in range(2):
            s.add(
                Round(
                    program_id=program_id,
                    number=1,
                    due_at=NOW,
                    started_at=NOW,
                    ends_at=NOW,
                    status="open",
                    seed=1,
                    total_weight=0.0,
                )
            )
        with pytest.raises(IntegrityError):
            await s.commit()


async def test_one_delivery_per_round_group_kind(any_db: Database) -> None:
    program_id = await _program(any_db)
    async with any_db.session() as s:
        round_ = Round(program_id=program_id, number=1, due_at=NOW, started_at=NOW, ends_at=NOW,
                       status="open", seed=1, total_weight=0.0)  # fmt: skip
        s.add(round_)
        await s.flush()
        group = Group(round_id=round_.id, position=0, weight=0.0, reasons=[])
        s.add(group)
        await s.flush()
        for key in ("a", "b"):
            s.add(
                Delivery(
                    key=key,
                    workspace_id=1,
                    round_id=round_.id,
                    group_id=group.id,
                    kind="intro",
                    recipient="U1",
                    target={},
                    payload={},
                    status="pending",
                    due_at=NOW,
                    attempts=0,
                    created_at=NOW,
                )
            )
        with pytest.raises(IntegrityError):
            await s.commit()


async def test_timestamps_come_back_aware_utc(any_db: Database) -> None:
    program_id = await _program(any_db)
    async with any_db.session() as s:
        program = await s.get_one(Program, program_id)
        assert program.next_round_at == NOW and program.next_round_at.tzinfo is not None


async def test_racing_engines_start_one_round(any_db: Database) -> None:
    """Two processes (separate engines and connection pools) race for the same due round."""
    world = World(any_db)
    await world.program()
    world.clock.advance(timedelta(days=3))
    if any_db.dialect == "sqlite":
        other = Database.from_url(str(any_db.engine.url))
    else:
        schema = await _search_path(any_db)
        other = pg_database(any_db.engine.url.render_as_string(hide_password=False), schema)
    second = World(other)
    second.platform = world.platform
    second.clock = world.clock
    racer = second.fresh_app()
    async with world.db.session() as s:
        program = (await s.execute(select(Program))).scalar_one()
    due = program.next_round_at
    results = await asyncio.gather(
        start_round(world.app.core, program.id, scheduled_for=due),
        start_round(racer.core, program.id, scheduled_for=due),
        start_round(world.app.core, program.id, scheduled_for=due),
    )
    assert sum(isinstance(r, Started) for r in results) == 1
    assert len(world.intros()) == 6
    await racer.tick()
    await world.app.tick()
    await other.dispose()
    assert len(world.intros()) == 6  # and nothing was sent twice


async def _search_path(database: Database) -> str:
    async with database.engine.connect() as conn:
        return (await conn.exec_driver_sql("SHOW search_path")).scalar_one()


async def test_outbox_claims_are_exclusive(any_db: Database) -> None:
    """Many concurrent flushes of the same due rows: each message goes out exactly once."""
    world = World(any_db)
    await world.program(["maya", "li", "sam", "ana", "tom", "priya"])
    world.platform.fail_next = [PlatformError("x", retryable=True)] * 3
    await world.advance(timedelta(days=3))
    world.clock.advance(timedelta(hours=1))
    apps = [world.app, world.fresh_app(3), world.fresh_app(4)]
    await asyncio.gather(*(a.outbox.flush() for a in apps for _ in range(2)))
    intros = world.intros()
    assert len(intros) == 3
    assert len({p.ref.conversation_id for p in intros}) == 3


def test_fake_clock_needs_aware_time() -> None:
    with pytest.raises(ValueError):
        FakeClock(datetime(2026, 1, 1))
