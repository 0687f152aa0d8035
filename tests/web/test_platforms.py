"""The dashboard on every platform: Slack's `/coffee dashboard` (with the dashboard sharing
Slack's HTTP port), Discord's `/coffee dashboard` and `/coffee me` (CoffeeGroup), and the
console's server on WARMINTRO_WEB_PORT."""

from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

import aiohttp

from adapters.console.run import _dashboard
from adapters.slack.server import serve_http
from adapters.web.site import Dashboard
from storage.engine import Database
from tests.conftest import World
from tests.discord.fake_discord import FakeDiscord
from tests.discord.harness import Server
from tests.slack.conftest import generous_limiter, slack_settings, start_world
from tests.slack.fake_slack import FakeSlack

LINK = re.compile(r"https?://[^\s|>]+/signin\?token=[a-z0-9.]+")


async def _sign_in(http: aiohttp.ClientSession, base: str, url: str) -> aiohttp.ClientResponse:
    token = urlsplit(url).query.split("token=", 1)[1]
    landing = await http.get(f"{base}/signin?token={token}")
    assert landing.status == 200
    return await http.post(f"{base}/signin", data={"token": token}, allow_redirects=False)


async def test_slack_dashboard_shares_the_http_port(
    sqlite_db: Database, fake_slack: FakeSlack
) -> None:
    import random

    from adapters.slack.app import SlackRuntime
    from bot.clock import FakeClock
    from tests.conftest import START

    settings = slack_settings(fake_slack)
    runtime = SlackRuntime(settings, sqlite_db, FakeClock(START), random.Random(5))
    runtime.platform.limiter = generous_limiter()
    dashboard = Dashboard(settings)
    dashboard.register(runtime.warm)
    runner = await serve_http(runtime, "127.0.0.1", 0, dashboard)
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    settings.public_url = base
    from tests.slack.conftest import SECRET
    from tests.slack.fake_slack import SlackClient

    slack = SlackClient(f"{base}/slack/events", SECRET, fake_slack)
    try:
        await runtime.warm.bot_added("T0001", "C0001", "U0001")
        admin = await slack.reply(await slack.command("/coffee", "dashboard", "U0001"))
        text = str(admin)
        found = LINK.search(text)
        assert found, text
        refused = str(await slack.reply(await slack.command("/coffee", "dashboard", "U0002")))
        assert "for program admins" in refused and "/signin" not in refused
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            done = await _sign_in(http, base, found.group(0))
            assert done.status == 303 and done.headers["Location"] == "/admin"
            page = await http.get(f"{base}/admin")
            assert page.status == 200
            assert "C0001" in await page.text()
            assert "Content-Security-Policy" in page.headers
            assert (await http.get(f"{base}/metrics")).status == 200
    finally:
        await runtime.warm.close()
        await slack.close()
        await runner.cleanup()


async def test_slack_events_still_served_with_the_dashboard(
    sqlite_db: Database, fake_slack: FakeSlack
) -> None:
    world, runner = await start_world(sqlite_db, fake_slack)
    try:
        reply = await world.slack.reply(await world.slack.command("/coffee", "me", "U0002"))
        assert LINK.search(str(reply)), reply
    finally:
        await world.warm.close()
        await world.slack.close()
        await runner.cleanup()  # type: ignore[attr-defined]


async def test_discord_coffee_dashboard_and_me(fake: FakeDiscord, sqlite_db: Database) -> None:
    from aiohttp.test_utils import TestServer

    from adapters.web.site import dashboard_app

    server = Server(fake, sqlite_db)
    await server.start()
    dashboard = Dashboard(server.settings)
    dashboard.register(server.app)
    site = TestServer(dashboard_app(dashboard), host="127.0.0.1")
    await site.start_server()
    base = f"http://127.0.0.1:{site.port}"
    server.settings.public_url = base
    try:
        await server.program(["li"])
        admin = await server.command("maya", "coffee dashboard")
        assert admin["ephemeral"]
        link = LINK.search(admin["text"])
        assert link, admin
        member = await server.command("li", "coffee me")
        assert member["ephemeral"]
        mine = LINK.search(member["text"])
        assert mine, member
        refused = await server.command("li", "coffee dashboard")
        assert "for program admins" in refused["text"]
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            done = await _sign_in(http, base, link.group(0))
            assert done.headers["Location"] == "/admin"
            page = await http.get(f"{base}/admin")
            assert page.status == 200 and "coffee" in await page.text()
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            done = await _sign_in(http, base, mine.group(0))
            assert done.headers["Location"] == "/me"
            assert (await http.get(f"{base}/admin")).status == 403
            me = await http.get(f"{base}/me")
            assert me.status == 200 and "Li" in await me.text()
    finally:
        await site.close()
        await server.stop()


async def test_console_serves_the_dashboard_on_the_web_port(world: World) -> None:
    world.settings.web_port = 0
    lines: list[str] = []
    runner = await _dashboard(world.app, world.settings, lines.append)
    assert runner is not None
    try:
        port = runner.addresses[0][1]
        assert any(line.startswith("Dashboard: http://localhost:") for line in lines), lines
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            health = await http.get(f"http://127.0.0.1:{port}/healthz")
            assert (await health.json())["platforms"] == ["console"]
            assert (await http.get(f"http://127.0.0.1:{port}/metrics")).status == 200
    finally:
        await runner.cleanup()


async def test_console_goes_on_when_the_web_port_is_taken(world: World) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        world.settings.web_port = taken.getsockname()[1]
        lines: list[str] = []
        assert await _dashboard(world.app, world.settings, lines.append) is None
    assert any("no dashboard" in line for line in lines), lines


async def test_serve_goes_on_without_a_dashboard_when_its_port_is_taken(world: World) -> None:
    """A second replica on one host: its dashboard port is taken; the bot must not stop."""
    import asyncio

    from adapters.cli import Serving

    serving = Serving(world.db)
    stop = asyncio.Event()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        world.settings.web_port = taken.getsockname()[1]
        task = asyncio.create_task(
            serving._serve_web(Dashboard(world.settings), world.settings, stop)
        )
        await asyncio.sleep(0.2)
        assert not task.done()  # still serving the bot, not failed
        stop.set()
        await task
    assert serving.web is None


async def test_a_serving_dashboard_warms_the_figures_up(world: World) -> None:
    """At start (warm_up=True) every program's figures are computed once, in the background:
    its kept entries exist before anyone opens a page."""
    from sqlalchemy import select

    from bot.insights import cache
    from storage.models import Program

    await world.program()
    await world.coffee("maya", "match-now")
    async with world.db.session() as session:
        pid = (await session.execute(select(Program.id))).scalar_one()
    assert cache.peek(world.db, ("interests", pid)) is None
    Dashboard(world.settings).register(world.app)  # tests and tools: no warm-up
    await world.app.core.background.drain()
    assert cache.peek(world.db, ("interests", pid)) is None
    Dashboard(world.settings, warm_up=True).register(world.app)
    await world.app.core.background.drain()
    assert cache.peek(world.db, ("interests", pid)) is not None
