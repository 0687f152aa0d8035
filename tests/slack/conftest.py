"""A running Slack app (HTTP mode, real sockets) on a real database, against the fake API."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.slack import slash
from adapters.slack.app import SlackRuntime
from adapters.slack.ratelimit import TIERS, Limit, RateLimiter
from adapters.slack.server import serve_http
from bot.clock import FakeClock
from bot.config import Settings
from storage.engine import Database
from tests.conftest import START
from tests.slack.fake_slack import BOT_USER, FakeSlack, SlackClient

SECRET = "test-signing-secret"
PEOPLE = {"U0001": "Maya", "U0002": "Li", "U0003": "Sam", "U0004": "Ana"}


@dataclass
class SlackWorld:
    fake: FakeSlack
    runtime: SlackRuntime
    slack: SlackClient
    clock: FakeClock
    url: str

    @property
    def warm(self):  # type: ignore[no-untyped-def]
        return self.runtime.warm

    async def settle(self) -> None:
        """Wait for what the app does after answering (deliveries a request queued)."""
        await self.warm.core.settle()

    async def add_bot_to(self, channel: str = "C0001", inviter: str = "U0001") -> None:
        assert (
            await self.slack.event(
                {
                    "type": "member_joined_channel",
                    "user": BOT_USER,
                    "channel": channel,
                    "channel_type": "C",
                    "team": "T0001",
                    "inviter": inviter,
                }
            )
            == 200
        )
        await self.fake.wait_for(lambda: self.fake.posts_to(channel))
        # the channel's members are enrolled after the ack: wait for their interviews
        people = [u for u in self.fake.channels.get(channel, []) if u != BOT_USER]
        await self.fake.wait_for(lambda: all(self.fake.posts_to("D" + u) for u in people))


def generous_limiter() -> RateLimiter:
    """Every method at 1,000 calls a second: the app's pacing is tested on its own
    (test_slack_ratelimit.py), with small limits the fake enforces."""
    fast = Limit(1000.0, 1000.0)
    return RateLimiter(dict.fromkeys(TIERS, fast), default=fast)


def slack_settings(fake: FakeSlack, **extra: object) -> Settings:
    values = {
        "slack_bot_token": "xoxb-test",
        "slack_signing_secret": SECRET,
        "slack_api_url": fake.api_url,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


async def start_world(db: Database, fake: FakeSlack, **extra: object) -> tuple[SlackWorld, object]:
    clock = FakeClock(START)
    runtime = SlackRuntime(slack_settings(fake, **extra), db, clock, random.Random(5))
    runtime.platform.limiter = generous_limiter()  # the tiers' real pace would take minutes
    runner = await serve_http(runtime, "127.0.0.1", 0)
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}/slack/events"
    return SlackWorld(fake, runtime, SlackClient(url, SECRET, fake), clock, url), runner


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    for user_id, name in PEOPLE.items():
        fake.add_user(user_id, name)
    fake.users["U0001"]["is_admin"] = True
    fake.add_user(BOT_USER, "WarmIntro", is_bot=True)
    fake.channels["C0001"] = [*PEOPLE, BOT_USER]
    fake.channels["C0999"] = []
    await fake.start()
    yield fake
    await fake.stop()
    # Every payload the app sent was checked against Block Kit (tests/slack/blockkit.py).
    assert not fake.violations, "Slack would refuse:\n" + "\n".join(fake.violations[:20])


@pytest.fixture
async def sw(sqlite_db: Database, fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    world, runner = await start_world(sqlite_db, fake_slack)
    yield world
    await world.warm.close()
    await world.slack.close()
    await runner.cleanup()  # type: ignore[attr-defined]


def slow_commands(sw: SlackWorld, monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> None:
    """Make every `/coffee` command outlast the ack's deadline (`slash.ACK_SECONDS`), so its
    reply comes after the ack; `fail`: it then raises."""
    monkeypatch.setattr(slash, "ACK_SECONDS", 0.05)
    run = type(sw.warm).run.__get__(sw.warm)

    async def slow(*args: Any) -> Any:
        await asyncio.sleep(0.5)
        if fail:
            raise RuntimeError("the database fell over")
        return await run(*args)

    monkeypatch.setattr(sw.warm, "run", slow)
