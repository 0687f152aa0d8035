"""Issue 10, the core's share of a slash command: `/coffee status` and `/coffee join` run
through `WarmIntro.coffee` in-process (no HTTP, no Slack adapter), on a real database, with a
fake in-memory platform that answers at once.

    python -m bench.bench_commands_core [--db sqlite|postgres] [--members 3000] [-n 200]
        [--profile]

Deterministic counts per command, for each kind (status from onboarded members, join from
channel members the app doesn't know yet, as in `bench_load --phase commands`):
- SQL statements (a `before_cursor_execute` listener; BEGIN/COMMIT/ROLLBACK and SAVEPOINTs
  counted apart from the queries), split into the reply (the command) and after it (the
  background work: the interview delivery, the profile refresh);
- transactions (the engine's `begin` events) and commits;
- CPU (process time, every thread: aiosqlite's included) per command: noisy on a shared
  machine, so `--profile` adds cProfile's own time by area (the event loop's thread only).

PostgreSQL: `--pg-url` (default: $WARMINTRO_TEST_POSTGRES_URL, else the database `test`), in a
schema of its own, dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import random
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import WarmIntro  # noqa: E402
from bot.bootstrap import build_app  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core import Actor  # noqa: E402
from bot.messages import Message  # noqa: E402
from bot.ports import SentRef, Target, UserInfo  # noqa: E402
from storage.engine import Database, create_engine  # noqa: E402
from tests.slack.fake_slack import TEAM  # noqa: E402
from tests.slack.test_slack_scale import seed_program  # noqa: E402

CHANNEL = "C0100"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


class InstantPlatform:
    """A platform that answers every call at once, like Slack would (name "slack", the
    channel is the pool), and remembers what was sent."""

    name = "slack"
    pool_is_channel = True

    def __init__(self, channel_members: set[str]) -> None:
        self.members = channel_members
        self.sent: list[tuple[Target, Message, str | None]] = []
        self.calls: Counter[str] = Counter()

    async def send(
        self, workspace_id: str, target: Target, message: Message, *, key: str | None = None
    ) -> SentRef:
        self.calls["send"] += 1
        self.sent.append((target, message, key))
        return SentRef("D1", str(len(self.sent)))

    async def find_sent(self, workspace_id: str, target: Target, key: str, since: datetime) -> None:
        self.calls["find_sent"] += 1
        return None

    async def update(self, workspace_id: str, ref: SentRef, message: Message) -> None:
        self.calls["update"] += 1

    async def user_info(self, workspace_id: str, user_id: str) -> UserInfo | None:
        self.calls["user_info"] += 1
        return UserInfo(user_id, f"Person {user_id}", timezone="Europe/Berlin")

    async def channel_members(self, workspace_id: str, channel_id: str) -> set[str] | None:
        self.calls["channel_members"] += 1
        return set(self.members)

    async def user_by_email(self, workspace_id: str, email: str) -> str | None:
        return None


@dataclass
class Tally:
    """What the database saw: statements by kind, transactions begun."""

    statements: Counter[str] = field(default_factory=Counter)
    begins: int = 0
    texts: Counter[str] = field(default_factory=Counter)
    keep_texts: bool = False  # -v: the statements themselves (costs CPU while measuring)

    def add(self, sql: str) -> None:
        head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
        self.statements[head] += 1
        if self.keep_texts:
            self.texts[re.sub(r"\s+", " ", sql.strip())[:160]] += 1

    def queries(self) -> int:
        """Statements that aren't transaction control (BEGIN, COMMIT, SAVEPOINT, …)."""
        control = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}
        return sum(n for head, n in self.statements.items() if head not in control)

    def snapshot(self) -> Tally:
        return Tally(Counter(self.statements), self.begins, Counter(self.texts))

    def minus(self, before: Tally) -> Tally:
        return Tally(
            self.statements - before.statements, self.begins - before.begins,
            self.texts - before.texts,
        )  # fmt: skip


def watch(db: Database) -> Tally:
    tally = Tally()

    def on_statement(conn: Any, cursor: Any, sql: str, *_: Any) -> None:
        tally.add(sql)

    def on_begin(conn: Any) -> None:
        tally.begins += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", on_statement)
    event.listen(db.engine.sync_engine, "begin", on_begin)
    return tally


@asynccontextmanager
async def fresh_database(kind: str, pg_url: str) -> AsyncIterator[Database]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            db = Database.from_url(f"sqlite+aiosqlite:///{tmp}/bench.db")
            await db.upgrade()
            try:
                yield db
            finally:
                await db.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    db = Database.from_url(pg_url, connect_args={"server_settings": {"search_path": schema}})
    try:
        await db.upgrade()
        yield db
    finally:
        await db.dispose()
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


@dataclass
class Figures:
    kind: str
    n: int
    reply: Tally
    after: Tally
    cpu_reply: float  # seconds, all threads
    cpu_after: float
    cpu_loop: float = 0.0  # seconds, the event loop's thread only (reply and after)
    profile: pstats.Stats | None = None


async def measure(
    app: WarmIntro,
    tally: Tally,
    kind: str,
    actors: list[Actor],
    profiler: cProfile.Profile | None,
) -> Figures:
    reply, after = Tally(), Tally()
    cpu_reply = cpu_after = 0.0
    loop0 = time.thread_time()
    for actor in actors:
        before = tally.snapshot()
        t0 = time.process_time()
        if profiler is not None:
            profiler.enable()
        answer = await app.coffee(actor, kind)
        t1 = time.process_time()
        middle = tally.snapshot()
        await app.core.settle()
        if profiler is not None:
            profiler.disable()
        t2 = time.process_time()
        assert answer.ok, answer.text
        done = tally.snapshot()
        for into, a, b in ((reply, before, middle), (after, middle, done)):
            d = b.minus(a)
            into.statements += d.statements
            into.texts += d.texts
            into.begins += d.begins
        cpu_reply += t1 - t0
        cpu_after += t2 - t1
    loop = time.thread_time() - loop0
    return Figures(kind, len(actors), reply, after, cpu_reply, cpu_after, loop)


AREAS: list[tuple[str, Callable[[str], bool]]] = [
    ("sqlalchemy.orm", lambda f: "sqlalchemy/orm" in f),
    ("sqlalchemy (core, engine, sql)", lambda f: "sqlalchemy" in f),
    ("driver (aiosqlite/asyncpg)", lambda f: "aiosqlite" in f or "asyncpg" in f),
    ("asyncio", lambda f: "asyncio" in f),
    ("bot/ (core)", lambda f: "/bot/" in f),
    ("storage/", lambda f: "/storage/" in f),
    ("stdlib other", lambda f: "python3" in f or f.startswith("~") or f.startswith("<")),
    ("other", lambda f: True),
]


def by_area(stats: pstats.Stats) -> dict[str, float]:
    out: Counter[str] = Counter()
    for (filename, _line, _name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for area, match in AREAS:
            if match(filename):
                out[area] += tt
                break
    return dict(out)


def report(f: Figures, prof: pstats.Stats | None, verbose: bool) -> None:
    n = f.n
    print(f"\n== {f.kind} ×{n}")
    for label, t, cpu in (("reply", f.reply, f.cpu_reply), ("after", f.after, f.cpu_after)):
        heads = ", ".join(f"{h} {c / n:.2f}" for h, c in sorted(t.statements.items()))
        print(
            f"  {label:5}: {t.queries() / n:5.2f} queries, {t.begins / n:4.2f} transactions "
            f"per command; cpu {cpu / n * 1000:6.2f} ms  [{heads}]"
        )
    total = f.cpu_reply + f.cpu_after
    print(
        f"  total: cpu {total / n * 1000:.2f} ms per command "
        f"(event loop's thread {f.cpu_loop / n * 1000:.2f} ms, other threads "
        f"{(total - f.cpu_loop) / n * 1000:.2f} ms)"
    )
    if verbose:
        for label, t in (("reply", f.reply), ("after", f.after)):
            print(f"  -- {label} statements (per command):")
            for sql, c in t.texts.most_common(40):
                print(f"     {c / n:5.2f}  {sql}")
    if prof is not None:
        areas = by_area(prof)
        total = sum(areas.values())
        calls = prof.total_calls  # type: ignore[attr-defined]
        print(
            f"  Python function calls (deterministic): {calls / n:,.0f} per command; "
            f"cProfile own CPU time (loop thread), {total / n * 1000:.2f} ms per command:"
        )
        for area, t in sorted(areas.items(), key=lambda kv: -kv[1]):
            print(f"     {area:32} {t / n * 1000:6.3f} ms  {t / total:5.1%}")
        if verbose:
            prof.sort_stats("tottime").print_stats(25)


async def main(args: argparse.Namespace) -> None:
    members = [f"U1{i:04d}" for i in range(args.members)]
    joiners = [f"U2{i:04d}" for i in range(args.n + args.warmup)]
    print(
        f"{args.db}: {args.members} onboarded members, {args.n} status + {args.n} join "
        f"(+{args.warmup} warm-up each); load average {os.getloadavg()[0]:.2f}, "
        f"{os.cpu_count()} CPUs"
    )
    async with fresh_database(args.db, args.pg_url) as db:
        await seed_program(db, CHANNEL, members, datetime.now(UTC) + timedelta(days=7))
        platform = InstantPlatform(set(members) | set(joiners))
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        app = build_app(db, platform, SystemClock(), settings, random.Random(1))
        tally = watch(db)
        tally.keep_texts = args.verbose
        rng = random.Random(10)

        def actor(user: str) -> Actor:
            # As the Slack adapter builds it: a signed request vouches for the user, no name.
            return Actor(TEAM, user, CHANNEL, vouched=True)

        statuses = [actor(rng.choice(members)) for _ in range(args.n + args.warmup)]
        joins = [actor(u) for u in joiners]
        w = args.warmup
        await measure(app, tally, "status", statuses[:w], None)
        await measure(app, tally, "join", joins[:w], None)
        for kind, actors in (("status", statuses[w:]), ("join", joins[w:])):
            profiler = cProfile.Profile(time.thread_time) if args.profile else None
            figures = await measure(app, tally, kind, actors, profiler)
            prof = pstats.Stats(profiler) if profiler is not None else None
            if profiler is not None and args.dump:
                profiler.dump_stats(f"{args.dump}-{args.db}-{kind}.prof")
            report(figures, prof, args.verbose)
        sent = sum(1 for t, _m, k in platform.sent if k and k.startswith("interview"))
        print(f"\ninterview DMs sent: {sent} of {len(joins)} joins; calls {dict(platform.calls)}")
        assert sent == len(joins), "every join gets its interview DM"


def run(coro: Awaitable[None]) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("-n", type=int, default=200, help="commands of each kind")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--dump", help="with --profile: write <dump>-<db>-<kind>.prof")
    parser.add_argument(
        "--pg-url", default=os.environ.get("WARMINTRO_TEST_POSTGRES_URL") or DEFAULT_PG
    )
    run(main(parser.parse_args()))
