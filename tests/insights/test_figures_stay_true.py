"""Figures kept between page views are used only while nothing they came from changed: after
every kind of change, the figures equal ones computed from scratch (which
test_program_figures checks against the database)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from bot.actions import CheckinAnswer
from bot.insights import ProgramFigures, cache, overview_figures, program_figures, warm_up
from storage.repositories.insights import InsightsRepository
from tests.conftest import World
from tests.insights.history import answer, build, rows


async def from_scratch(w: World, program_id: int) -> ProgramFigures:
    cache.forget(w.db)
    return await program_figures(w.app.core, w.workspace, program_id)


class Calls:
    """Counts the closed rounds read again (each closed round's tally is kept on its own)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.closed = 0
        original = InsightsRepository.pair_stats

        async def counted(  # type: ignore[no-untyped-def]
            repo: InsightsRepository,
            program_id: int,
            status: str | None = None,
            round_id: int | None = None,
            span: tuple[int, int] | None = None,
        ):
            if status == "closed":
                self.closed += 1
            return await original(repo, program_id, status, round_id, span)

        monkeypatch.setattr(InsightsRepository, "pair_stats", counted)


async def unanswered_closed_group(w: World, program_id: int) -> tuple[int, str]:
    found = await rows(
        w,
        "SELECT g.id, m.external_id FROM groups g JOIN rounds r ON r.id = g.round_id "
        "JOIN group_members gm ON gm.group_id = g.id JOIN members m ON m.id = gm.member_id "
        "JOIN memberships ms ON ms.member_id = m.id AND ms.left_at IS NULL "
        "WHERE r.program_id = :p AND r.status = 'closed' AND g.outcome IS NULL "
        "ORDER BY g.id",
        p=program_id,
    )
    assert found, "the scenario leaves a closed group without an answer"
    return found[0][0], found[0][1]


async def test_kept_figures_are_reused_while_nothing_changed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = await build(world)
    core = world.app.core
    first = await program_figures(core, world.workspace, h.program_id)
    calls = Calls(monkeypatch)
    world.clock.advance(timedelta(hours=1))
    again = await program_figures(core, world.workspace, h.program_id)
    assert calls.closed == 0  # the closed rounds' tally was reused
    assert again.rounds == first.rounds and again.network == first.network
    assert again == await from_scratch(world, h.program_id)
    assert calls.closed == 2  # rounds 1 and 2 (round 3 is open: always read)

    # a late answer to round 1 reads round 1 again, and only it
    gid, user = await unanswered_closed_group(world, h.program_id)
    (number,) = (await rows(world, "SELECT r.number FROM groups g JOIN rounds r "
                            "ON r.id = g.round_id WHERE g.id = :g", g=gid))[0]  # fmt: skip
    world.clock.advance(timedelta(hours=1))
    await answer(world, user, gid, CheckinAnswer.MET)
    late = await program_figures(core, world.workspace, h.program_id)
    assert calls.closed == 3
    assert late.rounds[number - 1].met == again.rounds[number - 1].met + 1
    assert late == await from_scratch(world, h.program_id)

    # the next round closes round 3: only it is read (an answer within the margin of the
    # last look is looked at once more, so first let an hour pass)
    world.clock.advance(timedelta(hours=1))
    await program_figures(core, world.workspace, h.program_id)
    await program_figures(core, world.workspace, h.program_id)
    calls.closed = 0
    await world.advance(timedelta(days=7))
    after = await program_figures(core, world.workspace, h.program_id)
    assert calls.closed == 1 and len(after.rounds) == 4
    assert after == await from_scratch(world, h.program_id)


@pytest.mark.parametrize("later", [timedelta(0), timedelta(hours=1)])
async def test_every_change_shows_at_once(
    world: World, monkeypatch: pytest.MonkeyPatch, later: timedelta
) -> None:
    """`later`: 0 — the change comes at the very instant the figures were computed (a fake
    clock); 1 hour — the kept figures look old enough to trust, the change must still show."""
    w = world
    h = await build(w)
    core = w.app.core
    pid = h.program_id

    async def check(change: Callable[[], Awaitable[None]]) -> ProgramFigures:
        await program_figures(core, w.workspace, pid)  # figures kept
        await overview_figures(core, w.workspace)
        w.clock.advance(later)
        await change()
        seen = await program_figures(core, w.workspace, pid)
        (summary,) = await overview_figures(core, w.workspace)
        fresh = await from_scratch(w, pid)
        assert seen == fresh
        assert summary.met == sum(r.met for r in fresh.rounds)
        assert summary.pairs_met == fresh.pairs_met
        return seen

    gid, user = await unanswered_closed_group(w, pid)
    before = await program_figures(core, w.workspace, pid)

    async def late_answer() -> None:
        await answer(w, user, gid, CheckinAnswer.MET)

    after = await check(late_answer)
    assert sum(r.met for r in after.rounds) == sum(r.met for r in before.rounds) + 1

    async def changed_answer() -> None:  # the same member changes their mind
        await answer(w, user, gid, CheckinAnswer.SKIPPED)

    changed = await check(changed_answer)
    assert sum(r.met for r in changed.rounds) == sum(r.met for r in before.rounds)

    met_ids = [n.member_id for n in after.network.nodes]
    met_users = [
        ext
        for i in met_ids[:2]
        for (ext,) in await rows(w, "SELECT external_id FROM members WHERE id = :i", i=i)
    ]

    async def new_team() -> None:
        assert (await w.coffee(met_users[0], "team Research & Development")).ok

    teams = await check(new_team)
    assert "Research & Development" in teams.teams.teams

    async def new_interest() -> None:
        assert (await w.coffee("li", "interests quantum knitting")).ok

    await check(new_interest)

    async def thanks() -> None:
        assert (await w.thanks("sam", "<@ana> thanks again")).ok

    assert (await check(thanks)).gratitude.total == before.gratitude.total + 1

    async def forget_someone_who_met() -> None:
        assert (await w.coffee(met_users[1], "forget-me confirm")).ok

    forgotten = await check(forget_someone_who_met)
    assert forgotten.participation.forgotten == 1
    assert forgotten.pairs_met < after.pairs_met

    async def next_round() -> None:
        await w.advance(timedelta(days=7))

    assert len((await check(next_round)).rounds) == 4


async def test_warm_up_prepares_every_program(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = await build(world)
    cache.forget(world.db)
    assert await warm_up(world.app.core) == 1
    calls = Calls(monkeypatch)
    world.clock.advance(timedelta(hours=1))
    fig = await program_figures(world.app.core, world.workspace, h.program_id)
    assert calls.closed == 0 and fig == await from_scratch(world, h.program_id)
