"""Fixtures for the Discord adapter tests (see `harness.py`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.engine import Database
from tests.discord.fake_discord import FakeDiscord
from tests.discord.harness import Server


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def server(fake: FakeDiscord, sqlite_db: Database) -> AsyncIterator[Server]:
    srv = Server(fake, sqlite_db)
    await srv.start()
    yield srv
    await srv.stop()
