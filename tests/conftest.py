"""Shared fixtures: a migrated SQLite file per test, PostgreSQL when configured, a fake world."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text

from adapters.console.platform import ConsolePlatform, WorkspaceData
from adapters.console.session import join_with_profile
from bot.app import WarmIntro
from bot.bootstrap import build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import Actor
from bot.messages import Reply
from storage.engine import Database, create_engine
from storage.models import Base

START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday; programs default to Monday 10:00
PG_ENV = "WARMINTRO_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once, copy the file for every test."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def migrate() -> None:
        database = Database.from_url(f"sqlite+aiosqlite:///{path}")
        await database.upgrade()
        await database.dispose()

    # A thread of its own: pytest-asyncio may already run a loop in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, migrate()).result()
    return path


@pytest.fixture
async def sqlite_db(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[Database]:
    path = tmp_path / "warmintro.db"
    shutil.copy(sqlite_template, path)
    database = Database.from_url(f"sqlite+aiosqlite:///{path}")
    yield database
    await database.dispose()


def postgres_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(
            f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)"
        )
    return url


@pytest.fixture
async def pg_schema() -> AsyncIterator[tuple[str, str]]:
    """An empty schema of its own for one test; dropped afterwards."""
    url = postgres_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield url, schema
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


def pg_database(url: str, schema: str) -> Database:
    return Database.from_url(url, connect_args={"server_settings": {"search_path": schema}})


@pytest.fixture
async def pg_db(pg_schema: tuple[str, str]) -> AsyncIterator[Database]:
    database = pg_database(*pg_schema)
    await database.upgrade()
    yield database
    await database.dispose()


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def any_db(request: pytest.FixtureRequest) -> Database:
    """The test runs once on SQLite and once on PostgreSQL (skipped when not configured)."""
    name = "sqlite_db" if request.param == "sqlite" else "pg_db"
    return request.getfixturevalue(name)


class World:
    """A whole WarmIntro on the console platform with a fake clock: the core's test harness."""

    def __init__(self, db: Database, seed: int = 1) -> None:
        self.db = db
        self.lines: list[str] = []
        self.data = WorkspaceData.load()
        self.platform = ConsolePlatform(self.data, out=self.lines.append)
        self.clock = FakeClock(START)
        self.settings = Settings(_env_file=None)  # type: ignore[call-arg]
        self.app: WarmIntro = build_app(
            db, self.platform, self.clock, self.settings, random.Random(seed)
        )
        self.workspace = self.data.id

    def fresh_app(self, seed: int = 2) -> WarmIntro:
        """A second process on the same database and platform (a restart, or a replica)."""
        return build_app(self.db, self.platform, self.clock, self.settings, random.Random(seed))

    def actor(self, user: str, channel: str | None = "coffee") -> Actor:
        info = self.data.users.get(user)
        return Actor(
            self.workspace, user, channel, bool(info and info.admin), info.name if info else None
        )

    def _seen(self, user: str, reply: Reply) -> Reply:
        """Like a chat client: an ephemeral reply's buttons stay pressable for its reader."""
        if reply.message is not None and reply.message.buttons:
            self.platform.remember_reply(user, reply.message)
        return reply

    async def coffee(self, user: str, text: str, channel: str | None = "coffee") -> Reply:
        """`/coffee text`; then, like a person reading the answer, wait for what it started
        in the background (a round's intros). Call `app.coffee` directly to not wait."""
        reply = await self.app.coffee(self.actor(user, channel), text)
        await self.settle()
        return self._seen(user, reply)

    async def settle(self, *apps: WarmIntro) -> None:
        """Wait for the work this world's app (and `apps`) started after replying: the
        deliveries a request queued, a round's intros (`Core.settle`)."""
        for app in (self.app, *apps):
            await app.core.settle()

    async def thanks(self, user: str, text: str, channel: str | None = "coffee") -> Reply:
        reply = await self.app.thanks(self.actor(user, channel), text)
        await self.settle()
        return self._seen(user, reply)

    async def dm(self, user: str, text: str) -> Reply:
        reply = await self.app.direct_message(self.actor(user, None), text)
        await self.settle()
        return self._seen(user, reply)

    async def press(self, user: str, label: str, channel: str | None = "coffee") -> Reply:
        button = self.platform.find_button(user, channel, label)
        assert button is not None, f"{user} sees no button {label!r}"
        reply = await self.app.action(self.actor(user, channel), button.action_id)
        await self.settle()
        return self._seen(user, reply)

    async def program(self, users: list[str] | None = None, channel: str = "coffee") -> None:
        """The bot joins #channel; `users` join with the profiles from the workspace file."""
        await self.app.bot_added(self.workspace, channel, "maya")
        for user_id in users if users is not None else self.people():
            actor = self.actor(user_id, channel)
            reply = await join_with_profile(self.app, actor, self.data.users[user_id])
            assert reply.ok, reply.text
        await self.settle()

    def people(self) -> list[str]:
        return [u.id for u in self.data.users.values() if not u.bot]

    async def advance(self, delta: timedelta, step: timedelta = timedelta(hours=1)) -> None:
        """Move time forward, ticking every `step` like the scheduler would."""
        remaining = delta
        while remaining > timedelta():
            jump = min(step, remaining)
            self.clock.advance(jump)
            remaining -= jump
            await self.app.tick()

    def sent(self, kind: str | None = None) -> list[Any]:
        """What the platform received; `kind`: dm, group, conversation, channel."""
        posted = [p for p in self.platform.sent if not p.ref.conversation_id.startswith("E-")]
        return [p for p in posted if kind is None or p.target.kind == kind]

    def intros(self) -> list[Any]:
        return [p for p in self.sent("group") if "matched for a coffee chat" in p.message.plain()]

    async def counts(self) -> dict[str, int]:
        """Rows per table: a fingerprint to show that bad input changed nothing."""
        out = {}
        async with self.db.session() as session:
            for table in Base.metadata.sorted_tables:
                out[table.name] = (
                    await session.execute(select(func.count()).select_from(table))
                ).scalar_one()
        return out

    async def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table (for the strictest 'nothing changed' checks)."""
        out = {}
        async with self.db.session() as session:
            for table in Base.metadata.sorted_tables:
                rows = (await session.execute(select(table))).all()
                out[table.name] = sorted((tuple(r) for r in rows), key=repr)
        return out


async def dump_database(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every column of every row of every table the database has (found by reflection, so
    tables outside the app's models, e.g. Slack's OAuth stores, are in it too)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with db.engine.connect() as conn:
        names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        for name in sorted(names):
            rows = (await conn.execute(text(f'SELECT * FROM "{name}"'))).all()
            out[name] = [tuple(row) for row in rows]
    return out


def traces_of(dump: dict[str, list[tuple[Any, ...]]], needles: list[str]) -> list[str]:
    """Where any of `needles` (case-insensitive) still appears: `table: needle in value`."""
    found = []
    for table, rows in dump.items():
        for row in rows:
            for value in row:
                shown = str(value).lower()
                found += [f"{table}: {n!r} in {str(value)[:160]!r}" for n in needles
                          if n.lower() in shown]  # fmt: skip
    return found


@pytest.fixture
async def world(sqlite_db: Database) -> World:
    return World(sqlite_db)


@pytest.fixture
async def any_world(any_db: Database) -> World:
    return World(any_db)
