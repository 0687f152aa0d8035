"""APScheduler as a clock only: one periodic tick that runs whatever the database says is due."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

logger = logging.getLogger(__name__)


def start_ticking(tick: Callable[[], Awaitable[object]], seconds: int) -> AsyncIOScheduler:
    """Call `tick` every `seconds`; a slow tick is never run twice at once, missed ones coalesce."""

    async def run() -> None:
        try:
            result = await tick()
            logger.debug("tick: %s", result)
        except Exception:
            logger.exception("tick failed")

    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        run,
        "interval",
        seconds=seconds,
        id="warmintro-tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    return scheduler
