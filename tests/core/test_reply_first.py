"""Requests answer first: what they queue (an interview DM, a thanks post) is sent after the
reply, in tracked background work, and is never lost if the process stops before sending it."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from storage.models import Delivery, ThanksNote
from tests.conftest import World


def _gate(world: World) -> asyncio.Event:
    """Hold every platform send until the returned event is set."""
    gate = asyncio.Event()
    send = world.platform.send

    async def held(*args: Any, **kwargs: Any) -> Any:
        await gate.wait()
        return await send(*args, **kwargs)

    world.platform.send = held  # type: ignore[method-assign]
    return gate


async def _interviews(world: World) -> list[Delivery]:
    async with world.db.session() as s:
        rows = await s.execute(select(Delivery).where(Delivery.kind == "interview"))
        return list(rows.scalars())


async def test_a_join_answers_while_the_interview_dm_waits_for_the_platform(
    world: World,
) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    await world.settle()
    gate = _gate(world)
    reply = await world.app.coffee(world.actor("li"), "join")
    assert reply.ok and "You're in" in reply.text
    # Answered while the platform has not taken the DM: the row is committed and on its way.
    assert world.sent("dm") == [] and world.app.core.background.running == 1
    (row,) = await _interviews(world)
    assert row.status in {"pending", "sending"}
    gate.set()
    await world.settle()
    (dm,) = world.sent("dm")
    assert dm.target.user_id == "li"
    assert [r.status for r in await _interviews(world)] == ["sent"]


async def test_many_joins_all_answer_before_any_dm_is_sent(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    await world.settle()
    gate = _gate(world)
    people = [p for p in world.people() if p != "maya"]
    replies = await asyncio.gather(*(world.app.coffee(world.actor(p), "join") for p in people))
    assert all(r.ok for r in replies) and world.sent("dm") == []
    gate.set()
    await world.settle()
    assert sorted(d.target.user_id for d in world.sent("dm")) == sorted(people)


async def test_a_stop_before_the_dm_is_sent_loses_nothing_and_sends_it_once(
    world: World,
) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    await world.settle()
    send = world.platform.send
    _gate(world)
    assert (await world.app.coffee(world.actor("li"), "join")).ok
    await asyncio.sleep(0.05)
    await world.app.close(grace_seconds=0.05)  # the process stops with the DM not yet sent
    assert world.sent("dm") == [] and world.app.core.background.running == 0
    world.platform.send = send  # type: ignore[method-assign]
    await world.fresh_app().tick()  # a restart: the next tick sends what is in the outbox
    (dm,) = world.sent("dm")
    assert dm.target.user_id == "li"
    assert [r.status for r in await _interviews(world)] == ["sent"]


async def test_thanks_records_where_its_post_landed_after_the_reply(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    for user in ("maya", "li"):
        assert (await world.coffee(user, "join")).ok
    gate = _gate(world)
    reply = await world.app.thanks(world.actor("maya"), "<@li> great chat")
    before = len(world.sent("channel"))
    assert reply.ok and "posted it in" in reply.text
    async with world.db.session() as s:
        (note,) = (await s.execute(select(ThanksNote))).scalars()
        assert note.posted_ref is None  # not posted yet
    gate.set()
    await world.settle()
    assert len(world.sent("channel")) == before + 1
    async with world.db.session() as s:
        (note,) = (await s.execute(select(ThanksNote))).scalars()
        assert note.posted_ref is not None
