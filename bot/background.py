"""Work that outlives the request that started it (a round's intros after `match-now`).

Tasks are tracked, so a graceful stop can wait for them (and cancel what is left after a
grace period). Nothing here is the only copy of anything: a delivery left pending or in
flight is in the outbox, and the next tick sends it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)

# Every background task's name starts with this (test harnesses wait for them by name).
TASK_PREFIX = "warmintro-background: "


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, object], name: str) -> asyncio.Task[None]:
        """Run `work` in the background; its errors are logged, never raised."""
        task = asyncio.create_task(self._guarded(work, name), name=TASK_PREFIX + name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @staticmethod
    async def _guarded(work: Coroutine[Any, Any, object], name: str) -> None:
        try:
            await work
        except Exception:
            logger.exception("background work %s failed (the next tick picks it up)", name)

    @property
    def running(self) -> int:
        return sum(1 for task in self._tasks if not task.done())

    async def drain(self) -> None:
        """Wait until every background task (and any it started) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Wait up to `grace_seconds` for the running work, then cancel the rest."""
        if not self._tasks:
            return
        try:
            await asyncio.wait_for(self.drain(), grace_seconds)
        except TimeoutError:
            left = list(self._tasks)
            logger.warning(
                "%s background task(s) still running after %ss; cancelled (the next tick "
                "sends what they didn't)",
                len(left),
                grace_seconds,
            )
            for task in left:
                task.cancel()
            await asyncio.gather(*left, return_exceptions=True)
