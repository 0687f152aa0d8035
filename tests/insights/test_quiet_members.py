"""The dashboard's "quiet members" is `/coffee stats`'s figure (`CareRepository.ghost_count`),
on the program's page and in the overview, and stays true — kept closed-round figures and all —
when a ghost question is answered, someone is auto-paused, or they resume."""

from __future__ import annotations

from sqlalchemy import select

from bot.insights import cache, overview_figures, program_figures
from storage.models import Program
from tests.conftest import World
from tests.insights.quiet import quiet_in_db, round_where_all_but, stats_quiet

FOUR = ["maya", "li", "sam", "ana"]


async def _program_id(w: World) -> int:
    async with w.db.session() as s:
        return (await s.execute(select(Program.id))).scalar_one()


async def _same_everywhere(w: World, program_id: int, expected: int) -> None:
    """The page, the overview, `/coffee stats` and the raw rows agree on `expected`; and the
    figures computed with kept closed rounds equal those computed from scratch."""
    core = w.app.core
    kept = await program_figures(core, w.workspace, program_id)
    (summary,) = await overview_figures(core, w.workspace)
    stats = stats_quiet((await w.coffee("maya", "stats")).text)
    raw = await quiet_in_db(w, program_id, w.clock.now())
    assert (kept.participation.quiet, summary.quiet, stats, raw) == (expected,) * 4
    cache.forget(w.db)
    fresh = await program_figures(core, w.workspace, program_id)
    assert fresh.participation == kept.participation and fresh.rounds == kept.rounds


async def test_quiet_members_match_stats_and_the_database(any_world: World) -> None:
    w = any_world
    await w.program(FOUR)
    pid = await _program_id(w)
    await program_figures(w.app.core, w.workspace, pid)  # figures kept from the start
    await round_where_all_but(w, {"sam", "ana"}, days=3)  # round 1
    await round_where_all_but(w, {"sam", "ana"})  # round 2
    await round_where_all_but(w, {"sam", "ana"})  # round 3
    await _same_everywhere(w, pid, 0)  # not asked yet: nobody is quiet
    await round_where_all_but(w, {"sam", "ana"})  # round 4: both asked
    await _same_everywhere(w, pid, 2)

    # a ghost question answered: no longer quiet, at once (no round closes meanwhile)
    reply = await w.press("ana", "Keep me in")
    assert reply.ok, reply.text
    await _same_everywhere(w, pid, 1)

    # no answer by the next round: auto-paused, still quiet while paused
    await round_where_all_but(w, {"sam"})  # round 5
    await _same_everywhere(w, pid, 1)
    fig = await program_figures(w.app.core, w.workspace, pid)
    assert fig.participation.paused == 1  # sam, paused by the bot

    # `/coffee resume`: back in, not quiet any more
    assert "Welcome back" in (await w.coffee("sam", "resume")).text
    await _same_everywhere(w, pid, 0)
