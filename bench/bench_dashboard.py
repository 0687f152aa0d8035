"""Server-side time of the organiser's dashboard: figures + charts of a big program.

    python -m bench.bench_dashboard [--members 10000] [--rounds 52] [--runs 15] [--postgres URL]

Generates a program of `--members` people and `--rounds` weekly rounds of pairs directly in a
fresh database (bulk inserts: profiles with teams and interests, joins spread over the year,
some leaves and pauses, check-in answers, thank-you notes), then times each page as the web
server would build it: the program page (`program_figures` + every chart), the overview, a
member's page, the CSV export; and each chart's rendering alone. Prints p50/p95 per page beside
the target (p95 < 300 ms) and the peak memory (tracemalloc, one extra run). Asserts nothing.
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
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text, update

from adapters.console.platform import ConsolePlatform, WorkspaceData
from adapters.web import charts
from bot.clock import FakeClock
from bot.core import Core
from bot.insights import cache, member_figures, overview_figures, program_figures, round_csv
from storage.engine import Database
from storage.models import (
    CheckinAnswer,
    Group,
    GroupMember,
    Member,
    Membership,
    MembershipPeriod,
    Profile,
    Program,
    Round,
    ThanksNote,
    ThanksRecipient,
    Workspace,
)

START = datetime(2025, 11, 3, 10, 0, tzinfo=UTC)  # a Monday
TARGET_MS = 300.0
TEAMS = [f"Team {chr(65 + i)}{j}" for i in range(6) for j in range(4)]  # 24 teams
TAGS = [f"interest {i}" for i in range(80)]
SKILLS = [
    "sql", "python", "design", "public speaking", "negotiation", "rust", "kubernetes", "figma",
    "statistics", "hiring", "roadmapping", "writing", "coaching", "excel", "machine learning",
    "go", "security", "accessibility", "sales", "storytelling",
]  # fmt: skip
BATCH = 20_000


async def _bulk(db: Database, model: Any, rows: list[dict[str, Any]]) -> None:
    async with db.engine.begin() as conn:
        for i in range(0, len(rows), BATCH):
            await conn.execute(insert(model.__table__), rows[i : i + BATCH])


async def generate(db: Database, members: int, rounds: int, seed: int = 7) -> tuple[int, str]:
    """The program's whole history; returns (program id, a member's platform id)."""
    rng = random.Random(seed)
    t0 = time.perf_counter()
    await _bulk(db, Workspace, [{"id": 1, "platform": "console", "external_id": "bench",
                                 "name": "Bench", "created_at": START}])  # fmt: skip
    last_start = START + timedelta(weeks=rounds - 1)
    await _bulk(
        db,
        Program,
        [
            {
                "id": 1, "workspace_id": 1, "channel_id": "coffee", "name": "Coffee",
                "cadence": "weekly", "weekday": 0, "local_time": "10:00", "timezone": "UTC",
                "group_size": 2, "active": True, "last_round_number": rounds,
                "next_round_at": last_start + timedelta(weeks=1), "created_at": START,
            }
        ],
    )  # fmt: skip
    ids = range(1, members + 1)
    await _bulk(
        db,
        Member,
        [{"id": i, "workspace_id": 1, "external_id": f"U{i:06d}", "display_name": f"Person {i}",
          "is_bot": False, "deactivated": False, "created_at": START} for i in ids],
    )  # fmt: skip
    now = last_start + timedelta(days=3)
    profiles = []
    for i in ids:
        paused = now + timedelta(days=10) if rng.random() < 0.04 else None
        profiles.append(
            {
                "member_id": i,
                "team": rng.choice(TEAMS) if rng.random() < 0.97 else None,
                "timezone": "Europe/Berlin",
                "interests": rng.sample(TAGS, 3),
                "offers": rng.sample(SKILLS, rng.randint(0, 2)),
                "wants": rng.sample(SKILLS, rng.randint(0, 2)),
                "paused_until": paused,
                "updated_at": START,
            }
        )
    await _bulk(db, Profile, profiles)
    # 70% there from the start, the rest join over the year; 6% leave at some point.
    joined: dict[int, datetime] = {}
    left: dict[int, datetime] = {}
    for i in ids:
        start = START - timedelta(days=1)
        if rng.random() > 0.7:
            start = START + timedelta(days=rng.uniform(0, 7 * (rounds - 1)))
        joined[i] = start
        if rng.random() < 0.06:
            left[i] = start + timedelta(days=rng.uniform(1, 120))
            if left[i] > now:
                del left[i]
    await _bulk(
        db,
        Membership,
        [{"id": i, "program_id": 1, "member_id": i, "joined_at": joined[i],
          "left_at": left.get(i)} for i in ids],
    )  # fmt: skip
    await _bulk(
        db,
        MembershipPeriod,
        [{"id": i, "program_id": 1, "member_id": i, "joined_at": joined[i],
          "left_at": left.get(i)} for i in ids],
    )  # fmt: skip
    round_rows, group_rows, gm_rows, answer_rows = [], [], [], []
    gid = 0
    outcomes = ["met"] * 45 + ["scheduled"] * 15 + ["skipped"] * 10 + [None] * 30
    for n in range(1, rounds + 1):
        started = START + timedelta(weeks=n - 1)
        round_rows.append(
            {"id": n, "program_id": 1, "number": n, "due_at": started, "started_at": started,
             "ends_at": started + timedelta(weeks=1), "status": "open" if n == rounds else "closed",
             "seed": n, "total_weight": 0.0}
        )  # fmt: skip
        present = [i for i in ids if joined[i] <= started and (i not in left or left[i] > started)]
        rng.shuffle(present)
        for k in range(0, len(present) - 1, 2):
            gid += 1
            pair = present[k : k + 2]
            outcome = rng.choice(outcomes) if n < rounds else rng.choice([None, None, "met"])
            group_rows.append({"id": gid, "round_id": n, "position": k // 2, "weight": 0.0,
                               "reasons": [], "outcome": outcome})  # fmt: skip
            gm_rows += [{"group_id": gid, "member_id": m} for m in pair]
            if outcome is not None:
                answer_rows.append({"group_id": gid, "member_id": pair[0], "answer": outcome,
                                    "answered_at": started + timedelta(days=4)})  # fmt: skip
    await _bulk(db, Round, round_rows)
    await _bulk(db, Group, group_rows)
    await _bulk(db, GroupMember, gm_rows)
    await _bulk(db, CheckinAnswer, answer_rows)
    notes, recipients = [], []
    for k in range(1, 2 * members + 1):
        author, other = rng.sample(range(1, members + 1), 2)
        notes.append(
            {
                "id": k,
                "workspace_id": 1,
                "program_id": 1,
                "from_member_id": author,
                "text": f"Thanks for the chat #{k}!",
                "public": rng.random() < 0.7,
                "created_at": START + timedelta(days=rng.uniform(0, 7 * rounds - 4)),
            }
        )
        recipients.append({"note_id": k, "member_id": other})
    await _bulk(db, ThanksNote, notes)
    await _bulk(db, ThanksRecipient, recipients)
    if db.dialect == "postgresql":
        async with db.engine.begin() as conn:
            for table in ("workspaces", "programs", "members", "memberships", "membership_periods",
                          "rounds", "groups",
                          "checkin_answers", "thanks_notes"):  # fmt: skip
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        # what autovacuum would have done by now (visibility map and statistics)
        async with db.engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.exec_driver_sql("VACUUM ANALYZE")
    else:
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    print(
        f"generated {members:,} members, {rounds} rounds, {len(group_rows):,} groups, "
        f"{len(gm_rows):,} group members, {len(answer_rows):,} answers, {len(notes):,} notes "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    return 1, "U000042"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


async def _time(fn: Callable[[], Awaitable[Any]], runs: int) -> list[float]:
    await fn()  # warm (caches, statement compilation)
    out = []
    for _ in range(runs):
        gc.collect()
        t = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


async def _peak_mb(fn: Callable[[], Awaitable[Any]]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        await fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


async def measure(db: Database, program_id: int, user: str, runs: int) -> None:
    data = WorkspaceData.load()
    clock = FakeClock(START + timedelta(weeks=51, days=3))
    core = Core(db, ConsolePlatform(data, out=lambda _line: None), clock)

    async def program_page() -> str:
        fig = await program_figures(core, "bench", program_id)
        return "".join(
            [
                charts.participation_svg(fig),
                charts.rounds_svg(fig),
                charts.connections_svg(fig),
                charts.heatmap_svg(fig),
                charts.network_svg(fig, anonymise=False),
                charts.gratitude_svg(fig),
                charts.thanks_wall_html(fig),
                charts.interests_table(fig),
            ]
        )

    async def overview_page() -> Any:
        return await overview_figures(core, "bench")

    async def member_page() -> str:
        fig = await member_figures(core, "bench", user)
        return charts.member_meetings_html(fig) + charts.member_thanks_html(fig)

    async def csv_export() -> str:
        return await round_csv(core, "bench", program_id)

    async def figures_only() -> Any:
        return await program_figures(core, "bench", program_id)

    async def cold_program_page() -> str:
        cache.forget(db)  # as after a new round, or a late answer to a closed round
        return await program_page()

    async def cold_overview() -> Any:
        cache.forget(db)
        return await overview_page()

    pages = {
        "program page (figures + 8 charts)": program_page,
        "  of which: program_figures": figures_only,
        "program page, cold cache": cold_program_page,
        "overview (all programs)": overview_page,
        "overview, cold cache": cold_overview,
        "member's own page": member_page,
        "CSV export": csv_export,
    }
    print(
        "\nwarm: the closed rounds' aggregates kept from an earlier view (the open round, "
        "memberships, pauses, names and the wall are always read);\ncold: nothing kept."
    )
    print(f"\n{'page':<36} {'p50 ms':>8} {'p95 ms':>8} {'target':>8} {'peak MB':>8}")
    for name, fn in pages.items():
        cold = "cold" in name
        times = await _time(fn, max(3, runs // 3) if cold else runs)
        p50, p95 = statistics.median(times), _percentile(times, 0.95)
        peak = await _peak_mb(fn)
        verdict = "ok" if p95 < TARGET_MS else f"MISS x{p95 / TARGET_MS:.1f}"
        print(f"{name:<36} {p50:8.1f} {p95:8.1f} {'<300':>8} {peak:8.1f}  {verdict}")
    late = await _late_answer_times(db, core, program_page, max(3, runs // 2))
    print(
        f"{'program page, after a late answer':<36} {statistics.median(late):8.1f} "
        f"{_percentile(late, 0.95):8.1f} {'<300':>8} {'':>8}  "
        f"{'ok' if _percentile(late, 0.95) < TARGET_MS else 'MISS'}"
    )
    fig = await figures_only()
    renders = {
        "participation_svg": lambda: charts.participation_svg(fig),
        "rounds_svg": lambda: charts.rounds_svg(fig),
        "connections_svg": lambda: charts.connections_svg(fig),
        "heatmap_svg": lambda: charts.heatmap_svg(fig),
        "network_svg": lambda: charts.network_svg(fig, anonymise=False),
        "gratitude_svg": lambda: charts.gratitude_svg(fig),
        "thanks_wall_html": lambda: charts.thanks_wall_html(fig),
        "interests_table": lambda: charts.interests_table(fig),
    }
    print(f"\n{'chart (render only)':<36} {'p50 ms':>8} {'p95 ms':>8} {'KiB':>8}")
    for name, render in renders.items():
        out = []
        for _ in range(runs):
            t = time.perf_counter()
            html = render()
            out.append((time.perf_counter() - t) * 1000)
        print(
            f"{name:<36} {statistics.median(out):8.2f} {_percentile(out, 0.95):8.2f} "
            f"{len(html.encode()) / 1024:8.1f}"
        )
    print(
        f"\nnetwork: {len(fig.network.nodes)} of {fig.network.people:,} people shown, "
        f"{len(fig.network.edges)} lines; {fig.pairs_met:,} distinct pairs met; "
        f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


async def _late_answer_times(
    db: Database, core: Core, page: Callable[[], Awaitable[Any]], runs: int
) -> list[float]:
    """A check-in of a closed round (round 10) answered again just now: that round is read
    again and the closed rounds merged again; the page is timed, not the answer."""
    async with db.engine.connect() as conn:
        answer_id = (
            await conn.execute(
                select(func.min(CheckinAnswer.id))
                .join(Group, Group.id == CheckinAnswer.group_id)
                .join(Round, Round.id == Group.round_id)
                .where(Round.number == 10)
            )
        ).scalar_one()
    await page()
    out = []
    for _ in range(runs):
        async with db.engine.begin() as conn:
            await conn.execute(
                update(CheckinAnswer)
                .where(CheckinAnswer.id == answer_id)
                .values(answered_at=core.now())
            )
        gc.collect()
        t = time.perf_counter()
        await page()
        out.append((time.perf_counter() - t) * 1000)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=52)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--postgres", help="also run on this PostgreSQL URL (a fresh schema)")
    parser.add_argument("--db", help="reuse (or create) this SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "dashboard.db"
        fresh = not path.exists()
        db = Database.from_url(f"sqlite+aiosqlite:///{path}")
        try:
            if fresh:
                await db.upgrade()
                await generate(db, args.members, args.rounds)
            print(f"\n== SQLite ({path.name}) ==")
            await measure(db, 1, "U000042", args.runs)
        finally:
            await db.dispose()
    if args.postgres:
        await _on_postgres(args)


async def _on_postgres(args: argparse.Namespace) -> None:
    from storage.engine import create_engine

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.postgres)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    db = Database.from_url(args.postgres, connect_args={"server_settings": {"search_path": schema}})
    try:
        await db.upgrade()
        await generate(db, args.members, args.rounds)
        print("\n== PostgreSQL ==")
        await measure(db, 1, "U000042", args.runs)
    finally:
        await db.dispose()
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
