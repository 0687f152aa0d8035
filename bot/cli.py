"""The `warmintro` command: run the bot, the demo, migrations, and offline matching."""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)

DEMO_START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday; the first round is Monday


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["match"]:
        # Imported lazily: `warmintro match` stays fast and needs no database.
        from bot.matching.cli import main as match_main

        return match_main(argv[1:])
    parser = argparse.ArgumentParser(prog="warmintro", description="WarmIntro, the coffee-chat bot")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the bot on the configured platform (default)")
    run.add_argument("--platform", choices=["auto", "console", "slack", "discord", "all"])
    run.add_argument("--port", type=int, default=3000)
    serve = sub.add_parser("serve", help="same as run")
    serve.add_argument("--platform", choices=["auto", "console", "slack", "discord", "all"])
    serve.add_argument("--port", type=int, default=3000)
    demo = sub.add_parser("demo", help="a scripted tour on the console platform; exits 0")
    demo.add_argument("--script", type=Path, help="a script file (default: the bundled tour)")
    demo.add_argument("--database", help="database URL (default: a fresh temporary SQLite file)")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    sub.add_parser("tick", help="run whatever is due once, then exit (for cron)")
    sub.add_parser("match", help="match an instance file offline (see `warmintro match -h`)")
    args = parser.parse_args(argv)
    command = args.command or "run"
    if command == "demo":
        return asyncio.run(run_demo(args.script, args.database))
    if command == "db":
        return asyncio.run(db_command(args.action))
    if command == "tick":
        return asyncio.run(tick_once())
    platform = getattr(args, "platform", None)
    return asyncio.run(serve_forever(platform, getattr(args, "port", 3000)))


def _settings():  # type: ignore[no-untyped-def]
    from bot.config import Settings

    return Settings()


async def db_command(action: str) -> int:
    from bot.bootstrap import configure_logging
    from storage.engine import Database
    from storage.migrate import current_revision

    settings = _settings()
    configure_logging(settings.log_level)
    database = Database.from_url(settings.database_url)
    try:
        if action == "upgrade":
            await database.upgrade()
        print(f"schema revision: {await current_revision(database.engine)}")
    finally:
        await database.dispose()
    return 0


async def tick_once() -> int:
    from bot.bootstrap import configure_logging

    settings = _settings()
    configure_logging(settings.log_level)
    if settings.resolved_platform() == "console":
        print("`warmintro tick` needs a chat platform configured (console ticks by itself).")
        return 2
    print("`warmintro tick` for Slack and Discord arrives with their adapters.")
    return 2


async def serve_forever(platform: str | None, port: int) -> int:
    from bot.bootstrap import configure_logging

    settings = _settings()
    if platform:
        settings.platform = platform  # type: ignore[assignment]
    chosen = settings.resolved_platform()
    if chosen == "console":
        configure_logging("WARNING" if settings.log_level == "INFO" else settings.log_level)
        return await run_console(settings)
    configure_logging(settings.log_level)
    print(f"The {chosen} adapter is not built yet; run with the console platform for now.")
    return 2


async def run_console(settings, script: list[str] | None = None, clock=None, echo: bool = False,
                      out: Callable[[str], None] = print, rng: random.Random | None = None) -> int:  # type: ignore[no-untyped-def]  # fmt: skip
    """The console platform: interactive on stdin (real time, `/tick` to jump) or a script."""
    from adapters.console.platform import ConsolePlatform, WorkspaceData
    from adapters.console.session import ConsoleSession
    from bot.bootstrap import build_app, open_database
    from bot.clock import OffsetClock
    from bot.scheduler import start_ticking

    data = WorkspaceData.load(settings.console_workspace)
    platform = ConsolePlatform(data, out)
    clock = clock or OffsetClock()
    database = await open_database(settings)
    app = build_app(database, platform, clock, settings, rng)
    session = ConsoleSession(app, platform, clock.advance, out)
    scheduler = None
    try:
        if script is None:
            scheduler = start_ticking(app.tick, settings.tick_seconds)
            out("WarmIntro console — you are Maya in #coffee. /help for commands, /quit to leave.")
            out("Start with: /add-bot #coffee, then /coffee join")
            loop = asyncio.get_running_loop()
            while not session.done:
                if sys.stdin.isatty():
                    sys.stdout.write(session.prompt)
                    sys.stdout.flush()
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if not line:
                    break
                await session.handle(line)
        else:
            for line in script:
                if echo and line.strip() and not line.startswith("#"):
                    shown = line.rstrip()
                    if len(shown) > 120:
                        shown = f"{shown[:60]}… ({len(shown):,} characters)"
                    out(f"\n{session.prompt}{shown}")
                await session.handle(line)
                if session.done:
                    break
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        await database.dispose()
    return 0


async def run_demo(script: Path | None, database_url: str | None) -> int:
    import tempfile
    from importlib import resources

    from bot.bootstrap import configure_logging
    from bot.clock import FakeClock

    settings = _settings()
    configure_logging("WARNING")
    source = script or resources.files("adapters.console").joinpath("demo.txt")
    text = await asyncio.to_thread(source.read_text, "utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        settings.database_url = database_url or f"sqlite+aiosqlite:///{tmp}/demo.db"
        settings.console_workspace = None
        await run_console(
            settings,
            script=text.splitlines(),
            clock=FakeClock(DEMO_START),
            echo=True,
            rng=random.Random(7),
        )
    print("\nThat's the tour. `make run` to try it yourself.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
