"""The program page and the overview show `/coffee stats`'s quiet members, over HTTP, and the
figure follows a ghost question's answer at once."""

from __future__ import annotations

from sqlalchemy import select

from bot.wording import insights as words
from storage.models import Program
from tests.insights.html_data import Elements
from tests.insights.quiet import quiet_in_db, round_where_all_but, stats_quiet
from tests.web.conftest import Web


async def _shown(web: Web, pid: int) -> tuple[int, int, int]:
    """(the page's tile, the participation chart's figure, the overview's cell), signed in
    afresh (the fake clock moves by weeks: a session would have ended)."""
    await web.sign_in("maya")
    page = await web.client.get(f"/admin/programs/{pid}")
    assert page.status == 200
    text = await page.text()
    tile = Elements(text).data("div")["quiet"]
    chart = Elements(text).data("li")[words.QUIET_MEMBERS]
    overview = await web.client.get("/admin")
    assert overview.status == 200
    cell = Elements(await overview.text()).data("td")["quiet"]
    return int(tile), int(chart), int(cell)


async def test_dashboard_quiet_members_equal_coffee_stats(web: Web) -> None:
    w = web.world
    async with w.db.session() as s:
        pid = (await s.execute(select(Program.id))).scalar_one()
    for days in (3, 7, 7):
        await round_where_all_but(w, {"sam"}, days=days)
    assert await _shown(web, pid) == (0, 0, 0)
    await round_where_all_but(w, {"sam"})  # round 4: sam is asked
    stats = stats_quiet((await w.coffee("maya", "stats")).text)
    raw = await quiet_in_db(w, pid, w.clock.now())
    assert await _shown(web, pid) == (stats, stats, stats) == (raw, raw, raw) == (1, 1, 1)
    reply = await w.press("sam", "Keep me in")
    assert reply.ok, reply.text
    assert await _shown(web, pid) == (0, 0, 0)
    assert stats_quiet((await w.coffee("maya", "stats")).text) == 0
