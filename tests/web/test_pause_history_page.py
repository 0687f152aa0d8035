"""Pausing from one's own page writes the pause history the dashboard counts paused members
per round from, and the program page's participation chart shows it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.wording import insights as words
from storage.models import Member, PausePeriod, Program
from tests.insights.html_data import Elements
from tests.web.conftest import Web


async def test_pause_button_is_counted_in_the_next_round(web: Web) -> None:
    w = web.world
    await web.sign_in("li", "me")
    csrf = await web.csrf("/me")
    paused = await web.client.post("/me/action", data={"csrf": csrf, "do": "pause"})
    assert paused.status == 200 and 'id="resume-me"' in await paused.text()
    async with w.db.session() as s:
        li = (await s.execute(select(Member.id).where(Member.external_id == "li"))).scalar_one()
        (period,) = (await s.execute(select(PausePeriod))).scalars().all()
        assert period.member_id == li and period.started_at == w.clock.now()
        pid = (await s.execute(select(Program.id))).scalar_one()
    w.clock.advance(timedelta(minutes=5))
    assert (await w.coffee("maya", "match-now")).ok  # round 1: li paused at its start
    w.clock.advance(timedelta(minutes=5))
    await web.sign_in("li", "me")
    csrf = await web.csrf("/me")
    resumed = await web.client.post("/me/action", data={"csrf": csrf, "do": "resume"})
    assert 'id="pause-me"' in await resumed.text()
    async with w.db.session() as s:
        (period,) = (await s.execute(select(PausePeriod))).scalars().all()
        assert period.ended_at == w.clock.now()  # ended early, kept as history
    w.clock.advance(timedelta(days=8))
    assert (await w.coffee("maya", "match-now")).ok  # round 2: nobody paused
    await web.sign_in("maya")
    page = await web.client.get(f"/admin/programs/{pid}")
    assert page.status == 200
    points = Elements(await page.text()).data("circle")
    assert points[f"{words.round_label(1)} · {words.PAUSED_AT_START}"] == "1"
    assert points[f"{words.round_label(2)} · {words.PAUSED_AT_START}"] == "0"
