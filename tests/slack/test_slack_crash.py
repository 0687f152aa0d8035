"""`kill -9` of a real `warmintro serve --platform slack` mid-round, then a restart.

The fake Slack runs in the test process; the app is a subprocess on SQLite or PostgreSQL. The
first kill lands while Slack is taking an intro (posted, never recorded: in doubt, and posted);
the second while a group DM is being opened (claimed, not posted). After each restart the
claims of the dead process are taken over at once and resolved: with the history scopes every
group gets exactly one intro; without, a re-sent intro is flagged `duplicate_risk`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from storage.engine import Database, create_engine
from storage.models import Delivery, GroupMember, Member, Round
from tests.conftest import pg_database
from tests.slack.conftest import SECRET
from tests.slack.fake_slack import BOT_USER, Call, FakeSlack
from tests.slack.test_slack_scale import seed_program

ROOT = Path(__file__).resolve().parents[2]
CHANNEL = "C0100"
MEMBERS = 200
KILL_AT_POST = 30  # first kill: while Slack takes the 30th intro
KILL_AT_OPEN = 60  # second kill: while the group DM of the ~60th intro is being opened


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Serve:
    """`warmintro serve --platform slack` as a child process."""

    database_url: str
    api_url: str
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0

    def start(self) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "DISCORD_", "WARMINTRO_"))
        }
        env.update(
            DATABASE_URL=self.database_url,
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=self.api_url,
            WARMINTRO_TICK_SECONDS="1",
            WARMINTRO_LOG_LEVEL="INFO",
        )
        command = [sys.executable, "-m", "adapters.cli", "serve", "--platform", "slack"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("ab") as out:
            self.started = time.monotonic()
            self.proc = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)

    async def wait_dead(self) -> None:
        assert self.proc is not None
        await asyncio.to_thread(self.proc.wait)

    async def wait_ready(self, seconds: float = 60) -> float:
        """Until /healthz answers; returns the seconds since start."""
        deadline = time.monotonic() + seconds
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                assert self.proc is not None and self.proc.poll() is None, self.log.read_text()
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                        if response.status == 200:
                            return time.monotonic() - self.started
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError("the app did not come up:\n" + self.log.read_text()[-3000:])

    async def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        for _ in range(200):
            if self.proc.poll() is not None:
                return
            await asyncio.sleep(0.05)
        self.proc.kill()


@dataclass
class Scene:
    fake: FakeSlack
    db: Database  # the test's own view of the app's database
    serve: Serve
    people: list[str]
    kills: list[str] = field(default_factory=list)


def _group_open(call: Call) -> bool:
    return call.method == "conversations.open" and "," in str(call.args.get("users", ""))


def intro_posts(fake: FakeSlack) -> Counter[str]:
    return Counter(
        p["metadata"]["event_payload"]["key"]
        for p in fake.posts
        if p["channel"].startswith("G") and p["metadata"]
    )


async def intro_rows(db: Database) -> list[Delivery]:
    async with db.session() as s:
        return list((await s.execute(select(Delivery).where(Delivery.kind == "intro"))).scalars())


async def wait_until(check, seconds: float = 120) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if await check():
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def run_round_with_two_crashes(scene: Scene, history: bool) -> None:
    fake, serve = scene.fake, scene.serve
    fake.grant_history(history)

    def on_post(post: dict[str, object]) -> None:
        if str(post["channel"]).startswith("G") and sum(intro_posts(fake).values()) == KILL_AT_POST:
            serve.kill()  # Slack has the intro; the app will never hear back
            scene.kills.append("post")

    def on_call(call: Call) -> None:
        if _group_open(call) and len(scene.kills) == 1 and len(intro_posts(fake)) >= KILL_AT_OPEN:
            serve.kill()  # the intro is claimed; nothing is posted yet
            scene.kills.append("open")

    fake.on_post, fake.on_call = on_post, on_call
    serve.start()
    await serve.wait_ready()
    for expected in (1, 2):
        await wait_until(lambda n=expected: _true(len(scene.kills) >= n))
        await serve.wait_dead()
        in_doubt = [r.key for r in await intro_rows(scene.db) if r.status == "sending"]
        assert in_doubt, "the kill left no claimed row behind"
        serve.start()
        ready = await serve.wait_ready()
        await wait_until(lambda keys=in_doubt: _all_done(scene.db, keys))
        resolved = time.monotonic() - serve.started
        print(
            f"\n[{scene.db.dialect}, history={history}] kill #{expected} ({scene.kills[-1]}): "
            f"restarted process up in {ready:.2f}s; its {len(in_doubt)} claimed row(s) "
            f"resolved {resolved:.2f}s after the restart ({resolved - ready:.2f}s after up)"
        )
    await wait_until(lambda: _round_delivered(scene.db))
    await serve.stop()
    assert scene.kills == ["post", "open"]
    await check_invariants(scene, history)


async def _true(value: bool) -> bool:
    return value


async def _all_done(db: Database, keys: list[str]) -> bool:
    rows = {r.key: r for r in await intro_rows(db)}
    return all(rows[k].status == "sent" for k in keys)


async def _round_delivered(db: Database) -> bool:
    rows = await intro_rows(db)
    return bool(rows) and all(r.status == "sent" for r in rows)


async def check_invariants(scene: Scene, history: bool) -> None:
    async with scene.db.session() as s:
        rounds = list((await s.execute(select(Round))).scalars())
        placed = Counter(
            (
                await s.execute(
                    select(Member.external_id).join(GroupMember, GroupMember.member_id == Member.id)
                )
            ).scalars()
        )
    assert len(rounds) == 1
    assert set(placed) == set(scene.people) and set(placed.values()) == {1}
    rows = await intro_rows(scene.db)
    posted = intro_posts(scene.fake)
    assert set(posted) == {r.key for r in rows}  # no group without its intro
    duplicates = sum(n - 1 for n in posted.values())
    flagged = sum(r.duplicate_risk for r in rows)
    print(f"[groups {len(rows)}, duplicates {duplicates}, flagged duplicate_risk {flagged}]")
    if history:
        assert duplicates == 0 and flagged == 0
    else:
        assert max(posted.values()) <= 2 and duplicates <= flagged


@asynccontextmanager
async def make_scene(
    database_url: str, db: Database, log: Path, due_in: float = 0.0
) -> AsyncIterator[Scene]:
    fake = FakeSlack()
    people = [f"U3{i:04d}" for i in range(MEMBERS)]
    for user in people:
        fake.add_user(user, f"Person {user}")
    fake.add_user(BOT_USER, "WarmIntro", is_bot=True)
    fake.channels[CHANNEL] = [*people, BOT_USER]
    fake.page_size = 200
    fake.latency["chat.postMessage"] = (0.02, 0.05)
    await fake.start()
    await db.upgrade()
    await seed_program(db, CHANNEL, people, datetime.now(UTC) + timedelta(seconds=due_in))
    serve = Serve(database_url, fake.api_url, log)
    try:
        yield Scene(fake, db, serve, people)
    finally:
        await serve.stop()
        await fake.stop()


@pytest.mark.parametrize("history", [True, False], ids=["history", "no_history"])
async def test_kill_9_mid_round_on_sqlite(tmp_path: Path, history: bool) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'warmintro.db'}"
    db = Database(create_engine(url, immediate=False))  # a reader: never holds the write lock
    await crash_twice(url, db, tmp_path, history)


@pytest.mark.postgres
@pytest.mark.parametrize("history", [True, False], ids=["history", "no_history"])
async def test_kill_9_mid_round_on_postgres(
    pg_schema: tuple[str, str], tmp_path: Path, history: bool
) -> None:
    base, schema = pg_schema
    url = f"{base}?search_path={schema}&application_name=wi_{schema}"
    await crash_twice(url, pg_database(base, schema), tmp_path, history)


async def crash_twice(url: str, db: Database, tmp_path: Path, history: bool) -> None:
    try:
        async with make_scene(url, db, tmp_path / "serve.log") as scene:
            await run_round_with_two_crashes(scene, history)
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_a_replica_takes_over_at_once(pg_schema: tuple[str, str], tmp_path: Path) -> None:
    """Two replicas; the one delivering the round is killed and never comes back. The other
    becomes the scheduler and takes the dead one's claim over at once (its lock is gone)."""
    base, schema = pg_schema
    url = f"{base}?search_path={schema}&application_name=wi_{schema}"
    db = pg_database(base, schema)
    try:
        async with make_scene(url, db, tmp_path / "a.log", due_in=4.0) as scene:
            await run_replica_takeover(scene, Serve(url, scene.fake.api_url, tmp_path / "b.log"))
    finally:
        await db.dispose()


async def run_replica_takeover(scene: Scene, second: Serve) -> None:
    scene.fake.grant_history()
    first, db = scene.serve, scene.db
    killed_at: list[float] = []

    def on_post(post: dict[str, object]) -> None:
        intro = str(post["channel"]).startswith("G")
        if intro and not killed_at and sum(intro_posts(scene.fake).values()) == KILL_AT_POST:
            first.kill()  # the scheduler: it leads since it started first
            killed_at.append(time.monotonic())
            scene.kills.append("post")

    scene.fake.on_post = on_post
    first.start()
    await first.wait_ready()
    second.start()
    try:
        await second.wait_ready()
        await wait_until(lambda: _true(bool(killed_at)))
        await first.wait_dead()
        in_doubt = [r.key for r in await intro_rows(db) if r.status == "sending"]
        assert in_doubt
        await wait_until(lambda: _all_done(db, in_doubt))
        print(
            f"\n[postgresql, 2 replicas] the survivor resolved {len(in_doubt)} claimed "
            f"row(s) {time.monotonic() - killed_at[0]:.2f}s after the kill (tick: 1s)"
        )
        await wait_until(lambda: _round_delivered(db))
    finally:
        await second.stop()
    await check_invariants(scene, history=True)
