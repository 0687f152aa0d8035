"""Slash-command ack latency of the Slack app under 50 concurrent requests, on PostgreSQL.

Starts the fake Slack Web API and the real Slack app (HTTP mode) on loopback, sends waves of
50 concurrent, correctly signed `/coffee status` requests, and prints the time until each HTTP
answer (the ack Slack waits for, 3 s at most) and until every ephemeral reply arrived.

    python bench/bench_slack_ack.py [--waves 10] [--concurrency 50] [--sqlite]

PostgreSQL: WARMINTRO_BENCH_POSTGRES_URL or WARMINTRO_TEST_POSTGRES_URL, else the local server
(postgresql+asyncpg://postgres@127.0.0.1:5432/test); the benchmark uses a schema of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.slack.app import SlackRuntime
from adapters.slack.server import serve_http
from bot.clock import SystemClock
from bot.config import Settings
from storage.engine import Database, create_engine
from tests.slack.fake_slack import BOT_USER, FakeSlack, SlackClient

SECRET = "bench-secret"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


async def run(waves: int, concurrency: int, use_sqlite: bool) -> None:
    schema = None
    admin = None
    tmp = tempfile.TemporaryDirectory()
    if use_sqlite:
        db = Database.from_url(f"sqlite+aiosqlite:///{tmp.name}/bench.db")
        label = "SQLite"
    else:
        url = os.environ.get("WARMINTRO_BENCH_POSTGRES_URL") or os.environ.get(
            "WARMINTRO_TEST_POSTGRES_URL", DEFAULT_PG
        )
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(url)
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        db = Database.from_url(
            url, connect_args={"server_settings": {"search_path": schema}}, pool_size=20
        )
        label = "PostgreSQL"
    await db.upgrade()
    fake = FakeSlack()
    people = [f"U{i:05d}" for i in range(concurrency)]
    for user in people:
        fake.add_user(user, f"Person {user}")
    fake.add_user(BOT_USER, "WarmIntro", is_bot=True)
    fake.channels["C0001"] = [*people, BOT_USER]
    await fake.start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token="xoxb-bench",
        slack_signing_secret=SECRET,
        slack_api_url=fake.api_url,
    )
    runtime = SlackRuntime(settings, db, SystemClock(), random.Random(1))
    runner = await serve_http(runtime, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    slack = SlackClient(url, SECRET, fake)
    try:
        await slack.event(
            {
                "type": "member_joined_channel",
                "user": BOT_USER,
                "channel": "C0001",
                "team": "T0001",
                "inviter": people[0],
            }
        )
        await fake.wait_for(lambda: all(fake.posts_to("D" + u) for u in people), 60)
        acks: list[float] = []
        started = time.perf_counter()
        for _ in range(waves):

            async def one(user: str) -> None:
                t0 = time.perf_counter()
                await slack.command("/coffee", "status", user)
                acks.append(time.perf_counter() - t0)

            await asyncio.gather(*(one(u) for u in people))
        expected = waves * concurrency
        await fake.wait_for(lambda: len(fake.responses) >= expected, 120)
        elapsed = time.perf_counter() - started
    finally:
        await slack.close()
        await runner.cleanup()
        await runtime.close()
        await fake.stop()
        await db.dispose()
        if admin is not None:
            async with admin.begin() as conn:
                await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            await admin.dispose()
        tmp.cleanup()
    ms = [a * 1000 for a in acks]
    print(
        f"Slack /coffee status ack latency — {label}, {concurrency} concurrent, {len(ms)} requests"
    )
    print(
        f"  p50 {percentile(ms, 50):7.1f} ms   p99 {percentile(ms, 99):7.1f} ms   "
        f"max {max(ms):7.1f} ms   mean {statistics.fmean(ms):7.1f} ms"
    )
    print(
        f"  every ephemeral reply delivered after {elapsed:.2f} s "
        f"({expected / elapsed:.0f} commands/s end to end)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waves", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args()
    asyncio.run(run(args.waves, args.concurrency, args.sqlite))


if __name__ == "__main__":
    main()
