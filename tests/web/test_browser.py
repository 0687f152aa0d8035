"""The dashboard in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium).

Sign in through the link a slash command gave, read the charts' figures (their data-label /
data-value attributes) and compare them with the database, change a setting and see it in
`/coffee config`, and every refusal. `WARMINTRO_SCREENSHOTS=docs` saves the main pages as
docs/dashboard-*.png (how README's screenshot is made).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from adapters.web.site import Dashboard, dashboard_app
from storage.models import Group, Round
from tests.conftest import World

CHROMIUM = os.environ.get("WARMINTRO_CHROMIUM", "/usr/bin/chromium")

pytestmark = pytest.mark.browser

try:
    from playwright.async_api import Browser, Page, async_playwright
except ImportError:  # pragma: no cover - the dev extras install it
    async_playwright = None  # type: ignore[assignment]


def _skip_without_browser() -> None:
    if async_playwright is None:
        pytest.skip("browser tests need Playwright for Python (pip install -e '.[dev]')")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium)")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    _skip_without_browser()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield launched
        finally:
            await launched.close()


class Site:
    """The dashboard served on a real port; links point at it."""

    def __init__(self, world: World, server: TestServer) -> None:
        self.world = world
        self.server = server
        self.base = f"http://127.0.0.1:{server.port}"

    async def link(self, user: str, command: str = "dashboard", channel: str = "coffee") -> str:
        reply = await self.world.coffee(user, command, channel)
        assert reply.ok, reply.text
        url = next(w for line in reply.text.splitlines() for w in line.split()
                   if "/signin?token=" in w)  # fmt: skip
        assert url.startswith(self.base), url
        return url

    async def sign_in(self, page: Page, user: str, command: str = "dashboard") -> None:
        await page.goto(await self.link(user, command))
        await page.click("#sign-in")
        await page.wait_for_load_state()


@pytest.fixture
async def site(world: World) -> AsyncIterator[Site]:
    await world.program()
    dashboard = Dashboard(world.settings)
    dashboard.register(world.app)
    server = TestServer(dashboard_app(dashboard), host="127.0.0.1")
    await server.start_server()
    world.settings.public_url = f"http://127.0.0.1:{server.port}"
    try:
        yield Site(world, server)
    finally:
        await server.close()


async def _history(world: World, rounds: int = 3) -> None:
    """Rounds with answers and thanks, as people would produce them."""
    answers = ("We met", "We scheduled it", "We met")
    for number in range(rounds):
        await world.coffee("maya", "match-now")
        for user, label in zip(("li", "sam", "ana"), answers, strict=True):
            button = world.platform.find_button(user, None, label)
            if button is not None:
                await world.app.action(world.actor(user, None), button.action_id)
        if number == 0:
            await world.thanks("li", "<@maya> thanks for the climbing tips!")
            await world.thanks("ana", "<@sam> great chat about negotiation")
            await world.thanks("sam", "<@li> this one is private --private")
        world.clock.advance(timedelta(days=7))
    await world.settle()


async def _data(page: Page, selector: str) -> dict[str, str]:
    """data-label → data-value of every element matching `selector`."""
    out: dict[str, str] = {}
    for element in await page.query_selector_all(selector):
        label = await element.get_attribute("data-label")
        value = await element.get_attribute("data-value")
        if label is not None and value is not None:
            out[label] = value
    return out


async def _scalar(world: World, stmt: Any) -> Any:
    async with world.db.session() as session:
        return (await session.execute(stmt)).scalar_one()


async def test_sign_in_and_read_the_figures(site: Site, browser: Browser) -> None:
    world = site.world
    await _history(world)
    page = await browser.new_page()
    await site.sign_in(page, "maya")
    assert page.url == f"{site.base}/admin"
    overview = await _data(page, "#overview td")
    members = len(world.people())
    assert overview["members"] == str(members)
    assert overview["rounds"] == "3"
    await page.click("text=#coffee")
    await page.wait_for_load_state()
    tiles = await _data(page, "#headline .tile")
    assert tiles["rounds"] == str(await _scalar(world, select(func.count(Round.id))))
    assert tiles["members"] == str(members)
    # The rounds chart: each round's bars add up to its groups; its "met" bar is the groups
    # that said they met.
    bars = await _data(page, "#rounds rect[data-label]")
    async with world.db.session() as session:
        per_round = (
            await session.execute(
                select(Round.number, func.count(Group.id), Group.outcome)
                .join(Group, Group.round_id == Round.id)
                .group_by(Round.number, Group.outcome)
            )
        ).all()
    groups: dict[int, int] = {}
    met: dict[int, int] = {}
    for number, count, outcome in per_round:
        groups[number] = groups.get(number, 0) + count
        if outcome == "met":
            met[number] = met.get(number, 0) + count
    for number, total in groups.items():
        mine = {k: int(v) for k, v in bars.items() if k.startswith(f"Round {number} · ")}
        assert sum(mine.values()) == total, (number, mine)
        assert mine[f"Round {number} · met"] == met.get(number, 0)
    assert met, "the history has groups that met"
    # The wall shows the public notes and never the private one.
    wall = await page.inner_text("#gratitude")
    assert "thanks for the climbing tips!" in wall
    assert "this one is private" not in await page.content()
    # Anonymise: no names in the network any more.
    await page.click("#anonymise")
    await page.wait_for_load_state()
    network = await page.inner_text("#network")
    assert "Li Wei" not in network and "Person" in network
    # No script ran and none was blocked: there is none.
    assert await page.query_selector("script") is None


async def test_change_a_setting_and_see_it_in_coffee_config(site: Site, browser: Browser) -> None:
    page = await browser.new_page()
    await site.sign_in(page, "maya")
    await page.click("text=#coffee")
    await page.click("text=Settings")
    await page.select_option("#f-cadence", "biweekly")
    await page.fill("#f-time", "15:45")
    await page.select_option("#f-rule\\.different_team", "required")
    await page.click("#save")
    await page.wait_for_selector("#saved")
    config = (await site.world.coffee("maya", "config")).text
    assert "biweekly" in config and "15:45" in config and "required" in config
    # A bad value: said next to its field, and nothing saved.
    await page.fill("#f-time", "26:99")
    await page.select_option("#f-cadence", "monthly")
    await page.click("#save")
    await page.wait_for_selector("[data-error=time]")
    assert "Nothing was saved" in await page.inner_text("#form-errors")
    config = (await site.world.coffee("maya", "config")).text
    assert "*cadence*: biweekly" in config and "*cadence*: monthly" not in config


async def test_start_a_round_with_confirmation_then_pause(site: Site, browser: Browser) -> None:
    page = await browser.new_page()
    await site.sign_in(page, "maya")
    await page.click("text=#coffee")
    await page.click("text=Start a round now")
    await page.click("#start")  # without ticking the box: refused, nothing started
    assert await _scalar(site.world, select(func.count(Round.id))) == 0
    await page.check("#confirm")
    await page.click("#start")
    await page.wait_for_selector("#answer.ok")
    await site.world.settle()
    assert await _scalar(site.world, select(func.count(Round.id))) == 1
    await page.click("#pause")
    await page.wait_for_selector("#answer.ok")
    assert "active: off" in (await site.world.coffee("maya", "config")).text.replace("*", "")


async def test_member_page_download_and_forget(site: Site, browser: Browser) -> None:
    world = site.world
    await _history(world, rounds=1)
    context = await browser.new_context(accept_downloads=True)
    page = await context.new_page()
    await site.sign_in(page, "li", "me")
    assert page.url == f"{site.base}/me"
    text = await page.inner_text("main")
    assert "this one is private" in text  # their own private thanks, only here
    async with page.expect_download() as download:
        await page.click("#download")
    path = await (await download.value).path()
    assert '"user_id": "li"' in await asyncio.to_thread(Path(path).read_text, "utf-8")
    await page.click("#forget")
    await page.check("#confirm")
    await page.click("#forget-me")
    await page.wait_for_selector("#answer.ok")
    assert (await context.cookies()) == [] or all(
        c["name"] != "warmintro_session" or not c["value"] for c in await context.cookies()
    )
    await context.close()


async def _refusal(page: Page) -> str:
    section = await page.wait_for_selector(".refusal")
    assert section is not None
    return str(await section.get_attribute("data-reason"))


async def test_every_refusal(site: Site, browser: Browser) -> None:
    world = site.world
    await world.app.bot_added("other-company", "their-coffee", "boss")
    # A used link.
    page = await browser.new_page()
    link = await site.link("maya")
    await page.goto(link)
    await page.click("#sign-in")
    other = await browser.new_page()
    await other.goto(link)
    await other.click("#sign-in")
    assert await _refusal(other) == "used-link"
    # An expired link.
    late = await site.link("maya")
    world.clock.advance(timedelta(minutes=11))
    await other.goto(late)
    await other.click("#sign-in")
    assert await _refusal(other) == "expired-link"
    # A tampered link.
    await other.goto(late[:-3] + "abc")
    await other.click("#sign-in")
    assert await _refusal(other) == "bad-link"
    # Another workspace's program: 404.
    async with world.db.session() as session:
        from storage.models import Program

        theirs = (
            await session.execute(select(Program.id).where(Program.channel_id == "their-coffee"))
        ).scalar_one()
    answer = await page.goto(f"{site.base}/admin/programs/{theirs}")
    assert answer is not None and answer.status == 404
    assert await _refusal(page) == "not-found"
    # A member opening an admin page.
    member = await browser.new_context()
    mine = await member.new_page()
    await site.sign_in(mine, "li", "me")
    answer = await mine.goto(f"{site.base}/admin")
    assert answer is not None and answer.status == 403
    assert await _refusal(mine) == "not-admin"
    # A non-admin asking for the dashboard link gets no link.
    refused = await world.coffee("li", "dashboard")
    assert not refused.ok and "/signin" not in refused.text
    # A tampered cookie.
    cookies = await member.cookies()
    session_cookie = next(c for c in cookies if c["name"] == "warmintro_session")
    body, mac = session_cookie["value"].split(".")
    forged = {**session_cookie, "value": f"{body}.{'0' * len(mac)}"}
    await member.clear_cookies()
    await member.add_cookies([forged])  # type: ignore[list-item]
    answer = await mine.goto(f"{site.base}/me")
    assert answer is not None and answer.status == 400
    assert await _refusal(mine) == "bad-session"
    # No cookie at all.
    answer = await mine.goto(f"{site.base}/admin")
    assert answer is not None and answer.status == 401
    await member.close()


async def test_screenshots(site: Site, browser: Browser, tmp_path: Path) -> None:
    """The main pages as PNGs (docs/dashboard-*.png when WARMINTRO_SCREENSHOTS=docs)."""
    world = site.world
    await _history(world, rounds=4)
    target = Path(os.environ.get("WARMINTRO_SCREENSHOTS") or tmp_path)
    await asyncio.to_thread(target.mkdir, parents=True, exist_ok=True)
    page = await browser.new_page(viewport={"width": 1200, "height": 900})
    await site.sign_in(page, "maya")
    shots = {"overview": "/admin"}
    await page.click("text=#coffee")
    await page.wait_for_load_state()
    program_path = page.url.removeprefix(site.base)
    shots |= {"program": program_path, "settings": f"{program_path}/settings"}
    for name, path in shots.items():
        await page.goto(site.base + path)
        await page.screenshot(path=str(target / f"dashboard-{name}.png"), full_page=True)
    member = await browser.new_page(viewport={"width": 1200, "height": 900})
    await site.sign_in(member, "li", "me")
    await member.screenshot(path=str(target / "dashboard-me.png"), full_page=True)
    for name in (*shots, "me"):
        assert (target / f"dashboard-{name}.png").stat().st_size > 10_000
