"""A send that outlives its lease is re-claimed and sent again by another worker; the first
worker's late result must not touch the row again (it once reset it to pending: a third send)."""
import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.outbox import LEASE, Outbox
from bot.ports import PlatformError
from storage.models import Delivery
from tests.conftest import World


async def test_late_worker_overwrites_sent_row(world: World) -> None:
    w = world
    await w.app.bot_added(w.workspace, "coffee", "maya")   # welcome is sent
    # enqueue a thanks note (one channel post + one DM) but block the first send
    real_send = w.platform.send
    calls = []
    gate = asyncio.Event()

    async def slow_send(ws, target, message, *, key=None):
        calls.append(key)
        if len(calls) == 1:            # worker A: Slack keeps answering 429 for > 5 minutes
            await gate.wait()
            raise PlatformError("ratelimited", retryable=True)
        return await real_send(ws, target, message, key=key)

    w.platform.send = slow_send
    task = asyncio.create_task(w.thanks("maya", "<@li> for the help"))
    while not calls:
        await asyncio.sleep(0.01)
    key = calls[0]
    w.clock.advance(LEASE + timedelta(seconds=1))
    # worker B (the next tick, or another replica) re-claims and sends it
    other = w.fresh_app()
    await other.outbox.flush()
    assert calls.count(key) == 2
    async with w.db.session() as s:
        row = (await s.execute(select(Delivery).where(Delivery.key == key))).scalar_one()

    gate.set()                          # worker A finally gives up: "retry later"
    await task
    async with w.db.session() as s:
        row = (await s.execute(select(Delivery).where(Delivery.key == key))).scalar_one()

    w.clock.advance(timedelta(hours=1))
    await w.app.outbox.flush()
    print("sends of", key, "=", calls.count(key))
    assert calls.count(key) <= 2, f"sent {calls.count(key)} times"
