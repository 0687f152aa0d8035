"""Issue 10's table: a real `warmintro serve --platform slack` under load, against a fake Slack
on loopback that enforces Slack's rate limits.

    python -m bench.bench_load [--db sqlite|postgres|both] [--phase commands|round|both]
        [--quick] [--members 3000] [--commands 1000] [--inflight 50 | --rate 100]
        [--round-seconds 240] [--profile]

Everything talks to 127.0.0.1 only. Every phase runs against a fresh app process, a fresh
database (SQLite file in a temporary directory, or a fresh PostgreSQL schema at
postgresql+asyncpg://postgres@127.0.0.1:5432/test via `?search_path=`, dropped afterwards) and a
fresh fake, so one phase's outbox or rate-limit buckets never leak into the next.

The fake Slack's model (`LimitedSlack`), per workspace (there is one):
- every call, the response_url POSTs included, is answered 80 ms after it arrives;
- conversations.open: a token bucket of 50 tokens refilled at 50 per minute (Tier 3: a burst of
  50, then one call every 1.2 s);
- chat.postMessage: a token bucket per channel of 3 tokens refilled at 1 per second ("about one
  per second per channel, short bursts allowed"); no workspace-wide post limit is modelled;
- a call without a token is answered 429 with `Retry-After: ceil(seconds until a token)` (an
  integer, at least 1) and consumes nothing; other methods (users.info, conversations.members)
  are not limited.

Phases (each in its own process and database):
1. commands: `--commands` signed slash commands from `--inflight` concurrent senders, half
   `/coffee status` from onboarded members, half `/coffee join` from channel members the app
   doesn't know yet (each gets the interview DM, whose conversations.open is rate-limited).
   Ack = the HTTP answer's latency; reply = sending the request → the reply arriving: in the
   ack itself (a reply ready within `adapters.slack.slash.ACK_SECONDS` is the HTTP answer, as
   Slack shows it) or as the response_url POST at the fake. CPU = the app's utime+stime
   (/proc/<pid>/stat) from the first request to the last reply, ÷ commands (it includes the
   interview deliveries the joins cause).
2. round: `--members` onboarded members in a channel program, then an admin's signed
   `/coffee match-now`; the app syncs the pool (conversations.members), matches, saves, and
   delivers the intros (conversations.open + chat.postMessage per group). Measured until every
   intro is posted or `--round-seconds` after the first intro's conversations.open (the whole
   round takes (G - 50) × 1.2 s, 29 min for 1,500 groups), so "delivery ÷ bound" is over the
   first K intros posted within the window; 0 waits for the whole round.
   - saving the round: the matcher's log line → the "round N saved" log line, both stamped as
     they arrive on the app's stdout (the INSERTs and flushes, not the COMMIT); also shown:
     → match-now's answer arriving (COMMIT included), and match-now sent → the matcher's line;
   - first intro: match-now sent → the first accepted chat.postMessage to a group DM arriving;
   - delivery ÷ bound: first group-DM conversations.open → K-th intro post, against
     (K - 50) × 1.2 s + 80 ms, the earliest the K-th open can succeed plus its answer;
   - 429s: during the window, per successful conversations.open and as a share of all calls;
   - handed back: "delivery N: ratelimited; retry #…" log lines (a send that used up its 429
     retries and went back to the outbox), and intro rows whose error says ratelimited.
"In flight": `--inflight` senders each wait for the HTTP answer (the ack) of one request before
sending the next. A reply ready within `ACK_SECONDS` is carried by that answer, so the senders
then keep `--inflight` commands in flight at the app; a command still running at
`ACK_SECONDS` is acknowledged without its reply and its sender moves on (before the reply went
into the ack, every ack was immediate and the senders never waited for a reply). `--rate R`
instead sends command n at n / R seconds, whatever has come back (open loop): the rate the app
sustains.

Setup is written to the database directly (`tests.slack.test_slack_scale.seed_program`: the
program, onboarded members and profiles), not enrolled through the product: enrolling 3,000
people through Slack means 3,000 users.info calls and 3,000 interview DMs, whose
conversations.open alone would take an hour at 50/min. Everything measured goes through the
product over signed HTTP.

`--profile`: runs each phase once more with the app under cProfile (PostgreSQL only unless
`--db sqlite`) and writes the top 25 functions by cumulative and by own time to
bench/profiles/<db>-<phase>.txt (`--profile-only`: just that). cProfile sees the event loop's
thread only (not the matcher's `asyncio.to_thread`, not aiosqlite's thread).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import math
import os
import pstats
import random
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage.engine import Database, create_engine  # noqa: E402
from storage.models import Delivery  # noqa: E402
from tests.slack.fake_slack import BOT_USER, FakeSlack, SlackClient  # noqa: E402
from tests.slack.test_slack_scale import seed_program  # noqa: E402

SECRET = "bench-load-secret"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
CHANNEL = "C0100"
PROFILES = ROOT / "bench" / "profiles"

LATENCY = 0.080  # seconds, every call
OPEN_BURST, OPEN_PER_MINUTE = 50, 50  # conversations.open: Tier 3
POST_BURST, POST_PER_SECOND = 3, 1.0  # chat.postMessage, per channel

# The "today" column.
TODAY = {
    "postgresql": {"reply": "7.1 s / 10.4 s", "ack": "46 / 204 ms"},
    "sqlite": {"reply": "12.6 s / 14.4 s", "ack": "—"},
    "cpu": "8–13 ms",
    "save": "7.2 s",
    "first": "9.1 s",
    "ratio": "1.015–1.031",
    "429": "2,781 (1.85 per open)",
    "handed_back": "47",
}
TARGET = {
    "postgresql": "p99 ≤ 1 s",
    "sqlite": "p99 ≤ 2 s",
    "cpu": "≤ 3 ms",
    "save": "≤ 1 s",
    "first": "≤ 2 s",
    "ratio": "≤ 1.05",
    "429": "< 1% of calls",
    "handed_back": "0",
}


# --- the rate-limited fake Slack ------------------------------------------------------------------


@dataclass
class Bucket:
    capacity: float
    per_second: float
    tokens: float = -1.0
    at: float = 0.0

    def take(self, now: float) -> float:
        """0 if a token was taken; else the seconds until one will be there (nothing taken)."""
        if self.tokens < 0:
            self.tokens, self.at = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


@dataclass
class LimitedSlack(FakeSlack):
    """FakeSlack with 80 ms per call and Slack's limits (see the module docstring)."""

    open_bucket: Bucket = field(default_factory=lambda: Bucket(OPEN_BURST, OPEN_PER_MINUTE / 60))
    post_buckets: dict[str, Bucket] = field(default_factory=dict)
    limited: Counter[str] = field(default_factory=Counter)  # 429s by method
    answered: Counter[str] = field(default_factory=Counter)  # calls by method (429s included)
    reply_at: dict[str, float] = field(default_factory=dict)  # response_url tag → arrival
    group_opens: list[float] = field(default_factory=list)  # accepted group-DM opens
    intro_posts: list[float] = field(default_factory=list)  # accepted posts to group DMs

    def reset_counts(self) -> None:
        self.limited.clear()
        self.answered.clear()
        self.open_bucket = Bucket(OPEN_BURST, OPEN_PER_MINUTE / 60)
        self.post_buckets.clear()

    async def _args(self, request: web.Request) -> dict[str, Any]:
        """Parsed once per request (the body can be read only once)."""
        if "bench_args" not in request:
            request["bench_args"] = await super()._args(request)
        return request["bench_args"]

    async def _api(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        method = request.match_info["method"]
        self.answered[method] += 1
        wait = 0.0
        if method == "conversations.open":
            wait = self.open_bucket.take(time.monotonic())
        elif method == "chat.postMessage":
            channel = str((await self._args(request)).get("channel"))
            bucket = self.post_buckets.setdefault(channel, Bucket(POST_BURST, POST_PER_SECOND))
            wait = bucket.take(time.monotonic())
        await asyncio.sleep(LATENCY)
        if wait > 0:
            self.limited[method] += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        response = await super()._api(request)
        if response.status == 200 and method in {"conversations.open", "chat.postMessage"}:
            args = await self._args(request)
            if method == "conversations.open" and "," in str(args.get("users") or ""):
                self.group_opens.append(arrived)
            if method == "chat.postMessage" and str(args.get("channel")).startswith("G"):
                self.intro_posts.append(arrived)
        return response

    async def _response(self, request: web.Request) -> web.Response:
        self.reply_at[request.match_info["tag"]] = time.perf_counter()
        await request.read()
        await asyncio.sleep(LATENCY)
        return await super()._response(request)

    def record_response(self, tag: str, body: dict[str, Any], via: str) -> None:
        """A reply carried by the ack arrives with it (`SlackClient.record_ack`)."""
        self.reply_at.setdefault(tag, time.perf_counter())
        super().record_response(tag, body, via)


# --- the app under test ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process (its threads included), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


@dataclass
class App:
    """`warmintro serve --platform slack` in HTTP mode on a free loopback port."""

    database_url: str
    api_url: str
    log: Path
    profile: Path | None = None
    port: int = field(default_factory=free_port)
    proc: asyncio.subprocess.Process | None = None
    lines: list[tuple[float, str]] = field(default_factory=list)  # (arrival, line)
    _reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "DISCORD_", "WARMINTRO_", "DATABASE_URL"))
        }
        env.update(
            DATABASE_URL=self.database_url,
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=self.api_url,
            WARMINTRO_LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        command = [sys.executable]
        if self.profile is not None:
            command += ["-m", "cProfile", "-o", str(self.profile)]
        command += ["-m", "adapters.cli", "serve", "--platform", "slack"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = await asyncio.create_subprocess_exec(
            *command,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())
        await self._wait_ready()

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        with self.log.open("w") as out:
            async for raw in self.proc.stdout:
                line = raw.decode(errors="replace")
                self.lines.append((time.perf_counter(), line))
                out.write(line)

    async def _wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                assert self.proc is not None
                if self.proc.returncode is not None:
                    raise RuntimeError("the app exited:\n" + self.tail())
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                        if response.status == 200 and self._leads():
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError("the app did not come up (or never led):\n" + self.tail())

    def _leads(self) -> bool:
        """On PostgreSQL only the elected scheduler delivers: measuring before the app has won
        the election (its first tick) would leave the interview DMs out of the burst."""
        if not self.database_url.startswith("postgresql"):
            return True
        return self.first_line("this process is now the active scheduler") is not None

    def tail(self) -> str:
        return "".join(line for _, line in self.lines[-40:])

    def first_line(self, pattern: str) -> tuple[float, re.Match[str]] | None:
        regex = re.compile(pattern)
        for at, line in self.lines:
            found = regex.search(line)
            if found:
                return at, found
        return None

    def count_lines(self, pattern: str) -> int:
        regex = re.compile(pattern)
        return sum(1 for _, line in self.lines if regex.search(line))

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    async def stop(self, kill: bool = False) -> None:
        """SIGTERM (a graceful stop: background deliveries get up to 30 s), or SIGKILL."""
        if self.proc is None:
            return
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 90)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader is not None:
            await asyncio.wait_for(self._reader, 10)


# --- databases --------------------------------------------------------------------------------


@dataclass
class Store:
    url: str  # what the app gets as DATABASE_URL
    db: Database  # the bench's own view (seeding, read-only queries)
    dialect: str


@asynccontextmanager
async def fresh_database(kind: str, tmp: Path) -> AsyncIterator[Store]:
    if kind == "sqlite":
        path = tmp / f"load-{uuid.uuid4().hex[:8]}.db"
        url = f"sqlite+aiosqlite:///{path}"
        db = Database.from_url(url)
        await db.upgrade()
        try:
            yield Store(url, db, "sqlite")
        finally:
            await db.dispose()
        return
    base = os.environ.get("WARMINTRO_BENCH_POSTGRES_URL", DEFAULT_PG)
    schema = f"bench_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = f"{base}?search_path={schema}"
    db = Database.from_url(url)
    try:
        await db.upgrade()
        yield Store(url, db, "postgresql")
    finally:
        await db.dispose()
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


async def reader(store: Store) -> Database:
    """A connection for reading while the app writes (SQLite: never the write lock)."""
    if store.dialect == "sqlite":
        return Database(create_engine(store.url, immediate=False))
    return Database.from_url(store.url)


def people(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i:06d}" for i in range(count)]


def new_fake(members: list[str], extra: list[str] = ()) -> LimitedSlack:  # type: ignore[assignment]
    fake = LimitedSlack()
    for user in [*members, *extra]:
        fake.add_user(user, f"Person {user}")
    fake.users[members[0]]["is_admin"] = True
    fake.add_user(BOT_USER, "WarmIntro", is_bot=True)
    fake.channels[CHANNEL] = [*members, *extra, BOT_USER]
    fake.page_size = 1000  # Slack's largest page: the app's `limit` decides below that
    return fake


async def until(check: Callable[[], object], deadline: float, step: float = 0.05) -> bool:
    """Poll `check` until it holds or the monotonic `deadline` passes; whether it held."""
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(step)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


# --- phase 1: the command burst -------------------------------------------------------------------


@dataclass
class CommandFigures:
    commands: int
    replied: int
    ack_p50: float
    ack_p99: float
    reply_p50: float
    reply_p99: float
    status_p99: float
    join_p99: float
    cpu_ms: float
    wall: float
    limited: Counter[str]
    answered: Counter[str]
    load: str  # "50 in flight", or "100/s open loop"


async def commands_phase(
    kind: str, tmp: Path, args: argparse.Namespace, profile: Path | None = None
) -> CommandFigures:
    members = people("U1", args.members)
    joiners = people("U2", args.commands // 2)
    fake = new_fake(members, joiners)
    await fake.start()
    async with fresh_database(kind, tmp) as store:
        await seed_program(store.db, CHANNEL, members, datetime.now(UTC) + timedelta(days=7))
        app = App(store.url, fake.api_url, tmp / f"{kind}-commands.log", profile)
        slack = SlackClient("", SECRET, fake)
        try:
            await app.start()
            slack.url = app.events_url
            rng = random.Random(10)
            work = [("join", u) for u in joiners]
            work += [("status", rng.choice(members)) for _ in range(args.commands - len(work))]
            rng.shuffle(work)
            fake.reset_counts()
            sent: dict[str, tuple[str, float]] = {}
            acks: list[float] = []
            queue = iter(work)
            assert app.proc is not None
            cpu0, t0 = cpu_seconds(app.proc.pid), time.perf_counter()

            async def send(what: str, user: str) -> None:
                started = time.perf_counter()
                tag = await slack.command("/coffee", what, user, CHANNEL)
                acks.append(time.perf_counter() - started)
                sent[tag] = (what, started)

            async def sender() -> None:
                for what, user in queue:
                    await send(what, user)

            async def at_rate(n: int, what: str, user: str) -> None:
                await asyncio.sleep(max(0.0, t0 + n / args.rate - time.perf_counter()))
                await send(what, user)

            if args.rate:  # open loop: command n leaves at n / rate, whatever came back
                await slack.session.close()
                slack.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
                senders = [at_rate(n, what, user) for n, (what, user) in enumerate(work)]
            else:
                senders = [sender() for _ in range(args.inflight)]
            await asyncio.wait_for(asyncio.gather(*senders), args.deadline)
            deadline = time.monotonic() + args.deadline
            await until(lambda: all(t in fake.reply_at for t in sent), deadline)
            cpu1, t1 = cpu_seconds(app.proc.pid), time.perf_counter()
            await asyncio.sleep(3 * LATENCY)  # the last answers are recorded
        finally:
            await slack.close()
            await app.stop(kill=profile is None)
            await fake.stop()
    replies = {t: fake.reply_at[t] - s for t, (_, s) in sent.items() if t in fake.reply_at}
    by = {w: [r for t, r in replies.items() if sent[t][0] == w] for w in ("status", "join")}
    return CommandFigures(
        commands=len(sent),
        replied=len(replies),
        ack_p50=pct(acks, 50),
        ack_p99=pct(acks, 99),
        reply_p50=pct(list(replies.values()), 50),
        reply_p99=pct(list(replies.values()), 99),
        status_p99=pct(by["status"], 99),
        join_p99=pct(by["join"], 99),
        cpu_ms=(cpu1 - cpu0) / max(1, len(sent)) * 1000,
        wall=t1 - t0,
        limited=Counter(fake.limited),
        answered=Counter(fake.answered),
        load=f"{args.rate:g}/s open loop" if args.rate else f"{args.inflight} in flight",
    )


# --- phase 2: the round ---------------------------------------------------------------------------


@dataclass
class RoundFigures:
    members: int
    groups: int
    reply: float  # match-now sent → its answer arrived
    matched: float  # match-now sent → the matcher's log line
    save: float  # matcher's log line → "round saved" log line
    save_commit: float  # matcher's log line → match-now's answer arrived (commit included)
    first_intro: float
    delivered: int
    delivery: float
    bound: float
    complete: bool
    limited: Counter[str]
    answered: Counter[str]
    opens_ok: int
    handed_back_log: int
    handed_back_db: int


async def round_phase(
    kind: str, tmp: Path, args: argparse.Namespace, profile: Path | None = None
) -> RoundFigures:
    members = people("U1", args.members)
    fake = new_fake(members)
    await fake.start()
    async with fresh_database(kind, tmp) as store:
        await seed_program(store.db, CHANNEL, members, datetime.now(UTC) + timedelta(days=7))
        app = App(store.url, fake.api_url, tmp / f"{kind}-round.log", profile)
        slack = SlackClient("", SECRET, fake)
        view = await reader(store)
        try:
            await app.start()
            slack.url = app.events_url
            await asyncio.sleep(1.0)  # the first tick (at start-up) has nothing to do
            fake.reset_counts()
            t0 = time.perf_counter()
            tag = await slack.command("/coffee", "match-now", members[0], CHANNEL)
            deadline = time.monotonic() + args.deadline
            if not await until(lambda: any(r["tag"] == tag for r in fake.responses), deadline):
                raise RuntimeError("match-now got no answer:\n" + app.tail())
            answer = next(r for r in fake.responses if r["tag"] == tag)
            found = re.search(r"Round \d+ started: ([\d,]+) groups", str(answer.get("text")))
            if not found:
                raise RuntimeError(f"match-now answered {answer.get('text')!r}")
            groups = int(found.group(1).replace(",", ""))
            window = args.round_seconds
            if profile is not None:
                window = 5.0  # the round's path: pool sync, matching, saving, first intros
            await until(lambda: fake.group_opens, deadline, 0.02)
            open0 = fake.group_opens[0] if fake.group_opens else time.perf_counter()
            limit = (
                time.monotonic() + window
                if window > 0
                else time.monotonic() + ((groups - OPEN_BURST) * 60 / OPEN_PER_MINUTE) * 1.5 + 120
            )
            await until(lambda: len(fake.intro_posts) >= groups, limit, 0.1)
            # What happened in the window (the app goes on delivering while it stops).
            posts, limited, answered = (
                list(fake.intro_posts),
                Counter(fake.limited),
                Counter(fake.answered),
            )
            handed_back_log = app.count_lines(r"delivery \d+: ratelimited; retry #")
            async with view.session() as s:
                handed_back_db = (
                    await s.execute(
                        select(func.count())
                        .select_from(Delivery)
                        .where(Delivery.kind == "intro", Delivery.error.like("%ratelimited%"))
                    )
                ).scalar_one()
        finally:
            await slack.close()
            await view.dispose()
            await app.stop(kill=profile is None)  # a profiled app must exit cleanly
            await fake.stop()
    matched = app.first_line(r"round \d+: \d+ members, \d+ groups")
    saved = app.first_line(r"round \d+ saved")
    reply_at = fake.reply_at[tag]
    delivered = len(posts)
    last = posts[-1] if posts else open0
    bound = max(0, delivered - OPEN_BURST) * 60 / OPEN_PER_MINUTE + LATENCY
    return RoundFigures(
        members=len(members),
        groups=groups,
        reply=reply_at - t0,
        matched=(matched[0] - t0) if matched else float("nan"),
        save=(saved[0] - matched[0]) if matched and saved else float("nan"),
        save_commit=(reply_at - matched[0]) if matched else float("nan"),
        first_intro=(posts[0] - t0) if posts else float("nan"),
        delivered=delivered,
        delivery=last - open0,
        bound=bound,
        complete=delivered >= groups,
        limited=limited,
        answered=answered,
        opens_ok=answered["conversations.open"] - limited["conversations.open"],
        handed_back_log=handed_back_log,
        handed_back_db=handed_back_db,
    )


# --- profiles ---------------------------------------------------------------------------------


IDLE = "method 'poll' of 'select.epoll' objects"
# Plain (not coroutine) functions whose call counts say how much work was done.
COUNTED = {
    "_init_compiled": "SQL statements executed (SQLAlchemy execution contexts)",
    "_prepare_headers": "HTTP requests prepared by slack_sdk (Web API and response_url)",
}


def area(filename: str, function: str) -> str:
    """Where a function lives: a project module, a library, the stdlib, or a builtin."""
    if filename == "~":
        return "builtin " + function
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith(str(ROOT)):
        return filename[len(str(ROOT)) + 1 :].removesuffix(".py").replace("/", ".")
    parts = Path(filename).parts
    if len(parts) > 1 and parts[-2] in {"asyncio", "json", "logging"}:
        return "stdlib " + parts[-2]
    return "stdlib " + (parts[-1] if parts else filename)


def summarise(prof: Path, out: Path, title: str, units: str, per: int, unit: str) -> None:
    text = io.StringIO()
    text.write(f"{title}\n\n")
    raw = pstats.Stats(str(prof))
    own: Counter[str] = Counter()
    counted: Counter[str] = Counter()
    for (filename, _line, function), (_cc, nc, tottime, _ct, _callers) in raw.stats.items():  # type: ignore[attr-defined]
        if function in COUNTED:
            counted[COUNTED[function]] += nc
        if IDLE not in function:
            own[area(filename, function)] += tottime
    busy = sum(own.values())
    text.write(f"=== own time by area (event-loop thread, idle epoll excluded: {busy:.1f} s) ===\n")
    for name, seconds in own.most_common(25):
        text.write(f"{seconds:8.2f} s {100 * seconds / busy:5.1f}%  {name}\n")
    text.write(f"\n=== work done ({units}) ===\n")
    for name, calls in counted.items():
        text.write(f"{calls:9,} {name} ({calls / max(1, per):.1f} per {unit})\n")
    text.write(
        "\n(cProfile's cumulative time of a coroutine counts the time it spent suspended too:\n"
        "read it for the call counts and for plain functions; own time is exact.)\n\n"
    )
    for order in ("cumulative", "tottime"):
        text.write(f"=== top 25 by {order} ===\n")
        stats = pstats.Stats(str(prof), stream=text)
        stats.strip_dirs().sort_stats(order).print_stats(25)
    out.write_text(text.getvalue())
    print(f"  profile: {out.relative_to(ROOT)}")


# --- the table ----------------------------------------------------------------------------------


def s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def print_table(kind: str, c: CommandFigures | None, r: RoundFigures | None, quick: bool) -> None:
    rows: list[tuple[str, str, str, str]] = []
    label = "PG" if kind == "postgresql" else "SQLite"
    if c is not None:
        rows += _command_rows(kind, label, c)
    if r is not None:
        rows += _round_rows(r)
    sizes = " (--quick sizes)" if quick else ""
    print(f"\n## {label}{sizes}\n")
    print("| what | today | measured | target |\n|---|---|---|---|")
    for what, today, measured, target in rows:
        print(f"| {what} | {today} | {measured} | {target} |")
    if c is not None:
        print(
            f"\ncommands: {c.replied:,}/{c.commands:,} replied, burst took {c.wall:.1f} s, "
            f"Slack calls {dict(c.answered)}, of which 429: {dict(c.limited)}"
        )


def _command_rows(kind: str, label: str, c: CommandFigures) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    rows.append(
        (
            f"{c.commands:,} slash commands, {c.load} (status+join), "
            f"{label}: reply p50 / p99 (acks p50 / p99)",
            TODAY[kind]["reply"] + f" (acks {TODAY[kind]['ack']})",
            f"{s(c.reply_p50)} / {s(c.reply_p99)} (acks {c.ack_p50 * 1000:.0f} / "
            f"{c.ack_p99 * 1000:.0f} ms)",
            TARGET[kind],
        )
    )
    rows.append(
        (
            "  … of which status p99 / join p99",
            "",
            f"{s(c.status_p99)} / {s(c.join_p99)}",
            "",
        )
    )
    rows.append(
        (
            "CPU per command in the app",
            TODAY["cpu"],
            f"{c.cpu_ms:.1f} ms ({1000 / c.cpu_ms:.0f} commands/s)",
            TARGET["cpu"],
        )
    )
    return rows


def _round_rows(r: RoundFigures) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    rows.append(
        (
            f"{r.members:,}-member round: saving the round ({r.groups:,} groups)",
            TODAY["save"],
            f"{s(r.save)} (with COMMIT and the answer: {s(r.save_commit)}; "
            f"sync+matching before it: {s(r.matched)})",
            TARGET["save"],
        )
    )
    rows.append(
        (
            f"{r.members:,}-member round: first intro posted after match-now",
            TODAY["first"],
            s(r.first_intro),
            TARGET["first"],
        )
    )
    scope = "whole round" if r.complete else f"first {r.delivered:,} of {r.groups:,} intros"
    ratio = r.delivery / r.bound if r.bound > LATENCY else float("nan")
    rows.append(
        (
            "round delivery time / the bound the limits imply",
            TODAY["ratio"],
            f"{ratio:.3f} ({scope}: {r.delivery:.1f} s vs {r.bound:.1f} s)",
            TARGET["ratio"],
        )
    )
    opens_429 = r.limited["conversations.open"]
    total_429 = sum(r.limited.values())
    calls = sum(r.answered.values())
    rows.append(
        (
            "429 answers provoked during that round",
            TODAY["429"],
            f"{total_429:,} ({opens_429 / max(1, r.opens_ok):.2f} per open; "
            f"{100 * total_429 / max(1, calls):.1f}% of {calls:,} calls)",
            TARGET["429"],
        )
    )
    rows.append(
        (
            "sends handed back to the outbox mid-round",
            TODAY["handed_back"],
            f"{r.handed_back_log} (rows with a ratelimited error: {r.handed_back_db})",
            TARGET["handed_back"],
        )
    )
    return rows


# --- main ---------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> None:
    kinds = (
        ["sqlite", "postgresql"]
        if args.db == "both"
        else [args.db.replace("postgres", "postgresql")]
    )
    tmp = Path(tempfile.mkdtemp(prefix="warmintro-load-"))
    try:
        for kind in kinds if not args.profile_only else []:
            c = r = None
            if args.phase in {"commands", "both"}:
                how = f"at {args.rate:g}/s" if args.rate else f"{args.inflight} in flight"
                what = f"{args.commands} commands, {how}"
                print(f"\n[{kind}] {what} …", flush=True)
                c = await commands_phase(kind, tmp, args)
            if args.phase in {"round", "both"}:
                print(f"[{kind}] round of {args.members} members …", flush=True)
                r = await round_phase(kind, tmp, args)
            print_table(kind, c, r, args.quick)
        if args.profile or args.profile_only:
            PROFILES.mkdir(exist_ok=True)
            for kind in kinds if args.db != "both" else ["postgresql"]:
                for phase, runner in (("commands", commands_phase), ("round", round_phase)):
                    if args.phase not in {phase, "both"}:
                        continue
                    prof = tmp / f"{kind}-{phase}.prof"
                    print(f"[{kind}] {phase} under cProfile …", flush=True)
                    await runner(kind, tmp, args, prof)
                    title = f"cProfile of `warmintro serve` ({kind}), {phase} phase: " + (
                        f"{args.commands} commands, {args.inflight} in flight"
                        if phase == "commands"
                        else f"match-now of {args.members} members + 5 s of delivery"
                    )
                    if phase == "commands":
                        units, per, unit = f"{args.commands} commands", args.commands, "command"
                    else:
                        units, per, unit = f"{args.members // 2} groups", args.members // 2, "group"
                    summarise(prof, PROFILES / f"{kind}-{phase}.txt", title, units, per, unit)
                    if args.keep_prof:
                        shutil.copy(prof, args.keep_prof)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="300 members, 200 commands, 60 s")
    parser.add_argument(
        "--phase", choices=["commands", "round", "both"], default="both", help="which to run"
    )
    parser.add_argument("--members", type=int)
    parser.add_argument("--commands", type=int)
    parser.add_argument("--inflight", type=int, default=50)
    parser.add_argument(
        "--rate",
        type=float,
        help="commands per second, open loop (each leaves on time whatever came back), "
        "instead of --inflight senders",
    )
    parser.add_argument(
        "--round-seconds",
        type=float,
        help="how long to watch the round's delivery (0: until every intro is posted)",
    )
    parser.add_argument("--deadline", type=float, default=600, help="seconds per wait, at most")
    parser.add_argument("--profile", action="store_true", help="also run each phase under cProfile")
    parser.add_argument("--profile-only", action="store_true", help="only the profiles")
    parser.add_argument("--keep-prof", help="with a profile: copy the raw .prof file here")
    args = parser.parse_args()
    args.members = args.members or (300 if args.quick else 3000)
    args.commands = args.commands or (200 if args.quick else 1000)
    if args.round_seconds is None:
        args.round_seconds = 60.0 if args.quick else 240.0
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
