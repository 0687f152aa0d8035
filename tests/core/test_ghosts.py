"""Ghosts, handled kindly: asked once after `ghost_after` silent rounds, paused (told once) with
no answer by the next round, `/coffee resume` brings them back; organisers see the count."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from adapters.console.platform import Posted
from storage.models import Delivery, GhostCheck, Member, Membership, MembershipPeriod, Round
from tests.conftest import World

FOUR = ["maya", "li", "sam", "ana"]


def _ghost_dms(w: World, user: str) -> list[Posted]:
    """The "Still up for coffee chats?" questions sent to `user` (by key: an answered one shows
    the answer now)."""
    return [
        p
        for p in w.sent("dm")
        if p.target.user_id == user and re.fullmatch(r"ghost:p\d+:m\d+:r\d+", p.key or "")
    ]


def _paused_dms(w: World, user: str) -> list[str]:
    return [
        p.message.plain()
        for p in w.sent("dm")
        if p.target.user_id == user and "paused your coffee chats" in p.message.plain()
    ]


async def _in_latest_round(w: World, user: str) -> bool:
    """Whether `user` got an intro in the round that started last."""
    async with w.db.session() as s:
        number = (await s.execute(select(func.max(Round.number)))).scalar_one()
    title = f"Coffee round {number}"
    return any(user in p.target.user_ids for p in w.intros() if p.target.title == title)


async def _round_where_all_but(w: World, quiet: str, days: int = 7) -> None:
    """Move to the next round; everyone but `quiet` answers their group's check-in."""
    await w.advance(timedelta(days=days))
    for user in [u for u in FOUR if u != quiet]:
        if await _in_latest_round(w, user):
            reply = await w.press(user, "We've scheduled it")
            assert reply.ok, reply.text


async def test_a_quiet_member_is_asked_once_then_paused_and_told_once(any_world: World) -> None:
    w = any_world
    await w.program(FOUR)
    await _round_where_all_but(w, "sam", days=3)  # round 1 (Mon 23 Nov)
    await _round_where_all_but(w, "sam")  # round 2
    await _round_where_all_but(w, "sam")  # round 3
    assert not _ghost_dms(w, "sam")
    await _round_where_all_but(w, "sam")  # round 4 starts: three silent rounds behind sam
    (asked,) = _ghost_dms(w, "sam")
    question = asked.message.plain()
    assert "no worries" in question
    for word in ("partner", "ignored", "missed", "waiting", "let down"):
        assert word not in question.lower()  # no guilt trip, nobody blamed
    assert await _in_latest_round(w, "sam")  # still matched in the round they're asked in
    stats = (await w.coffee("maya", "stats")).text
    assert "Quiet members" in stats and stats.rstrip().endswith(": 1")
    await _round_where_all_but(w, "sam")  # round 5: no answer → paused, told once
    (told,) = _paused_dms(w, "sam")
    assert "/coffee resume" in told and "partner" not in told.lower()
    assert not await _in_latest_round(w, "sam")
    assert len(_ghost_dms(w, "sam")) == 1  # asked only once
    await _round_where_all_but(w, "sam")  # round 6: still paused, not told again
    assert len(_paused_dms(w, "sam")) == 1 and not await _in_latest_round(w, "sam")
    assert "1" in (await w.coffee("maya", "stats")).text.splitlines()[-1]
    # one command brings them back
    assert "Welcome back" in (await w.coffee("sam", "resume")).text
    await w.advance(timedelta(days=7))
    assert await _in_latest_round(w, "sam")
    assert (await w.coffee("maya", "stats")).text.rstrip().endswith(": 0")


async def test_keep_me_in_updates_the_question_and_restarts_the_count(world: World) -> None:
    w = world
    await w.program(FOUR)
    await w.coffee("maya", "config ghost_after 2")
    await _round_where_all_but(w, "sam", days=3)
    await _round_where_all_but(w, "sam")
    await _round_where_all_but(w, "sam")  # round 3 starts: asked
    (asked,) = _ghost_dms(w, "sam")
    leave = w.platform.find_button("sam", None, "Leave")
    assert leave is not None
    reply = await w.press("sam", "Keep me in")
    assert reply.ok and "you're in for the next round" in reply.text
    # the question itself now shows the answer, without its buttons
    ref, shown = w.platform.updates[-1]
    assert ref == asked.ref and "you're in" in shown.plain() and not shown.buttons
    assert w.platform.find_button("sam", None, "Leave") is None
    again = await w.app.action(w.actor("sam"), leave.action_id)  # a click already on its way
    assert "answered this one already" in again.text
    await _round_where_all_but(w, "sam")  # round 4: not paused
    assert not _paused_dms(w, "sam") and await _in_latest_round(w, "sam")
    await _round_where_all_but(w, "sam")  # round 5: one silent round since the answer
    assert len(_ghost_dms(w, "sam")) == 1
    await _round_where_all_but(w, "sam")  # round 6: rounds 4 and 5 were silent → asked again
    assert len(_ghost_dms(w, "sam")) == 2


async def test_pause_for_a_month_and_leave(world: World) -> None:
    w = world
    await w.program(FOUR)
    await w.coffee("maya", "config ghost_after 1")
    await _round_where_all_but(w, "sam", days=3)
    await _round_where_all_but(w, "sam")  # round 2: sam asked
    reply = await w.press("sam", "Pause for a month")
    assert "Paused until" in reply.text and "/coffee resume" in reply.text
    status = (await w.coffee("sam", "status")).text
    assert "until" in status
    await w.advance(timedelta(days=7))
    assert not await _in_latest_round(w, "sam")
    # leaving: another quiet member, in a program with ghost_after 1
    for user in ["li", "ana", "maya"]:
        if await _in_latest_round(w, user):
            await w.press(user, "We've scheduled it")
    await w.advance(timedelta(days=7))
    quiet = [u for u in ["li", "ana", "maya"] if _ghost_dms(w, u)]
    assert not quiet  # everyone answered: nobody asked


async def test_someone_elses_button_and_forged_ids_change_nothing(world: World) -> None:
    w = world
    await w.program(FOUR)
    await w.coffee("maya", "config ghost_after 1")
    await _round_where_all_but(w, "sam", days=3)
    await _round_where_all_but(w, "sam")
    (question,) = [p for p in w.sent("dm") if "Still up for coffee chats?" in p.message.plain()]
    keep = question.message.buttons[0].action_id
    before = await w.snapshot()
    reply = await w.app.action(w.actor("li"), keep)
    assert not reply.ok and "someone else" in reply.text
    assert not (await w.app.action(w.actor("sam"), "ghost:99999:keep")).ok
    assert not (await w.app.action(w.actor("sam"), "ghost:1:maybe")).ok
    assert await w.snapshot() == before


async def test_ghost_after_off_never_asks(world: World) -> None:
    w = world
    await w.program(FOUR)
    assert "off" in (await w.coffee("maya", "config ghost_after off")).text
    assert "ghost_after" in (await w.coffee("maya", "config ghost_after soon")).text
    assert not (await w.coffee("maya", "config ghost_after 99")).ok
    assert "off" in (await w.coffee("maya", "config ghost_after")).text
    for _ in range(5):
        await _round_where_all_but(w, "sam", days=7)
    assert not _ghost_dms(w, "sam")


async def test_a_program_where_nobody_answers_asks_nobody(world: World) -> None:
    """Rounds in which no group answered say nothing about anyone."""
    w = world
    await w.program(FOUR)
    await w.advance(timedelta(days=45), step=timedelta(hours=6))
    async with w.db.session() as s:
        checks = (await s.execute(select(GhostCheck))).scalars().all()
        keys = (await s.execute(select(Delivery.key))).scalars().all()
    assert checks == [] and not any(k.startswith("ghost:") for k in keys)


async def test_someone_who_joined_late_counts_only_rounds_since(world: World) -> None:
    w = world
    await w.program(["maya", "li", "ana", "tom"])
    await w.coffee("maya", "config ghost_after 2")
    await w.advance(timedelta(days=3))
    await w.press("maya", "We've scheduled it")
    assert (await w.coffee("sam", "join")).ok  # joins during round 1
    await w.advance(timedelta(days=7))  # round 2: sam's first round
    await w.press("maya", "We've scheduled it")
    await w.advance(timedelta(days=7))  # round 3: one silent round behind sam at most
    assert not _ghost_dms(w, "sam")


async def test_leave_from_the_question_ends_the_membership_and_its_period(world: World) -> None:
    w = world
    await w.program(FOUR)
    await w.coffee("maya", "config ghost_after 1")
    await _round_where_all_but(w, "sam", days=3)
    await _round_where_all_but(w, "sam")  # round 2: sam asked
    reply = await w.press("sam", "Leave")
    assert reply.ok, reply.text
    async with w.db.session() as s:
        sam = (await s.execute(select(Member.id).where(Member.external_id == "sam"))).scalar_one()
        membership = (
            await s.execute(select(Membership).where(Membership.member_id == sam))
        ).scalar_one()
        periods = (
            (await s.execute(select(MembershipPeriod).where(MembershipPeriod.member_id == sam)))
            .scalars()
            .all()
        )
    assert membership.left_at == w.clock.now()
    assert [(p.joined_at, p.left_at) for p in periods] == [
        (membership.joined_at, membership.left_at)
    ]
    await w.advance(timedelta(days=7))
    assert not await _in_latest_round(w, "sam")
