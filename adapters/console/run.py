"""`warmintro run --platform console` and `warmintro demo`: the core on the console platform."""

from __future__ import annotations

import asyncio
import logging
import random
import sys
from collections.abc import Callable

from aiohttp.web import AppRunner

from adapters.console.platform import ConsolePlatform, WorkspaceData
from adapters.console.session import ConsoleSession
from adapters.metrics_http import metrics_server
from bot.app import WarmIntro
from bot.bootstrap import build_app, open_database
from bot.clock import FakeClock, OffsetClock
from bot.config import Settings
from bot.scheduler import start_ticking

logger = logging.getLogger(__name__)

MAX_ECHO = 120  # a scripted line longer than this is shown shortened


async def run_console(
    settings: Settings,
    script: list[str] | None = None,
    clock: FakeClock | OffsetClock | None = None,
    echo: bool = False,
    out: Callable[[str], None] = print,
    rng: random.Random | None = None,
) -> int:
    """The console platform: interactive on stdin (real time, `/tick` to jump) or a script."""
    platform = ConsolePlatform(WorkspaceData.load(settings.console_workspace), out)
    offset = clock or OffsetClock()
    database = await open_database(settings)
    app = build_app(database, platform, offset, settings, rng)
    session = ConsoleSession(app, platform, offset.advance, out)
    try:
        if script is None:
            await _interactive(app, session, settings, out)
        else:
            await _scripted(session, script, echo, out)
    finally:
        await app.close()
        await database.dispose()
    return 0


async def _interactive(
    app: WarmIntro, session: ConsoleSession, settings: Settings, out: Callable[[str], None]
) -> None:
    """Lines from stdin until /quit or end of input, with the clock ticking in real time."""
    scheduler = start_ticking(app.tick, settings.tick_seconds)
    exposing = await metrics_server(settings, app.core)
    web = await _dashboard(app, settings, out)
    out("WarmIntro console — you are Maya in #coffee. /help for commands, /quit to leave.")
    out("Start with: /add-bot #coffee, then /coffee join")
    loop = asyncio.get_running_loop()
    try:
        while not session.done:
            if sys.stdin.isatty():
                sys.stdout.write(session.prompt)
                sys.stdout.flush()
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            await session.handle(line)
    finally:
        if web is not None:
            await web.cleanup()
        if exposing is not None:
            await exposing.cleanup()
        await scheduler.stop()


async def _dashboard(
    app: WarmIntro, settings: Settings, out: Callable[[str], None]
) -> AppRunner | None:
    """The web dashboard (and /metrics) on WARMINTRO_WEB_PORT; the console goes on without it
    when the port is taken."""
    from adapters.web.server import announce, serve_dashboard
    from adapters.web.site import Dashboard

    dashboard = Dashboard(settings, warm_up=True)
    dashboard.register(app)
    try:
        runner = await serve_dashboard(dashboard, settings.web_host, settings.web_port)
    except OSError as exc:
        out(f"(no dashboard: port {settings.web_port} is not free: {exc.strerror})")
        return None
    out(announce(dashboard) + " (console: /dashboard)")
    return runner


async def _scripted(
    session: ConsoleSession, script: list[str], echo: bool, out: Callable[[str], None]
) -> None:
    """Each line of the script as if typed (echoed with its prompt when `echo`)."""
    for line in script:
        if echo and line.strip() and not line.startswith("#"):
            shown = line.rstrip()
            if len(shown) > MAX_ECHO:
                shown = f"{shown[:60]}… ({len(shown):,} characters)"
            out(f"\n{session.prompt}{shown}")
        await session.handle(line)
        if session.done:
            break
