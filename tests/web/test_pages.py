"""The dashboard's pages and forms: settings, pause, start now, preview, a member's own page,
download my data, forget me; and the refusals (404 across workspaces, CSRF, CSP)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from storage.models import Member, Program, Round
from tests.web.conftest import Web


async def _program_id(web: Web, channel: str = "coffee") -> int:
    async with web.world.db.session() as session:
        return (
            await session.execute(select(Program.id).where(Program.channel_id == channel))
        ).scalar_one()


async def _program(web: Web) -> Program:
    async with web.world.db.session() as session:
        return (await session.execute(select(Program))).scalars().first()  # type: ignore[return-value]


async def test_every_page_sends_a_strict_csp_and_no_inline_script(web: Web) -> None:
    await web.sign_in("maya")
    pid = await _program_id(web)
    for path in (f"/admin/programs/{pid}/settings", f"/admin/programs/{pid}/start", "/me",
                 "/me/forget", f"/admin/programs/{pid}/preview"):  # fmt: skip
        page = await web.client.get(path)
        assert page.status == 200, path
        csp = page.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert "<script" not in (await page.text()).lower()


async def test_a_program_of_another_workspace_is_404(web: Web) -> None:
    await web.world.app.bot_added("other-company", "their-coffee", "boss")
    theirs = await _program_id(web, "their-coffee")
    await web.sign_in("maya")
    for path in (f"/admin/programs/{theirs}", f"/admin/programs/{theirs}/settings",
                 f"/admin/programs/{theirs}/preview", f"/admin/programs/{theirs}/rounds.csv",
                 f"/admin/programs/{theirs}/start", "/admin/programs/987654"):  # fmt: skip
        page = await web.client.get(path)
        assert page.status == 404, path
        assert 'data-reason="not-found"' in await page.text()
    csrf = await web.csrf("/me")
    posted = await web.client.post(
        f"/admin/programs/{theirs}/active", data={"csrf": csrf, "active": "off"}
    )
    assert posted.status == 404
    async with web.world.db.session() as session:
        assert (await session.get(Program, theirs)).active  # type: ignore[union-attr]


async def test_settings_form_saves_and_coffee_config_shows_it(web: Web) -> None:
    await web.sign_in("maya")
    pid = await _program_id(web)
    page = await web.client.get(f"/admin/programs/{pid}/settings")
    text = await page.text()
    from bot.dashboard import SETTING_KEYS

    assert {"cadence", "size", "rule.different_team", "weight.repeat_decay"} <= set(SETTING_KEYS)
    for key in SETTING_KEYS:
        assert f'name="{key}"' in text, key
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', text).group(1)  # type: ignore[union-attr]
    saved = await web.client.post(
        f"/admin/programs/{pid}/settings",
        data={"csrf": csrf, "cadence": "biweekly", "day": "thursday", "time": "14:30",
              "size": "3", "weight.cross_team": "2.5", "purpose": "Meet <b>someone</b> new"},
    )  # fmt: skip
    assert saved.status == 200
    body = await saved.text()
    assert 'id="saved"' in body
    assert "Meet &lt;b&gt;someone&lt;/b&gt; new" in body  # escaped in the form
    config = (await web.world.coffee("maya", "config")).text
    assert "biweekly" in config and "thursday" in config and "14:30" in config
    assert "weight.cross_team: 2.5" in config.replace("*", "").replace("`", "")
    assert "size: 3" in config.replace("*", "").replace("`", "")


async def test_one_bad_setting_saves_nothing_and_says_why(web: Web) -> None:
    await web.sign_in("maya")
    pid = await _program_id(web)
    before = await web.world.snapshot()
    csrf = await web.csrf(f"/admin/programs/{pid}/settings")
    answer = await web.client.post(
        f"/admin/programs/{pid}/settings",
        data={"csrf": csrf, "cadence": "monthly", "time": "25:00", "weight.give": "-1"},
    )
    assert answer.status == 400
    body = await answer.text()
    assert 'data-error="time"' in body and 'data-error="weight.give"' in body
    assert 'data-error="cadence"' not in body
    assert await web.world.snapshot() == before


async def test_forms_without_the_csrf_token_are_refused(web: Web) -> None:
    await web.sign_in("maya")
    pid = await _program_id(web)
    before = await web.world.snapshot()
    for data in ({"cadence": "monthly"}, {"cadence": "monthly", "csrf": "0" * 64}):
        answer = await web.client.post(f"/admin/programs/{pid}/settings", data=data)
        assert answer.status == 400
        assert 'data-reason="csrf"' in await answer.text()
    for path, data in ((f"/admin/programs/{pid}/active", {"active": "off"}),
                       (f"/admin/programs/{pid}/start", {"confirm": "yes"}),
                       ("/me/forget", {"confirm": "forget"}), ("/signout", {})):  # fmt: skip
        answer = await web.client.post(path, data=data)
        assert answer.status == 400, path
    assert await web.world.snapshot() == before


async def test_a_csrf_token_from_another_session_is_refused(web: Web) -> None:
    await web.sign_in("maya")
    pid = await _program_id(web)
    old = await web.csrf("/me")
    web.client.session.cookie_jar.clear()
    await web.sign_in("maya")
    answer = await web.client.post(
        f"/admin/programs/{pid}/active", data={"csrf": old, "active": "off"}
    )
    assert answer.status == 400
    assert (await _program(web)).active


async def test_pause_and_resume_the_program(web: Web) -> None:
    await web.sign_in("maya")
    pid = await _program_id(web)
    csrf = await web.csrf(f"/admin/programs/{pid}/settings")
    paused = await web.client.post(f"/admin/programs/{pid}/active",
                                   data={"csrf": csrf, "active": "off"})  # fmt: skip
    assert paused.status == 200
    assert not (await _program(web)).active
    assert "active: off" in (await web.world.coffee("maya", "config")).text.replace("*", "")
    resumed = await web.client.post(f"/admin/programs/{pid}/active",
                                    data={"csrf": csrf, "active": "on"})  # fmt: skip
    assert resumed.status == 200
    assert (await _program(web)).active


async def test_start_now_needs_its_confirmation(web: Web) -> None:
    await web.sign_in("maya")
    pid = await _program_id(web)
    csrf = await web.csrf(f"/admin/programs/{pid}/start")
    unconfirmed = await web.client.post(f"/admin/programs/{pid}/start", data={"csrf": csrf})
    assert unconfirmed.status == 400
    async with web.world.db.session() as session:
        assert (await session.execute(select(func.count(Round.id)))).scalar_one() == 0
    started = await web.client.post(
        f"/admin/programs/{pid}/start", data={"csrf": csrf, "confirm": "yes"}
    )
    assert started.status == 200, await started.text()
    await web.world.settle()
    async with web.world.db.session() as session:
        assert (await session.execute(select(func.count(Round.id)))).scalar_one() == 1
    assert web.world.intros()


async def test_the_start_form_sent_twice_starts_one_round(web: Web) -> None:
    await web.sign_in("maya")
    pid = await _program_id(web)
    page = await (await web.client.get(f"/admin/programs/{pid}/start")).text()
    assert 'name="round" value="1"' in page
    csrf = await web.csrf(f"/admin/programs/{pid}/start")
    form = {"csrf": csrf, "confirm": "yes", "round": "1"}
    first = await web.client.post(f"/admin/programs/{pid}/start", data=form)
    again = await web.client.post(f"/admin/programs/{pid}/start", data=form)  # resent
    assert first.status == 200 and again.status == 200
    assert "Round 1 has already started" in await again.text()
    await web.world.settle()
    async with web.world.db.session() as session:
        assert (await session.execute(select(func.count(Round.id)))).scalar_one() == 1


async def test_preview_shows_the_next_groups_without_saving(web: Web) -> None:
    await web.sign_in("maya")
    pid = await _program_id(web)
    before = await web.world.counts()
    page = await web.client.get(f"/admin/programs/{pid}/preview")
    assert page.status == 200
    text = await page.text()
    assert "Li Wei" in text or "Sam Okafor" in text  # people by name, not by id
    assert await web.world.counts() == before


async def test_my_page_shows_who_i_met_and_my_private_thanks(web: Web) -> None:
    world = web.world
    await world.coffee("maya", "match-now")
    await world.thanks("li", "<@maya> thanks for the climbing tips --private")
    await world.thanks("sam", "<@maya> great chat about jazz")
    await web.sign_in("maya", "me")
    page = await web.client.get("/me")
    text = await page.text()
    assert "thanks for the climbing tips" in text
    assert "great chat about jazz" in text
    assert 'data-public="false"' in text
    async with world.db.session() as session:
        found = await session.execute(select(Member).where(Member.external_id == "maya"))
        maya = found.scalar_one()
    data = await (await web.client.get("/me/data.json")).json()
    assert data["user_id"] == "maya"
    assert len(data["meetings"]) == 1 and data["meetings"][0]["with"]
    assert {n["text"] for n in data["thanks_received"]} == {
        "thanks for the climbing tips",
        "great chat about jazz",
    }
    assert maya.display_name == data["display_name"]


async def test_private_thanks_stay_off_other_members_pages(web: Web) -> None:
    await web.world.thanks("li", "<@maya> a secret thank-you --private")
    await web.sign_in("sam", "me")
    text = await (await web.client.get("/me")).text()
    assert "secret thank-you" not in text
    data = await (await web.client.get("/me/data.json")).json()
    assert "secret thank-you" not in json.dumps(data)


async def test_forget_me_from_the_web(web: Web) -> None:
    await web.sign_in("li", "me")
    csrf = await web.csrf("/me/forget")
    unconfirmed = await web.client.post("/me/forget", data={"csrf": csrf})
    assert unconfirmed.status == 400
    done = await web.client.post("/me/forget", data={"csrf": csrf, "confirm": "forget"})
    assert done.status == 200
    assert done.cookies["warmintro_session"].value == ""
    async with web.world.db.session() as session:
        gone = await session.execute(select(Member).where(Member.external_id == "li"))
        assert gone.scalar_one_or_none() is None


async def test_sign_out(web: Web) -> None:
    await web.sign_in("maya")
    csrf = await web.csrf("/me")
    out = await web.client.post("/signout", data={"csrf": csrf})
    assert out.status == 200
    assert (await web.client.get("/me")).status == 401


async def test_metrics_and_health_on_the_web_port(web: Web) -> None:
    metrics = await web.client.get("/metrics")
    assert metrics.status == 200
    assert "warmintro" in await metrics.text()
    assert (await (await web.client.get("/healthz")).json())["ok"] is True


async def test_expired_session_then_a_new_link_works(web: Web) -> None:
    await web.sign_in("maya", "me")
    web.world.clock.advance(timedelta(hours=9))
    assert (await web.client.get("/me")).status == 403
    assert await web.sign_in("maya", "me") == "/me"
    assert (await web.client.get("/me")).status == 200


async def test_member_edits_their_profile_on_their_page(web: Web) -> None:
    await web.sign_in("li", "me")
    csrf = await web.csrf("/me")
    saved = await web.client.post(
        "/me/profile",
        data={"csrf": csrf, "interests": "bouldering, <b>tea</b>", "offers": "figma",
              "wants": "rust", "team": "Design", "location": "Lisbon"},
    )  # fmt: skip
    assert saved.status == 200, await saved.text()
    text = await saved.text()
    assert 'id="answer"' in text and "&lt;/b" in text  # what they typed, escaped
    assert "<b>tea" not in text and "tea</b>" not in text
    status = (await web.world.coffee("li", "status")).text
    assert "bouldering" in status and "Lisbon" in status


async def test_member_pauses_and_skips_from_their_page(web: Web) -> None:
    await web.sign_in("li", "me")
    csrf = await web.csrf("/me")
    paused = await web.client.post("/me/action", data={"csrf": csrf, "do": "pause"})
    assert paused.status == 200
    assert 'id="resume-me"' in await paused.text()
    resumed = await web.client.post("/me/action", data={"csrf": csrf, "do": "resume"})
    assert 'id="pause-me"' in await resumed.text()
    skipped = await web.client.post("/me/action", data={"csrf": csrf, "do": "skip"})
    assert skipped.status == 200
    unknown = await web.client.post("/me/action", data={"csrf": csrf, "do": "delete-all"})
    assert unknown.status == 404
    refused = await web.client.post("/me/action", data={"do": "pause"})
    assert refused.status == 400
