"""Server-side time of each dashboard page over HTTP: session check, workspace check, figures,
charts and the template, as a browser gets them.

    python -m bench.bench_web_pages [--members 10000] [--rounds 52] [--runs 15] [--db FILE]

Builds the same program as `bench.bench_dashboard` (10,000 members, 52 weekly rounds), serves
the dashboard on a local port, signs in (an admin and a member, through one-time links) and
times GET requests to every page: p50/p95 beside the target (p95 < 300 ms), the page's size,
and the peak memory (tracemalloc) of one request. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

from adapters.console.platform import ConsolePlatform, WorkspaceData
from adapters.web.site import Dashboard, dashboard_app
from bench.bench_dashboard import START, generate
from bot.bootstrap import build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import Actor
from bot.signin import Role, SignIn
from storage.engine import Database

TARGET_MS = 300.0


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(0.95 * (len(ordered) - 1))))]


async def _signed_in(base: str, signin: SignIn, actor: Actor, role: Role) -> aiohttp.ClientSession:
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    url = await signin.issue(actor, role)
    token = url.split("token=", 1)[1]
    answer = await http.post(f"{base}/signin", data={"token": token}, allow_redirects=False)
    assert answer.status == 303, answer.status
    return http


async def measure(db: Database, user: str, runs: int) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    clock = FakeClock(START + timedelta(weeks=51, days=3))
    platform = ConsolePlatform(WorkspaceData.load(), out=lambda _line: None)
    app = build_app(db, platform, clock, settings, random.Random(1))
    dashboard = Dashboard(settings)
    dashboard.register(app)
    server = TestServer(dashboard_app(dashboard), host="127.0.0.1")
    await server.start_server()
    base = f"http://127.0.0.1:{server.port}"
    settings.public_url = base
    signin = dashboard.signins["console"]
    admin = await _signed_in(base, signin, Actor("bench", "U000001", is_admin=True), Role.ADMIN)
    member = await _signed_in(base, signin, Actor("bench", user), Role.MEMBER)
    pages = [
        ("overview", admin, "/admin"),
        ("program page", admin, "/admin/programs/1"),
        ("program page, anonymised", admin, "/admin/programs/1?anonymise=1"),
        ("settings", admin, "/admin/programs/1/settings"),
        ("rounds.csv", admin, "/admin/programs/1/rounds.csv"),
        ("my page", member, "/me"),
        ("my data (JSON)", member, "/me/data.json"),
    ]
    print(f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'KiB':>8} {'peak MiB':>9}  target p95")
    try:
        for name, http, path in pages:
            times: list[float] = []
            size = 0
            for i in range(runs + 1):
                gc.collect()
                t = time.perf_counter()
                async with http.get(base + path) as answer:
                    body = await answer.read()
                    assert answer.status == 200, (path, answer.status)
                if i:  # the first request warms caches and statement compilation
                    times.append((time.perf_counter() - t) * 1000)
                size = len(body)
            gc.collect()
            tracemalloc.start()
            try:
                async with http.get(base + path) as answer:
                    await answer.read()
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            p95 = _p95(times)
            verdict = "ok" if p95 < TARGET_MS else "OVER"
            print(
                f"{name:<28} {statistics.median(times):8.1f} {p95:8.1f} {size / 1024:8.1f} "
                f"{peak / 2**20:9.1f}  {verdict}"
            )
    finally:
        await admin.close()
        await member.close()
        await server.close()
        await app.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess max RSS {rss:.0f} MB")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=52)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", help="reuse (or create) this SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "web.db"
        fresh = not path.exists()
        db = Database.from_url(f"sqlite+aiosqlite:///{path}")
        try:
            if fresh:
                await db.upgrade()
                _program, user = await generate(db, args.members, args.rounds)
            else:
                user = "U000042"
            print(f"\n== SQLite, {args.members:,} members, {args.rounds} rounds ==")
            await measure(db, user, args.runs)
        finally:
            await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
