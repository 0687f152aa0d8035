"""The Discord adapter against the fake Discord on loopback: prints figures, asserts nothing.

    python -m bench.bench_discord [--members 200] [--concurrency 50]

1. Ack latency: `--concurrency` slash commands (`/coffee status`) arrive at once over the
   gateway; for each, the time until its first response (the defer Discord waits for, 3 s at
   most) and until its answer (the follow-up).
2. A round: `--members` people in one program; the time to deliver every intro into private
   threads, and the REST calls it took per group.

The core runs on a temporary SQLite file; discord.py talks real HTTP and a real websocket.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import commands as cmd
from bot.core import Actor
from storage.engine import Database
from tests.discord.fake_discord import FakeDiscord
from tests.discord.harness import Server, settle


def quantiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    median = statistics.median(ordered)
    return (
        f"median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


async def main(members: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.from_url(f"sqlite+aiosqlite:///{tmp}/bench.db")
        await db.upgrade()
        fake = FakeDiscord()
        await fake.start()
        server = Server(fake, db)
        for i in range(members - len(server.people)):
            server.add_person(f"Person{i:04d}")
        await server.start()
        try:
            await server.command("maya", "coffee setup")
            names = list(server.people)
            for index, name in enumerate(names):
                actor = server_actor(server, name)
                tags = ("climbing", "jazz", "python", "design", "chess", "running")
                await server.app.run(actor, cmd.SetTags("interests", (tags[index % 6],)))
                await server.app.run(actor, cmd.Join())

            # 1. ack latency under concurrent slash commands
            loop = asyncio.get_running_loop()
            payloads = []
            for name in names[:concurrency]:
                payload = server._base(server[name], server.coffee, 2)
                payload["data"] = {
                    "id": "1", "name": "coffee", "type": 1,
                    "options": [{"type": 1, "name": "status", "options": []}],
                }  # fmt: skip
                payloads.append(payload)
            sent_at = loop.time()
            for payload in payloads:
                await fake.dispatch("INTERACTION_CREATE", payload)
            await asyncio.sleep(0.05)
            await settle(60)
            acks = [fake.callback_at[int(p["id"])] - sent_at for p in payloads]
            answered = [p for p in payloads if fake.followups.get(p["token"])]
            print(f"{concurrency} concurrent /coffee status: first response {quantiles(acks)}")
            print(
                f"  answered: {len(answered)}/{concurrency}; over 3 s: {sum(a > 3 for a in acks)}"
            )

            # 2. a round of `members`
            before = len(fake.requests)
            started = time.perf_counter()
            await server.advance(timedelta(days=2, hours=23))
            took = time.perf_counter() - started
            groups = len(fake.threads(server.coffee))
            calls = len(fake.requests) - before
            print(
                f"round of {len(names)} members: {groups} private threads in {took:.2f} s, "
                f"{calls} REST calls ({calls / max(groups, 1):.1f} per group)"
            )
        finally:
            await server.stop()
            await fake.stop()
            await db.dispose()


def server_actor(server: Server, name: str) -> Actor:
    user = server[name]
    return Actor(str(server.guild.id), str(user.id), str(server.coffee), user.admin, user.name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.members, args.concurrency))
