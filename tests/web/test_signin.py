"""Signing in: one-time links from a slash command, the session cookie, and every refusal."""

from __future__ import annotations

from datetime import timedelta

from bot.signin import Role, SignIn, sign, unsign
from tests.conftest import World
from tests.web.conftest import Web, link_in, token_of


async def test_admin_signs_in_through_the_link_of_coffee_dashboard(web: Web) -> None:
    assert await web.sign_in("maya") == "/admin"
    cookie = web.client.session.cookie_jar.filter_cookies(web.client.make_url("/"))
    assert "warmintro_session" in cookie
    page = await web.client.get("/admin")
    assert page.status == 200
    assert "#coffee" in await page.text()


async def test_session_cookie_flags(web: Web) -> None:
    path = await web.link("maya")
    done = await web.client.post("/signin", data={"token": token_of(path)}, allow_redirects=False)
    header = done.headers["Set-Cookie"]
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Max-Age=28800" in header  # 8 hours
    assert "Secure" not in header  # the public URL is plain http here


async def test_cookie_is_secure_when_the_public_url_is_https(world: World) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from adapters.web.site import Dashboard, dashboard_app

    world.settings.public_url = "https://coffee.example.org/"
    await world.program()
    dashboard = Dashboard(world.settings)
    dashboard.register(world.app)
    reply = await world.coffee("maya", "dashboard")
    assert "https://coffee.example.org/signin?token=" in reply.text
    async with TestClient(TestServer(dashboard_app(dashboard))) as client:
        done = await client.post(
            "/signin", data={"token": token_of(link_in(reply))}, allow_redirects=False
        )
        assert done.status == 303
        assert "Secure" in done.headers["Set-Cookie"]


async def test_the_landing_page_does_not_use_the_link_up(web: Web) -> None:
    """Link previews fetch with GET: only the button (a POST) signs in."""
    path = await web.link("maya")
    for _ in range(3):
        assert (await web.client.get(path)).status == 200
    done = await web.client.post("/signin", data={"token": token_of(path)}, allow_redirects=False)
    assert done.status == 303


async def test_a_used_link_is_refused(web: Web) -> None:
    path = await web.link("maya")
    first = await web.client.post("/signin", data={"token": token_of(path)}, allow_redirects=False)
    assert first.status == 303
    web.client.session.cookie_jar.clear()
    again = await web.client.post("/signin", data={"token": token_of(path)}, allow_redirects=False)
    assert again.status == 403
    assert "already used" in await again.text()
    assert "warmintro_session" not in again.cookies


async def test_an_expired_link_is_refused(web: Web) -> None:
    path = await web.link("maya")
    web.world.clock.advance(timedelta(minutes=10, seconds=1))
    done = await web.client.post("/signin", data={"token": token_of(path)}, allow_redirects=False)
    assert done.status == 403
    assert "expired" in await done.text()


async def test_a_link_still_works_just_before_ten_minutes(web: Web) -> None:
    path = await web.link("maya")
    web.world.clock.advance(timedelta(minutes=9, seconds=50))
    done = await web.client.post("/signin", data={"token": token_of(path)}, allow_redirects=False)
    assert done.status == 303


async def test_a_tampered_link_is_refused(web: Web) -> None:
    token = token_of(await web.link("maya"))
    body, mac = token.split(".")
    key = await SignIn(web.world.app.core).key()
    payload = unsign(key, "link", token)
    assert payload is not None and payload["u"] == "maya"
    # Someone else's name in the same signature, a flipped signature, garbage: all 400.
    forged = sign(b"not the key", "link", {**payload, "u": "li"})
    for bad in (forged, f"{body}.{mac[:-1]}{'0' if mac[-1] != '0' else '1'}", "nonsense", ""):
        done = await web.client.post("/signin", data={"token": bad}, allow_redirects=False)
        assert done.status == 400, bad
        assert 'data-reason="bad-link"' in await done.text()
    # The real link still works afterwards.
    ok = await web.client.post("/signin", data={"token": token}, allow_redirects=False)
    assert ok.status == 303


async def test_a_link_is_bound_to_its_workspace_row(web: Web) -> None:
    """The link's id is only redeemable in the workspace it was issued for."""
    core = web.world.app.core
    signin = SignIn(core)
    url = await signin.issue(web.world.actor("maya"), Role.ADMIN)
    payload = unsign(await signin.key(), "link", token_of(url))
    assert payload is not None
    async with core.uow() as uow:
        await core.workspace(uow, "elsewhere")
    moved = sign(await signin.key(), "link", {**payload, "w": "elsewhere"})
    done = await web.client.post("/signin", data={"token": moved}, allow_redirects=False)
    assert done.status == 403  # no such link in that workspace: refused as used


async def test_a_tampered_cookie_is_refused_and_cleared(web: Web) -> None:
    await web.sign_in("maya")
    jar = web.client.session.cookie_jar
    value = jar.filter_cookies(web.client.make_url("/"))["warmintro_session"].value
    body, mac = value.split(".")
    tampered = f"{body[:-2]}aa.{mac}" if not body.endswith("aa") else f"{body[:-2]}bb.{mac}"
    jar.clear()
    jar.update_cookies({"warmintro_session": tampered})
    page = await web.client.get("/admin")
    assert page.status == 400
    assert 'data-reason="bad-session"' in await page.text()
    assert page.cookies["warmintro_session"].value == ""


async def test_a_member_cookie_edited_to_admin_is_refused(web: Web) -> None:
    await web.sign_in("li", "me")
    jar = web.client.session.cookie_jar
    value = jar.filter_cookies(web.client.make_url("/"))["warmintro_session"].value
    key = await SignIn(web.world.app.core).key()
    payload = unsign(key, "session", value)
    assert payload is not None and payload["r"] == "member"
    forged = sign(b"guessed", "session", {**payload, "r": "admin"})
    jar.clear()
    jar.update_cookies({"warmintro_session": forged})
    assert (await web.client.get("/admin")).status == 400


async def test_the_session_ends_after_eight_hours(web: Web) -> None:
    await web.sign_in("maya")
    web.world.clock.advance(timedelta(hours=7, minutes=59))
    assert (await web.client.get("/me")).status == 200
    web.world.clock.advance(timedelta(minutes=2))
    page = await web.client.get("/me")
    assert page.status == 403
    assert "Your session has ended" in await page.text()


async def test_no_session_asks_to_sign_in(web: Web) -> None:
    for path in ("/admin", "/me", "/admin/programs/1", "/"):
        page = await web.client.get(path)
        assert page.status == 401, path
        assert "/coffee dashboard" in await page.text()


async def test_only_program_admins_get_a_dashboard_link(web: Web) -> None:
    reply = await web.world.coffee("li", "dashboard")
    assert not reply.ok
    assert "for program admins" in reply.text
    assert "/signin" not in reply.text
    assert "/coffee me" in reply.text


async def test_whoever_added_the_bot_runs_its_program(web: Web) -> None:
    """Not a workspace admin, but added the bot to a channel: a program admin."""
    await web.world.app.bot_added(web.world.workspace, "kudos", "li")
    reply = await web.world.coffee("li", "dashboard", channel="kudos")
    assert reply.ok and "/signin?token=" in reply.text


async def test_a_member_opening_an_admin_page_is_refused(web: Web) -> None:
    assert await web.sign_in("li", "me") == "/me"
    assert (await web.client.get("/me")).status == 200
    for path in ("/admin", "/admin/programs/1", "/admin/programs/1/settings",
                 "/admin/programs/1/rounds.csv", "/admin/programs/1/start"):  # fmt: skip
        page = await web.client.get(path)
        assert page.status == 403, path
        assert "for program admins" in await page.text()


async def test_links_survive_a_restart(web: Web) -> None:
    """The generated key is kept in the database: a new process accepts the old link."""
    path = await web.link("maya")
    fresh = web.world.fresh_app()
    identity = await SignIn(fresh.core).redeem(token_of(path))
    assert not isinstance(identity, str)
    assert identity.user_id == "maya" and identity.role is Role.ADMIN


async def test_the_configured_secret_key_signs(world: World) -> None:
    world.settings.secret_key = "s3cret"
    signin = SignIn(world.app.core)
    assert await signin.key() == b"s3cret"
    async with world.db.session() as session:
        from sqlalchemy import text

        rows = (await session.execute(text("SELECT count(*) FROM web_secrets"))).scalar_one()
    assert rows == 0


async def test_console_dashboard_prints_a_link(world: World) -> None:
    from adapters.console.session import ConsoleSession

    await world.program()
    lines: list[str] = []
    session = ConsoleSession(world.app, world.platform, world.clock.advance, lines.append)
    await session.handle("/dashboard")
    assert any("/signin?token=" in line for line in lines), lines


async def test_sign_in_posted_from_another_site_is_refused(web: Web) -> None:
    path = await web.link("maya")
    token = token_of(path)
    evil = await web.client.post(
        "/signin", data={"token": token}, headers={"Origin": "https://evil.example"},
        allow_redirects=False,
    )  # fmt: skip
    assert evil.status == 400
    public = web.world.settings.web_address()
    ok = await web.client.post(
        "/signin", data={"token": token}, headers={"Origin": public}, allow_redirects=False
    )
    assert ok.status == 303  # the public address (a reverse proxy's) is this site
