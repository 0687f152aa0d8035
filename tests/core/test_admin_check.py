"""A platform whose admin check costs a call (Slack's users.info) is asked only by the commands
that need it, before their transaction opens."""

from __future__ import annotations

import dataclasses

from bot.core import Actor
from tests.conftest import World


def _asking(world: World, user: str, answer: bool, asked: list[str]) -> Actor:
    async def check() -> bool:
        asked.append(user)
        return answer

    plain = world.actor(user)
    return dataclasses.replace(plain, is_admin=False, admin_check=check)


async def test_only_admin_commands_ask_the_platform(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", None)  # nobody added it: no owner
    await world.settle()
    asked: list[str] = []
    li = _asking(world, "li", False, asked)
    for text in ("join", "status", "history", "interests climbing", "help", "stats", "skip"):
        assert (await world.app.coffee(li, text)).message is not None
    assert asked == []
    refused = await world.app.coffee(li, "match-now")
    assert not refused.ok and asked == ["li"]
    assert not (await world.app.coffee(li, "config")).ok and asked == ["li", "li"]


async def test_an_admin_by_the_platform_runs_admin_commands(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", None)
    for user in ("li", "sam"):
        assert (await world.coffee(user, "join")).ok
    asked: list[str] = []
    li = _asking(world, "li", True, asked)
    assert (await world.app.coffee(li, "config")).ok
    reply = await world.app.coffee(li, "match-now")
    await world.settle()
    assert reply.ok and "Round 1 started" in reply.text and asked == ["li", "li"]
