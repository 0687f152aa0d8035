"""match-now matches the stored pool while the platform's channel members are read, and
matches again only if that read changed the pool."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import bot.rounds
from tests.conftest import World


async def _channel_program(world: World, people: list[str]) -> None:
    world.platform.channel_pool = {"coffee": set(people)}
    await world.app.bot_added(world.workspace, "coffee", "maya")
    await world.settle()


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = bot.rounds.match

    def counted(candidates: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(candidates))
        return real(candidates, *args, **kwargs)

    monkeypatch.setattr(bot.rounds, "match", counted)
    return calls


def _held_members(world: World) -> asyncio.Event:
    gate = asyncio.Event()
    read = world.platform.channel_members

    async def held(*args: Any) -> Any:
        await gate.wait()
        return await read(*args)

    world.platform.channel_members = held  # type: ignore[method-assign]
    return gate


async def test_matching_runs_while_the_channel_is_read(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _channel_program(world, ["maya", "li", "sam", "ana"])
    calls = _counting(monkeypatch)
    gate = _held_members(world)
    asking = asyncio.create_task(world.app.coffee(world.actor("maya"), "match-now"))
    for _ in range(200):  # the matcher runs in a thread: let it finish
        if calls:
            break
        await asyncio.sleep(0.01)
    assert calls == [4] and not asking.done()  # matched while the platform hasn't answered
    gate.set()
    reply = await asking
    await world.settle()
    assert reply.text == "Round 1 started: 2 groups; intros are on their way."
    assert calls == [4] and len(world.intros()) == 2  # nothing changed: matched once


async def test_a_pool_that_changed_meanwhile_is_matched_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _channel_program(world, ["maya", "li", "sam", "ana"])
    calls = _counting(monkeypatch)
    world.platform.channel_pool = {"coffee": {"maya", "li", "sam", "ana", "tom", "nora"}}
    world.platform.channel_pool["coffee"] -= {"ana"}
    reply = await world.coffee("maya", "match-now")
    assert reply.text == "Round 1 started: 2 groups; intros are on their way."
    assert calls == [4, 5]  # first on the stored pool, then on the channel's (ana left, 2 came)
    placed = {u for intro in world.intros() for u in intro.target.user_ids}
    assert "ana" not in placed and {"tom", "nora"} & placed
