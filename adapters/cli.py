"""The `warmintro` command: run the bot, the demo, migrations, and offline matching."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import random
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported lazily below: `warmintro match` and `--help` stay fast
    from aiohttp import web

    from adapters.web.site import Dashboard
    from bot.config import Settings
    from bot.leadership import Leadership
    from bot.ports import Platform
    from bot.scheduler import Ticker
    from storage.engine import Database

logger = logging.getLogger(__name__)

DEMO_START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday; the first round is Monday


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["match"]:
        # Imported lazily: `warmintro match` stays fast and needs no database.
        from bot.matching.cli import main as match_main

        return match_main(argv[1:])
    args = _parser().parse_args(argv)
    command = args.command or "run"
    if command == "demo":
        return asyncio.run(run_demo(args.script, args.database))
    if command == "db":
        return asyncio.run(db_command(args.action))
    if command == "tick":
        return asyncio.run(tick_once())
    if command == "import-profiles":
        return asyncio.run(import_profiles_file(args.file, args.workspace, args.platform))
    platform = getattr(args, "platform", None)
    port, host = getattr(args, "port", 3000), getattr(args, "host", "0.0.0.0")
    return asyncio.run(serve_forever(platform, port, host))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="warmintro", description="WarmIntro, the coffee-chat bot")
    sub = parser.add_subparsers(dest="command")
    for name, text in (("run", "run the bot on the configured platform (default)"),
                       ("serve", "the same as run")):  # fmt: skip
        serve = sub.add_parser(name, help=text)
        serve.add_argument("--platform", choices=["auto", "console", "slack", "discord", "all"])
        serve.add_argument("--port", type=int, default=3000, help="HTTP port (Slack HTTP mode)")
        serve.add_argument("--host", default="0.0.0.0", help="HTTP address (Slack HTTP mode)")
    demo = sub.add_parser("demo", help="a scripted tour on the console platform; exits 0")
    demo.add_argument("--script", type=Path, help="a script file (default: the bundled tour)")
    demo.add_argument("--database", help="database URL (default: a fresh temporary SQLite file)")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    sub.add_parser("tick", help="run whatever is due once, then exit (for cron)")
    sub.add_parser("match", help="match an instance file offline (see `warmintro match -h`)")
    imports = sub.add_parser(
        "import-profiles",
        help="set team, location, manager and start_date from a CSV file (all rows or none)",
    )
    imports.add_argument("file", type=Path, help="CSV: user, team, location, manager, start_date")
    imports.add_argument("--workspace", required=True, help="the Slack team id / Discord guild id")
    imports.add_argument("--platform", choices=["slack", "discord", "console"])
    return parser


def _settings() -> Settings:
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
    """Run whatever is due once (cron-style), on the configured chat platform(s)."""
    from bot.bootstrap import configure_logging, open_database

    settings = _settings()
    configure_logging(settings.log_level)
    chosen = settings.resolved_platform()
    if chosen not in {"slack", "all"}:
        print("`warmintro tick` runs the Slack platform's due work; the console and Discord tick "
              "by themselves while they run.")  # fmt: skip
        return 2
    from adapters.slack.app import SlackRuntime

    database = await open_database(settings)
    runtime = None
    try:
        runtime = SlackRuntime(settings, database)
        print(await runtime.warm.tick())
    finally:
        if runtime is not None:
            await runtime.close()
        await database.dispose()
    return 0


async def import_profiles_file(path: Path, workspace: str, platform: str | None) -> int:
    """`warmintro import-profiles`: exit 0 when every row was imported, 1 when none was (bad
    rows are printed with their line numbers), 2 when the file or platform can't be used."""
    from bot.bootstrap import build_app, configure_logging, open_database
    from bot.clock import SystemClock
    from bot.profile_import import import_profiles

    settings = _settings()
    configure_logging(settings.log_level)
    chosen = platform or settings.resolved_platform()
    if chosen not in {"slack", "discord", "console"}:
        print("Say which platform the workspace is on: --platform slack|discord|console",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        text = await asyncio.to_thread(path.read_text, "utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"Can't read {path}: {exc}", file=sys.stderr)
        return 2
    database = await open_database(settings)
    slack = None
    try:
        if chosen == "slack":
            from adapters.slack.app import SlackRuntime

            slack = SlackRuntime(settings, database)
            core = slack.warm.core
        else:
            offline = _offline_platform(chosen, settings)
            core = build_app(database, offline, SystemClock(), settings).core
        report = await import_profiles(core, workspace, text)
    finally:
        if slack is not None:
            await slack.close()
        await database.dispose()
    print(report.text(), file=sys.stderr if report.errors else sys.stdout)
    return 1 if report.errors else 0


def _offline_platform(chosen: str, settings: Settings) -> Platform:
    if chosen == "discord":
        from adapters.discord.offline import OfflineDiscord

        return OfflineDiscord()
    from adapters.console.platform import ConsolePlatform, WorkspaceData

    return ConsolePlatform(WorkspaceData.load(settings.console_workspace), out=lambda _: None)


async def serve_forever(platform: str | None, port: int, host: str = "0.0.0.0") -> int:
    """Run the bot on the configured platform(s) until interrupted."""
    import signal

    from bot.bootstrap import configure_logging, open_database

    settings = _settings()
    if platform:
        settings.platform = platform  # type: ignore[assignment]
    chosen = settings.resolved_platform()
    if chosen == "console":
        from adapters.console.run import run_console

        configure_logging("WARNING" if settings.log_level == "INFO" else settings.log_level)
        return await run_console(settings)
    configure_logging(settings.log_level)
    problem = missing_settings(settings, chosen)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    database = await open_database(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    serving = Serving(database)
    try:
        serving.start(settings, chosen, host, port, stop)
        logger.info("start-up done: %s objects set aside from garbage collection", settle_heap())
        await serving.wait(stop)
    finally:
        stop.set()
        await serving.stop()
        await database.dispose()
    return 0


def settle_heap() -> int:
    """Once start-up is done: collect, then set every object alive now aside (`gc.freeze`:
    modules, classes, mappers, the platforms' SDKs, about 160,000 objects) so that the
    collector's full passes no longer walk them. They live as long as the process anyway;
    walking them found nothing and took 0.1-0.3 s a pass, several passes in a 3,000-member
    round. Returns how many objects were set aside."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def _leading(leadership: Leadership):  # type: ignore[no-untyped-def]
    """Deliver only while leading: replicas never add up the platform's rate limits."""
    return lambda: leadership.leading


class Serving:
    """The platforms running in this process, each with its one-active-scheduler leadership."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.tasks: list[asyncio.Task[None]] = []
        self.leaderships: list[Leadership] = []  # one active scheduler per platform
        self.scheduler: Ticker | None = None
        self.web: web.AppRunner | None = None  # the dashboard's own server (unless shared)

    def start(
        self, settings: Settings, chosen: str, host: str, port: int, stop: asyncio.Event
    ) -> None:
        from adapters.web.site import Dashboard
        from bot.leadership import Leadership, lead_then, lock_key
        from bot.scheduler import start_ticking

        dashboard = Dashboard(settings, warm_up=True)
        # Slack's HTTP mode on the dashboard's port: one server for both.
        shared = (
            chosen in {"slack", "all"} and not settings.slack_app_token
            and port == settings.web_port
        )  # fmt: skip
        if chosen in {"slack", "all"}:
            from adapters.slack.app import SlackRuntime
            from adapters.slack.server import run_slack

            runtime = SlackRuntime(
                settings, self.database, socket_mode=bool(settings.slack_app_token)
            )
            self.leaderships.append(Leadership(self.database, lock_key("slack")))
            runtime.warm.core.delivers = _leading(self.leaderships[-1])
            self.scheduler = start_ticking(
                lead_then(self.leaderships[-1], runtime.warm.tick), settings.tick_seconds
            )
            dashboard.register(runtime.warm)
            serving = run_slack(runtime, host, port, stop, dashboard if shared else None)
            self.tasks.append(asyncio.create_task(serving))
        if chosen in {"discord", "all"}:
            from adapters.discord import run_discord

            self.leaderships.append(Leadership(self.database, lock_key("discord")))
            discord = run_discord(
                settings, self.database, leadership=self.leaderships[-1], dashboard=dashboard
            )
            self.tasks.append(asyncio.create_task(discord))
        if not shared:
            self.tasks.append(asyncio.create_task(self._serve_web(dashboard, settings, stop)))
        from adapters.web.server import announce

        print(announce(dashboard), flush=True)

    async def _serve_web(
        self, dashboard: Dashboard, settings: Settings, stop: asyncio.Event
    ) -> None:
        """The dashboard on its own port until `stop`. A taken port (another replica on this
        host) leaves this process without a dashboard; the bot itself goes on."""
        from adapters.web.server import serve_dashboard

        try:
            self.web = await serve_dashboard(dashboard, settings.web_host, settings.web_port)
        except OSError as exc:
            logger.warning(
                "dashboard not started: %s:%s is not free (%s); the bot runs without it here",
                settings.web_host, settings.web_port, exc.strerror,
            )  # fmt: skip
            await stop.wait()
            return
        try:
            await stop.wait()
        finally:
            await self.web.cleanup()

    async def wait(self, stop: asyncio.Event) -> None:
        """Until a platform stops (its error is logged) or `stop` is set."""
        done, _ = await asyncio.wait(
            [*self.tasks, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED
        )
        for task in done:
            if task.exception() is not None:
                logger.error("platform stopped: %s", task.exception())

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.scheduler is not None:
            await self.scheduler.stop()
        for leadership in self.leaderships:
            await leadership.release()


def missing_settings(settings: Settings, chosen: str) -> str | None:
    """What's missing to run `chosen`, in words, or None."""
    if chosen in {"slack", "all"}:
        oauth = settings.slack_client_id and settings.slack_client_secret
        single = settings.slack_bot_token
        if not (oauth or single):
            return (
                "Slack needs SLACK_BOT_TOKEN (one workspace) "
                "or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (OAuth)."
            )
        if not settings.slack_signing_secret and not settings.slack_app_token:
            return "Slack needs SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)."
        if oauth and settings.slack_app_token and not single:
            return (
                "Socket Mode serves one workspace: set SLACK_BOT_TOKEN, "
                "or drop SLACK_APP_TOKEN for OAuth over HTTP."
            )
    if chosen in {"discord", "all"} and not settings.discord_token:
        return "Discord needs DISCORD_TOKEN."
    return None


async def run_demo(script: Path | None, database_url: str | None) -> int:
    import tempfile
    from importlib import resources

    from adapters.console.run import run_console
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
