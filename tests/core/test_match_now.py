"""`match-now`: answers once the round is saved, tells a race loser the truth, asks to confirm a
second round; pool sync rides out platform errors (retry, then the membership we know)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.ports import PlatformError
from bot.rounds import POOL_SYNC_WAITS
from storage.models import Delivery, Program, Round
from tests.conftest import World


async def _rounds(world: World) -> list[int]:
    async with world.db.session() as s:
        return list((await s.execute(select(Round.number).order_by(Round.number))).scalars())


def _placed(world: World) -> Counter[str]:
    return Counter(u for p in world.intros() for u in p.target.user_ids)


async def test_two_replicas_racing_match_now_start_one_round_and_both_tell_the_truth(
    any_world: World,
) -> None:
    w = any_world
    await w.program()
    other = w.fresh_app()
    # Both requests get past the "a round just started?" check before either saves its round:
    # they meet in the pool sync (the platform's channel read) and race to the compare-and-set.
    w.platform.channel_pool = {"coffee": set(w.people())}
    barrier = asyncio.Barrier(2)
    read = w.platform.channel_members

    async def rendezvous(workspace: str, channel: str) -> set[str] | None:
        await barrier.wait()
        return await read(workspace, channel)

    w.platform.channel_members = rendezvous  # type: ignore[method-assign]
    replies = await asyncio.gather(
        w.app.coffee(w.actor("maya"), "match-now"), other.coffee(w.actor("maya"), "match-now")
    )
    await w.settle(other)
    texts = sorted(r.text for r in replies)
    assert all(r.ok for r in replies)
    assert texts == [
        "Round 1 started: 6 groups; intros are on their way.",
        "Round 1 was just started (by another request); intros are on their way.",
    ]
    assert await _rounds(w) == [1]
    assert set(_placed(w)) == set(w.people()) and set(_placed(w).values()) == {1}


async def test_a_double_click_asks_to_confirm_and_confirm_starts_exactly_one(world: World) -> None:
    await world.program()
    first = await world.coffee("maya", "match-now")
    assert first.text == "Round 1 started: 6 groups; intros are on their way."
    world.clock.advance(timedelta(seconds=3))
    before = await world.snapshot()
    sent = len(world.platform.sent)
    second = await world.coffee("maya", "match-now")
    assert second.ok
    assert second.text == (
        "Round 1 started less than a minute ago. Start another round anyway? "
        "`/coffee match-now confirm 2`"
    )
    assert await world.snapshot() == before and len(world.platform.sent) == sent
    world.clock.advance(timedelta(minutes=3))
    assert "Round 1 started 3 minutes ago" in (await world.coffee("maya", "match-now")).text
    confirmed = await world.coffee("maya", "match-now confirm")
    assert confirmed.text == "Round 2 started: 6 groups; intros are on their way."
    assert await _rounds(world) == [1, 2]
    assert len(world.intros()) == 12 and set(_placed(world).values()) == {2}
    # ten minutes after the last start, no question asked
    world.clock.advance(timedelta(minutes=10))
    assert (await world.coffee("maya", "match-now")).text.startswith("Round 3 started")


async def test_a_repeated_numbered_confirmation_starts_one_round(world: World) -> None:
    await world.program()
    assert (await world.coffee("maya", "match-now")).text.startswith("Round 1 started")
    asked = await world.coffee("maya", "match-now")
    assert asked.text.endswith("`/coffee match-now confirm 2`")
    first = await world.coffee("maya", "match-now confirm 2")
    assert first.text.startswith("Round 2 started")
    before = await world.snapshot()
    sent = len(world.platform.sent)
    again = await world.coffee("maya", "match-now confirm 2")  # the same message sent twice
    assert again.ok and again.text == "Round 2 has already started; nothing new was started."
    assert await world.snapshot() == before and len(world.platform.sent) == sent
    wrong = await world.coffee("maya", "match-now confirm 7")
    assert not wrong.ok and "round 3, not 7" in wrong.text
    assert await _rounds(world) == [1, 2]


async def test_two_numbered_confirmations_at_once_start_one_round(world: World) -> None:
    await world.program()
    await world.coffee("maya", "match-now")
    replies = await asyncio.gather(
        world.coffee("maya", "match-now confirm 2"), world.coffee("maya", "match-now confirm 2")
    )
    started = [r.text for r in replies if r.text.startswith("Round 2 started: ")]
    assert len(started) == 1
    assert next(r.text for r in replies if r.text not in started) in (
        "Round 2 has already started; nothing new was started.",
        "Round 2 was just started (by another request); intros are on their way.",
    )
    assert await _rounds(world) == [1, 2]


async def test_the_scheduled_round_counts_as_the_last_start(world: World) -> None:
    await world.program(["maya", "li", "sam", "ana"])
    await world.advance(timedelta(days=2, hours=22), step=timedelta(hours=2))  # Monday 10:00
    assert await _rounds(world) == [1]
    world.clock.advance(timedelta(minutes=4))
    reply = await world.coffee("maya", "match-now")
    assert "Round 1 started 4 minutes ago" in reply.text and await _rounds(world) == [1]


async def test_the_answer_comes_before_the_intros_are_sent(world: World) -> None:
    await world.program()
    gate = asyncio.Event()
    send = world.platform.send

    async def slow_send(*args: Any, **kwargs: Any) -> Any:
        await gate.wait()
        return await send(*args, **kwargs)

    world.platform.send = slow_send  # type: ignore[method-assign]
    reply = await world.app.coffee(world.actor("maya"), "match-now")
    # the round is saved and the admin answered while the platform hasn't taken one intro yet
    assert reply.text == "Round 1 started: 6 groups; intros are on their way."
    assert world.intros() == [] and world.app.core.background.running == 1
    async with world.db.session() as s:
        intros = (await s.execute(select(Delivery).where(Delivery.kind == "intro"))).scalars()
        assert len(list(intros)) == 6
    gate.set()
    await world.settle()
    assert len(world.intros()) == 6 and set(_placed(world).values()) == {1}


async def test_a_graceful_stop_cancels_late_deliveries_and_the_next_tick_sends_them(
    world: World,
) -> None:
    await world.program()
    gate = asyncio.Event()
    send = world.platform.send

    async def stuck(*args: Any, **kwargs: Any) -> Any:
        await gate.wait()
        return await send(*args, **kwargs)

    world.platform.send = stuck  # type: ignore[method-assign]
    assert (await world.app.coffee(world.actor("maya"), "match-now")).ok
    await asyncio.sleep(0.05)
    await world.app.close(grace_seconds=0.05)  # the process stops: its background is cancelled
    assert world.app.core.background.running == 0 and world.intros() == []
    world.platform.send = send  # type: ignore[method-assign]
    restarted = world.fresh_app()
    # What was still pending goes out at once, and so does the one cut off mid-send: its
    # claim is in doubt, looked up (never posted) and sent, without waiting for a lease.
    await restarted.tick()
    assert len(world.intros()) == 6 and set(_placed(world).values()) == {1}
    assert len({p.key for p in world.intros()}) == 6  # each intro once


async def test_nobody_available_is_still_said(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    reply = await world.coffee("maya", "match-now")
    assert not reply.ok and "Nobody is available" in reply.text


# --- pool sync under platform errors -----------------------------------------------------------


async def _channel_program(world: World, people: list[str]) -> None:
    world.platform.channel_pool = {"coffee": set(people)}
    await world.app.bot_added(world.workspace, "coffee", "maya")


async def test_one_platform_error_is_retried_within_the_request(world: World) -> None:
    people = ["maya", "li", "sam", "ana"]
    await _channel_program(world, people)
    world.platform.members_fail_next = [PlatformError("http_502", retryable=True)]
    reply = await world.coffee("maya", "match-now")
    assert reply.text == "Round 1 started: 2 groups; intros are on their way."
    assert world.clock.slept == [POOL_SYNC_WAITS[0]]
    assert sorted(_placed(world)) == sorted(people)


async def test_a_platform_that_stays_down_falls_back_to_the_known_members(
    any_world: World,
) -> None:
    w = any_world
    people = ["maya", "li", "sam", "ana", "tom"]
    await _channel_program(w, people)
    w.clock.advance(timedelta(days=1))
    w.platform.channel_pool = {"coffee": {"maya", "li"}}  # not seen: the platform is down
    w.platform.members_fail_next = [PlatformError("service_unavailable", retryable=True)] * 3
    reply = await w.coffee("maya", "match-now")
    assert reply.ok
    assert reply.text == (
        "Round 1 started: 2 groups; intros are on their way. The console didn't answer when "
        "I checked the channel's members, so I used the members I knew as of "
        "Fri 20 Nov 2026 at 12:00 (UTC)."
    )
    assert w.clock.slept == list(POOL_SYNC_WAITS)
    assert sorted(_placed(w)) == sorted(people) and set(_placed(w).values()) == {1}


async def test_a_definite_platform_answer_is_not_retried(world: World) -> None:
    await _channel_program(world, ["maya", "li"])
    world.platform.members_fail_next = [PlatformError("channel_not_found")]
    reply = await world.coffee("maya", "match-now")
    assert "didn't answer" in reply.text and world.clock.slept == []
    assert sorted(_placed(world)) == ["li", "maya"]


async def test_timeouts_are_retried_like_platform_errors(world: World) -> None:
    await _channel_program(world, ["maya", "li", "sam"])
    world.platform.members_fail_next = [TimeoutError(), TimeoutError()]
    reply = await world.coffee("maya", "match-now")
    assert reply.text == "Round 1 started: 1 group; intros are on their way."
    assert world.clock.slept == list(POOL_SYNC_WAITS)


async def test_a_scheduled_round_rides_out_a_platform_outage(world: World) -> None:
    people = ["maya", "li", "sam", "ana"]
    await _channel_program(world, people)
    world.platform.members_fail_next = [PlatformError("http_503", retryable=True)] * 10
    await world.advance(timedelta(days=3))
    assert await _rounds(world) == [1]
    assert sorted(_placed(world)) == sorted(people)


async def test_a_failed_scheduled_round_is_retried_at_the_next_tick(world: World) -> None:
    await _channel_program(world, ["maya", "li"])
    async with world.db.session() as s:
        due = (await s.execute(select(Program.next_round_at))).scalar_one()
    assert due is not None
    world.clock.set(due + timedelta(seconds=1))
    world.platform.members_fail_next = [RuntimeError("a bug, not the platform")]
    assert (await world.app.tick())["rounds"] == 0
    async with world.db.session() as s:
        assert (await s.execute(select(Program.next_round_at))).scalar_one() == due  # still due
    world.clock.advance(timedelta(seconds=30))
    assert (await world.app.tick())["rounds"] == 1
    assert sorted(_placed(world)) == ["li", "maya"]
