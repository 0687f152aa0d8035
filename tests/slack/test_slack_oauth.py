"""Many workspaces: OAuth install into our database, encrypted tokens, uninstall cleanup."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession
from sqlalchemy import select, text

from adapters.slack.oauth import TokenCipher
from bot import wording
from storage.engine import Database
from storage.models import Program
from tests.slack.conftest import SlackWorld, start_world
from tests.slack.fake_slack import BOT_USER, FakeSlack

KEY = "a long secret used to derive the encryption key"


@pytest.fixture
async def oauth_world(sqlite_db: Database, fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    world, runner = await start_world(
        sqlite_db,
        fake_slack,
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret="shh",
        encryption_key=KEY,
    )
    yield world
    await world.slack.close()
    await runner.cleanup()  # type: ignore[attr-defined]
    await world.runtime.close()


async def install(world: SlackWorld) -> None:
    base = world.url.removesuffix("/slack/events")
    async with ClientSession() as browser:
        async with browser.get(base + "/slack/install", allow_redirects=False) as page:
            assert page.status in (200, 302)
            body = await page.text()
            location = page.headers.get("Location", "") + body
            # the state cookie is Secure (a browser sends it back over https; we do it by hand)
            cookie = page.headers["Set-Cookie"].split(";")[0]
        state = re.search(r"state=([\w\-]+)", location)
        assert state, "the install page links to Slack's authorize URL with a state"
        url = f"{base}/slack/oauth_redirect?code=good-code&state={state.group(1)}"
        async with browser.get(url, headers={"Cookie": cookie}) as done:
            assert done.status == 200, await done.text()


async def test_install_stores_an_encrypted_token_and_uses_it(oauth_world: SlackWorld) -> None:
    await install(oauth_world)
    async with oauth_world.warm.core.db.engine.connect() as conn:
        stored = (await conn.execute(text("SELECT bot_token FROM slack_bots"))).scalar_one()
    assert stored.startswith("enc:") and "xoxb" not in stored
    assert TokenCipher(KEY).decrypt(stored) == "xoxb-oauth-token"
    await oauth_world.add_bot_to("C0001")
    reply = await oauth_world.slack.reply(
        await oauth_world.slack.command("/coffee", "status", "U0002")
    )
    assert "Colleagues met so far" in reply["text"]
    tokens = {c.token for c in oauth_world.fake.calls if c.method != "oauth.v2.access"}
    assert tokens == {"xoxb-oauth-token"}


async def test_bad_oauth_code_installs_nothing(oauth_world: SlackWorld) -> None:
    base = oauth_world.url.removesuffix("/slack/events")
    url = f"{base}/slack/oauth_redirect?code=bad&state=forged"
    async with ClientSession() as browser, browser.get(url) as page:
        assert page.status >= 400
    async with oauth_world.warm.core.db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM slack_bots"))).scalar_one() == 0


async def test_uninstall_removes_the_installation_and_pauses_programs(
    oauth_world: SlackWorld,
) -> None:
    await install(oauth_world)
    await oauth_world.add_bot_to("C0001")
    assert await oauth_world.slack.event({"type": "app_uninstalled"}) == 200

    async def gone() -> bool:
        async with oauth_world.warm.core.db.engine.connect() as conn:
            bots = (await conn.execute(text("SELECT count(*) FROM slack_bots"))).scalar_one()
        async with oauth_world.warm.core.db.session() as s:
            program = (await s.execute(select(Program))).scalar_one()
        return bots == 0 and not program.active

    for _ in range(200):
        if await gone():
            break
        await asyncio.sleep(0.05)
    assert await gone()
    assert BOT_USER


async def test_tokens_revoked_deletes_the_bot_installation(oauth_world: SlackWorld) -> None:
    await install(oauth_world)
    await oauth_world.add_bot_to("C0001")
    event = {"type": "tokens_revoked", "tokens": {"bot": [BOT_USER], "oauth": []}}
    assert await oauth_world.slack.event(event) == 200

    async def done() -> bool:
        async with oauth_world.warm.core.db.engine.connect() as conn:
            bots = (await conn.execute(text("SELECT count(*) FROM slack_bots"))).scalar_one()
        async with oauth_world.warm.core.db.session() as s:
            active = (await s.execute(select(Program))).scalar_one().active
        return bots == 0 and not active  # the installation is gone and its programs paused

    for _ in range(200):
        if await done():
            break
        await asyncio.sleep(0.05)
    assert await done()
    # with the token gone, the workspace can't be acted for: no Web API call goes out for it
    assert await oauth_world.runtime._installed_token("T0001") is None


async def test_forget_me_by_the_installer_keeps_the_install_but_not_their_id(
    oauth_world: SlackWorld,
) -> None:
    await install(oauth_world)  # U0001 installed the app
    await oauth_world.add_bot_to("C0001")
    reply = await oauth_world.slack.reply(
        await oauth_world.slack.command("/coffee", "forget-me confirm", "U0001")
    )
    assert "deleted everything" in reply["text"]
    async with oauth_world.warm.core.db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT * FROM slack_installations"))).mappings().all()
    assert rows, "the installation stays: the workspace keeps its bot"
    assert all("U0001" not in str(value) for row in rows for value in row.values())
    assert {row["user_token"] for row in rows} == {None}
    # the bot still acts for the workspace with the installation's token
    reply = await oauth_world.slack.reply(
        await oauth_world.slack.command("/coffee", "status", "U0002")
    )
    assert "Colleagues met so far" in reply["text"]


async def test_a_workspace_that_has_not_installed_the_app_is_told_so(
    oauth_world: SlackWorld,
) -> None:
    """A signed slash command from a workspace with no installation runs nothing."""
    status, answer = await oauth_world.slack.post(
        "team_id=T0001&channel_id=C0001&user_id=U0002&command=%2Fcoffee&text=join"
        "&trigger_id=t&response_url=http%3A%2F%2F127.0.0.1%3A1%2Fr",
        "application/x-www-form-urlencoded",
    )
    assert status == 200 and json.loads(answer)["text"] == wording.NOT_INSTALLED
    await oauth_world.settle()
    async with oauth_world.warm.core.db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM members"))).scalar_one() == 0
    assert oauth_world.fake.calls == []
