"""The dashboard over a real aiohttp server on the console platform (a `World`), with a
client that keeps cookies like a browser."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.web.site import Dashboard, dashboard_app
from bot.messages import Reply
from tests.conftest import World
from tests.discord.conftest import fake  # noqa: F401 (a fixture: Discord's fake server)
from tests.slack.conftest import fake_slack  # noqa: F401 (a fixture: Slack's fake API)

LINK = re.compile(r"https?://\S+/signin\?token=[a-z0-9.]+")


def link_in(reply: Reply) -> str:
    """The sign-in link of a `/coffee dashboard` or `/coffee me` reply, as a path."""
    found = LINK.search(reply.text)
    assert found, reply.text
    parts = urlsplit(found.group(0))
    return f"{parts.path}?{parts.query}"


def token_of(path: str) -> str:
    return path.split("token=", 1)[1]


class Web:
    """A browser-like client on the dashboard of `world`."""

    def __init__(self, world: World, client: TestClient) -> None:
        self.world = world
        self.client = client

    async def link(self, user: str, command: str = "dashboard") -> str:
        return link_in(await self.world.coffee(user, command))

    async def sign_in(self, user: str, command: str = "dashboard") -> str:
        """Ask for a link as `user` and use it; returns where the sign-in led."""
        path = await self.link(user, command)
        landing = await self.client.get(path)
        assert landing.status == 200, await landing.text()
        done = await self.client.post(
            "/signin", data={"token": token_of(path)}, allow_redirects=False
        )
        assert done.status == 303, await done.text()
        return done.headers["Location"]

    async def csrf(self, path: str) -> str:
        page = await self.client.get(path)
        assert page.status == 200, await page.text()
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', await page.text())
        assert found, "no CSRF token on " + path
        return found.group(1)


@pytest.fixture
async def web(world: World) -> AsyncIterator[Web]:
    await world.program()
    dashboard = Dashboard(world.settings)
    dashboard.register(world.app)
    client = TestClient(TestServer(dashboard_app(dashboard)))
    await client.start_server()
    try:
        yield Web(world, client)
    finally:
        await client.close()
