"""`warmintro serve --platform discord`: the client, the core and the clock in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from adapters.discord.client import create_client
from adapters.discord.options import DiscordOptions
from adapters.discord.platform import DiscordPlatform
from adapters.metrics_http import metrics_server
from adapters.web.site import Dashboard
from bot.bootstrap import build_app
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.leadership import Leadership, lead_then
from bot.scheduler import start_ticking
from storage.engine import Database

logger = logging.getLogger(__name__)


async def run_discord(
    settings: Settings,
    db: Database,
    *,
    clock: Clock | None = None,
    options: DiscordOptions | None = None,
    leadership: Leadership | None = None,
    dashboard: Dashboard | None = None,
) -> None:
    """Connect to Discord and serve until cancelled (the CLI cancels it on SIGINT/SIGTERM).

    The clock starts ticking once the gateway session is ready, so due work never races the
    login. On the way out the scheduler stops and the client closes its connections. A failed
    login or a fatal gateway error (bad token, privileged intent not enabled) is raised.
    """
    if not settings.discord_token:
        raise ValueError("DISCORD_TOKEN is not set")
    client = create_client(settings, options)
    app = build_app(db, DiscordPlatform(client), clock or SystemClock(), settings)
    client.attach(app)
    if leadership is not None:  # only the elected scheduler delivers (one rate-limit budget)
        app.core.delivers = lambda: leadership.leading
    if dashboard is not None:
        dashboard.register(app)
    scheduler = None

    async def tick_when_ready() -> None:
        nonlocal scheduler
        await client.wait_until_ready()
        tick = lead_then(leadership, app.tick) if leadership is not None else app.tick
        scheduler = start_ticking(tick, settings.tick_seconds)
        logger.info("ticking every %ss", settings.tick_seconds)

    ticker = asyncio.create_task(tick_when_ready(), name="warmintro-discord-ticker")
    exposing = await metrics_server(settings, app.core)
    try:
        await client.start(settings.discord_token)
    finally:
        if exposing is not None:
            await exposing.cleanup()
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
        if scheduler is not None:
            await scheduler.stop()
        await app.close()  # background deliveries finish first (or are cancelled)
        await client.close()
        logger.info("Discord client closed")
