"""Paused members per round, from the pause history: `/coffee pause` (until resumed, or for a
while), `/coffee resume`, the ghost question's "Pause for a month" and the pause after no answer
each write it; the dashboard's figure equals a count over raw rows."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import select

from bot.insights import program_figures, round_csv
from storage.models import Program
from tests.conftest import World
from tests.insights.history import rows
from tests.insights.quiet import _aware, round_where_all_but

FOUR = ["maya", "li", "sam", "ana"]


async def _program_id(w: World) -> int:
    async with w.db.session() as s:
        return (await s.execute(select(Program.id))).scalar_one()


async def paused_in_db(w: World, program_id: int) -> list[int]:
    """Per round (by number): members of the program at its start whom a pause row covered."""
    periods = [
        (m, _aware(s), _aware(e))
        for m, s, e in await rows(w, "SELECT member_id, started_at, ended_at FROM pause_periods")
    ]
    spans = [
        (m, _aware(j), _aware(lft) if lft else None)
        for m, j, lft in await rows(
            w,
            "SELECT member_id, joined_at, left_at FROM memberships WHERE program_id = :p",
            p=program_id,
        )
    ]
    out = []
    for (start,) in await rows(
        w, "SELECT started_at FROM rounds WHERE program_id = :p ORDER BY number", p=program_id
    ):
        at: datetime = _aware(start)
        members = {m for m, j, lft in spans if j <= at and (lft is None or lft > at)}
        out.append(len({m for m, s, e in periods if m in members and s <= at < e}))
    return out


async def _figures(w: World, pid: int) -> list[int]:
    fig = await program_figures(w.app.core, w.workspace, pid)
    shown = [r.paused for r in fig.rounds]
    assert shown == await paused_in_db(w, pid)
    table = list(csv.DictReader(io.StringIO(await round_csv(w.app.core, w.workspace, pid))))
    csv_paused = [int(row["paused"]) for row in table]
    assert csv_paused == shown
    return shown


async def test_pause_and_resume_are_counted_per_round(any_world: World) -> None:
    w = any_world
    await w.program(FOUR)
    pid = await _program_id(w)
    await round_where_all_but(w, set(), days=3)  # round 1: nobody paused
    assert (await w.coffee("li", "pause")).ok  # until resumed
    assert (await w.coffee("ana", "pause 10 days")).ok  # ends by itself before round 3
    await round_where_all_but(w, set())  # round 2
    assert await _figures(w, pid) == [0, 2]
    assert "Welcome back" in (await w.coffee("li", "resume")).text
    await round_where_all_but(w, set())  # round 3: li resumed, ana's pause ran out
    assert await _figures(w, pid) == [0, 2, 0]
    assert (await w.coffee("sam", "pause")).ok
    assert (await w.coffee("sam", "pause 3 weeks")).ok  # a new pause replaces the running one
    await round_where_all_but(w, set())  # round 4
    await round_where_all_but(w, set())  # round 5
    await round_where_all_but(w, set())  # round 6: the three weeks ended at midnight
    assert await _figures(w, pid) == [0, 2, 0, 1, 1, 0]
    periods = await rows(w, "SELECT count(*) FROM pause_periods")
    assert periods[0][0] == 4  # li, ana, sam (until resumed, ended by the second), sam again


async def test_ghost_pauses_are_counted_per_round(any_world: World) -> None:
    w = any_world
    await w.program(FOUR)
    pid = await _program_id(w)
    await w.coffee("maya", "config ghost_after 2")
    await round_where_all_but(w, {"sam", "ana"}, days=3)  # round 1
    await round_where_all_but(w, {"sam", "ana"})  # round 2
    await round_where_all_but(w, {"sam", "ana"})  # round 3: both asked
    reply = await w.press("ana", "Pause for a month")
    assert reply.ok, reply.text
    await round_where_all_but(w, {"sam"})  # round 4: ana paused by her answer, sam by the bot
    assert await _figures(w, pid) == [0, 0, 0, 2]
    assert "Welcome back" in (await w.coffee("sam", "resume")).text
    await round_where_all_but(w, set())  # round 5: ana still paused
    assert await _figures(w, pid) == [0, 0, 0, 2, 1]
