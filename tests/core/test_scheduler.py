"""APScheduler is only a clock: it calls the tick, never twice at once, and survives errors."""

from __future__ import annotations

import asyncio

from bot.scheduler import start_ticking


async def test_ticks_repeatedly_and_survives_a_failing_tick() -> None:
    calls = 0
    running = 0
    overlapped = False
    enough = asyncio.Event()

    async def tick() -> None:
        nonlocal calls, running, overlapped
        calls += 1
        running += 1
        overlapped = overlapped or running > 1
        try:
            if calls == 1:
                raise RuntimeError("a bad tick is logged, not fatal")
            await asyncio.sleep(1.5)  # longer than the interval: the next run must wait
            if calls >= 3:
                enough.set()
        finally:
            running -= 1

    ticker = start_ticking(tick, 1)
    try:
        await asyncio.wait_for(enough.wait(), 30)
    finally:
        await ticker.stop()
    assert calls >= 3 and not overlapped


async def test_stop_waits_for_the_tick_in_flight() -> None:
    started = asyncio.Event()
    finished = False

    async def slow_tick() -> None:
        nonlocal finished
        started.set()
        await asyncio.sleep(0.5)
        finished = True

    ticker = start_ticking(slow_tick, 60)  # the first tick runs at once
    await asyncio.wait_for(started.wait(), 10)
    await ticker.stop()
    assert finished, "stop() returned while a tick was still using the database"
