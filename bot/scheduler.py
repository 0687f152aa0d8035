"""APScheduler as a clock only: one periodic tick that runs whatever the database says is due."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

logger = logging.getLogger(__name__)


class Ticker:
    """Calls `tick` every `seconds`: never two at once, missed runs coalesce, errors are logged.

    `stop()` waits for a tick in flight, so the database is never closed under it (a tick cut
    off mid-transaction would leave a connection, and its thread, behind).
    """

    def __init__(self, tick: Callable[[], Awaitable[object]], seconds: int) -> None:
        self._tick = tick
        self._current: asyncio.Task[None] | None = None
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.scheduler.add_job(
            self._run,
            "interval",
            seconds=seconds,
            id="warmintro-tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )

    async def _run(self) -> None:
        # APScheduler cancels a running job when it shuts down; the tick runs in a task of its
        # own, shielded, so it always ends cleanly (stop() waits for it).
        if self._current is not None and not self._current.done():
            return
        self._current = asyncio.create_task(self._guarded(), name="warmintro-tick")
        try:
            await asyncio.shield(self._current)
        except asyncio.CancelledError:
            # APScheduler is shutting down: the tick goes on in its own task and stop() waits
            # for it, so this job ends quietly instead of being logged as an error.
            logger.debug("tick: the scheduler stopped while a tick was running")

    async def _guarded(self) -> None:
        try:
            result = await self._tick()
            logger.debug("tick: %s", result)
        except Exception:
            logger.exception("tick failed")

    def start(self) -> Ticker:
        self.scheduler.start()
        return self

    async def stop(self, grace_seconds: float = 60) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        current = self._current
        if current is None or current.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(current), grace_seconds)
        except TimeoutError:
            logger.warning("a tick was still running after %ss; stopping anyway", grace_seconds)


def start_ticking(tick: Callable[[], Awaitable[object]], seconds: int) -> Ticker:
    """Start a `Ticker` on the running event loop."""
    return Ticker(tick, seconds).start()
