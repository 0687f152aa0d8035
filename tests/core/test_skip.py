"""`/coffee skip`: sit out the next round only, back automatically after it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot import commands as cmd
from bot.intros import person_of
from bot.rounds import candidates_of
from storage.models import Member, Program
from tests.conftest import World


def _matched(world: World, intros: list) -> set[str]:  # type: ignore[type-arg]
    return {u for p in intros for u in p.target.user_ids}


async def test_skip_sits_out_the_next_round_only(world: World) -> None:
    await world.program(["maya", "li", "sam", "ana"])
    first = await world.coffee("sam", "skip")
    assert first.ok and "You'll sit out the next round in" in first.text
    again = await world.coffee("sam", "skip")
    assert again.ok and "already sitting out" in again.text
    assert "Sitting out the next round in" in (await world.coffee("sam", "status", None)).text

    await world.advance(timedelta(days=3))  # round 1
    assert "sam" not in _matched(world, world.intros())
    assert _matched(world, world.intros()) == {"maya", "li", "ana"}
    assert "Sitting out" not in (await world.coffee("sam", "status", None)).text

    seen = len(world.intros())
    await world.advance(timedelta(days=7))  # round 2: back automatically
    assert "sam" in _matched(world, world.intros()[seen:])


async def test_resume_cancels_a_skip_and_a_dm_skip_covers_every_program(world: World) -> None:
    await world.program(["maya", "li", "sam", "ana"])
    skipped = await world.coffee("ana", "skip", None)  # typed in a DM: all of ana's programs
    assert skipped.ok and "sit out the next round" in skipped.text
    resumed = await world.coffee("ana", "resume")
    assert resumed.ok and "in the next round after all" in resumed.text
    assert "weren't paused" in (await world.coffee("ana", "resume")).text
    await world.advance(timedelta(days=3))
    assert "ana" in _matched(world, world.intros())


async def test_skip_outside_any_program_changes_nothing(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    before = await world.counts()
    reply = await world.coffee("li", "skip", None)
    assert not reply.ok and "no round to sit out" in reply.text
    after = await world.counts()
    assert {k: v for k, v in after.items() if k not in {"members", "profiles"}} == {
        k: v for k, v in before.items() if k not in {"members", "profiles"}
    }


@pytest.mark.parametrize(("text", "expected"), [("skip", cmd.Skip()), ("SKIP", cmd.Skip())])
def test_skip_parses(text: str, expected: cmd.CoffeeCommand) -> None:
    assert cmd.parse_coffee(text, date(2026, 1, 1)) == expected


def test_skip_takes_no_options() -> None:
    with pytest.raises(cmd.CommandError, match="takes no options"):
        cmd.parse_coffee("skip next", date(2026, 1, 1))


async def test_eligible_ids_are_the_eligible_members_without_loading_them(
    any_world: World,
) -> None:
    """The ids the care check walks (`eligible_member_ids`) are exactly who the round matches:
    without the paused, the ones sitting it out and the ones who left."""
    w = any_world
    await w.program(["maya", "li", "sam", "ana", "diego"])
    assert (await w.coffee("sam", "skip")).ok
    assert (await w.coffee("ana", "pause")).ok
    assert (await w.coffee("diego", "leave")).ok
    now = w.clock.now()
    async with w.db.session() as s:
        program_id = (await s.execute(select(Program.id))).scalar_one()
        names = {m.id: m.external_id for m in (await s.execute(select(Member))).scalars()}
    async with w.app.core.uow() as uow:
        members = await uow.programs.eligible_members(program_id, now)
        ids = await uow.programs.eligible_member_ids(program_id, now)
        active = await uow.programs.active_external_ids(program_id)
    assert ids == [m.id for m in members]
    assert {names[i] for i in ids} == {"maya", "li"}
    assert set(active) == {"maya", "li", "sam", "ana"}  # active: paused and skipping included
    assert all(names[i] == u for u, i in active.items())


async def test_the_round_roster_is_the_eligible_members_as_plain_rows(any_world: World) -> None:
    """What a round matches (`eligible_roster`, plain rows) is `eligible_members`: the same
    people in the same order, with the same names and profile fields, so the same candidates
    and proposed times (paused, skipping and left members out; a member without a profile
    kept, with none)."""
    w = any_world
    await w.program(["maya", "li", "sam", "ana", "diego"])
    assert (await w.coffee("sam", "skip")).ok
    assert (await w.coffee("ana", "pause")).ok
    now = w.clock.now()
    async with w.db.session() as s:
        program_id = (await s.execute(select(Program.id))).scalar_one()
        li = (await s.execute(select(Member).where(Member.external_id == "li"))).scalar_one()
        li.profile.interests = ["jazz", "Go"]
        li.profile.location, li.profile.work_start, li.profile.work_end = "Berlin", "08:00", "16:00"
        li.profile.timezone, li.profile.manager = "Europe/Berlin", "maya"
        diego = (await s.execute(select(Member).where(Member.external_id == "diego"))).scalar_one()
        await s.delete(diego.profile)
        await s.commit()
    async with w.app.core.uow() as uow:
        members = await uow.programs.eligible_members(program_id, now)
        roster = await uow.programs.eligible_roster(program_id, now)
    assert sorted(m.external_id for m in roster) == ["diego", "li", "maya"]
    assert [(m.id, m.external_id, m.display_name) for m in roster] == [
        (m.id, m.external_id, m.display_name) for m in members
    ]
    assert [m.profile is None for m in roster] == [m.profile is None for m in members]
    assert any(m.profile is None for m in roster)
    with_profile = [m for m in roster if m.profile is not None]
    assert candidates_of(with_profile) == candidates_of([m for m in members if m.profile])
    assert [person_of(m) for m in roster] == [person_of(m) for m in members]
    assert next(m for m in roster if m.external_id == "li").profile.location == "Berlin"  # type: ignore[union-attr]
    assert (await w.coffee("li", "leave")).ok  # someone who left is out of both
    async with w.app.core.uow() as uow:
        roster = await uow.programs.eligible_roster(program_id, now)
        members = await uow.programs.eligible_members(program_id, now)
    assert [m.id for m in roster] == [m.id for m in members] and len(roster) == 2
