"""Edge cases found in review: concurrent check-ins, the thanks form's program, long values."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.core import Actor
from storage.models import Group, Program
from tests.conftest import World


async def test_concurrent_check_in_answers_keep_the_best_outcome(any_world: World) -> None:
    w = any_world
    await w.app.bot_added(w.workspace, "coffee", "maya")
    for user in ("maya", "li"):
        assert (await w.coffee(user, "join")).ok
    assert (await w.coffee("maya", "match-now")).ok
    async with w.db.session() as s:
        group_id = (await s.execute(select(Group.id))).scalar_one()
    for _ in range(3):
        await asyncio.gather(
            w.app.action(w.actor("maya"), f"checkin:{group_id}:met"),
            w.app.action(w.actor("li"), f"checkin:{group_id}:skipped"),
        )
        async with w.db.session() as s:
            assert (await s.execute(select(Group.outcome))).scalar_one() == "met"


async def test_thanks_form_posts_in_the_groups_program(world: World) -> None:
    for channel in ("coffee", "kudos"):
        await world.app.bot_added(world.workspace, channel, "maya")
        for user in ("maya", "li"):
            assert (await world.coffee(user, "join", channel=channel)).ok
    assert (await world.coffee("maya", "match-now")).ok  # in #coffee
    async with world.db.session() as s:
        group_id = (await s.execute(select(Group.id))).scalar_one()
    before = len(world.sent("channel"))
    in_group_dm = Actor(world.workspace, "li", "G-mpim", False, "Li")  # not a program channel
    values = {"recipients": ["maya"], "message": "great chat", "private": False}
    done = await world.app.form_submitted(in_group_dm, f"thanks:{group_id}", values)
    await world.settle()  # the post goes out after the reply
    assert done.ok and "posted it in" in done.text
    (post,) = world.sent("channel")[before:]
    assert post.target.channel_id == "coffee"


async def test_public_thanks_with_nowhere_to_post_says_so(world: World) -> None:
    for channel in ("coffee", "kudos"):
        await world.app.bot_added(world.workspace, channel, "maya")
        assert (await world.coffee("li", "join", channel=channel)).ok
    reply = await world.thanks("li", "<@maya> thank you!", channel=None)  # a DM, two programs
    assert reply.ok and "only they got it" in reply.text


async def test_overlong_thanks_channel_is_refused_on_every_backend(any_world: World) -> None:
    await any_world.program(["maya"])
    before = await any_world.snapshot()
    reply = await any_world.coffee("maya", "config thanks-channel " + "c" * 80)
    assert not reply.ok and "mention it" in reply.text
    assert await any_world.snapshot() == before
    async with any_world.db.session() as s:
        assert (await s.execute(select(Program.thanks_channel_id))).scalar_one() is None
