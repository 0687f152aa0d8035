"""A send whose claim is taken over by another worker (its lease ran out, or the other worker
thinks it is gone); the first worker's late result must not touch the row again (it once reset
it to pending: a third send)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.bootstrap import build_app
from bot.outbox import LEASE
from bot.ports import PlatformError
from storage.engine import Database
from storage.models import Delivery
from tests.conftest import World


async def test_late_result_of_a_superseded_claim_is_ignored(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    real_send = world.platform.send
    calls: list[str | None] = []
    first_call = asyncio.Event()
    gate = asyncio.Event()

    async def slow_send(ws, target, message, *, key=None):  # type: ignore[no-untyped-def]
        calls.append(key)
        if len(calls) == 1:  # worker A: the platform keeps it waiting past the lease
            first_call.set()
            await gate.wait()
            raise PlatformError("ratelimited", retryable=True)
        return await real_send(ws, target, message, key=key)

    world.platform.send = slow_send  # type: ignore[method-assign]
    task = asyncio.create_task(world.thanks("maya", "<@li> for the help"))
    await asyncio.wait_for(first_call.wait(), 10)
    key = calls[0]
    world.clock.advance(LEASE + timedelta(seconds=1))
    other = Database.from_url(str(world.db.engine.url))  # worker B: another process
    try:
        await build_app(other, world.platform, world.clock, world.settings).outbox.flush()
    finally:
        await other.dispose()
    assert calls.count(key) == 2
    gate.set()  # worker A finally gives up: "retry later"
    await task
    async with world.db.session() as s:
        row = (await s.execute(select(Delivery).where(Delivery.key == key))).scalar_one()
    assert (row.status, row.attempts) == ("sent", 2)  # A's late failure changed nothing
    world.clock.advance(timedelta(hours=1))
    await world.app.outbox.flush()
    assert calls.count(key) == 2
