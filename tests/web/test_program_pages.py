"""The organiser's figures pages over HTTP: overview, a program's charts (their data-values
against the database), the thank-you wall without private notes, anonymising, CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import func, select

from storage.models import Group, Membership, Program, Round
from tests.insights.html_data import Elements
from tests.web.conftest import Web


async def _history(web: Web) -> int:
    """Two rounds with answers and thanks (one private); returns the program id."""
    world = web.world
    await world.coffee("maya", "match-now")
    await world.press("li", "We met")
    await world.thanks("li", "<@maya> loved the chat about climbing")
    await world.thanks("sam", "<@maya> a private note just for you --private")
    world.clock.advance(timedelta(days=8))
    await world.coffee("maya", "match-now")
    async with world.db.session() as session:
        return (await session.execute(select(Program.id))).scalars().first()  # type: ignore[return-value]


async def test_overview_lists_only_my_workspaces_programs(web: Web) -> None:
    await web.world.app.bot_added("other-company", "their-coffee", "boss")
    await web.sign_in("maya")
    page = await web.client.get("/admin")
    assert page.status == 200
    text = await page.text()
    assert "#coffee" in text and "their-coffee" not in text
    members = Elements(text).data("td")
    async with web.world.db.session() as session:
        count = (
            await session.execute(
                select(func.count(Membership.id)).where(Membership.left_at.is_(None))
            )
        ).scalar_one()
    assert members["members"] == str(count)


async def test_program_page_figures_match_the_database(web: Web) -> None:
    pid = await _history(web)
    await web.sign_in("maya")
    page = await web.client.get(f"/admin/programs/{pid}")
    assert page.status == 200
    text = await page.text()
    tiles = Elements(text).data("div")
    async with web.world.db.session() as session:
        rounds = (await session.execute(select(func.count(Round.id)))).scalar_one()
        groups = (await session.execute(select(func.count(Group.id)))).scalar_one()
    assert tiles["rounds"] == str(rounds) == "2"
    assert int(tiles["members"]) == len(web.world.people())
    assert groups > 0
    for section in ("participation", "rounds", "connections", "heatmap", "network",
                    "gratitude", "interests"):  # fmt: skip
        assert f'id="{section}"' in text
    assert "loved the chat about climbing" in text  # the public wall
    assert "a private note just for you" not in text  # never on the admin's pages
    assert "<script" not in text.lower()


async def test_anonymised_network_shows_no_names(web: Web) -> None:
    pid = await _history(web)
    await web.sign_in("maya")
    named = await (await web.client.get(f"/admin/programs/{pid}")).text()
    anonymous = await (await web.client.get(f"/admin/programs/{pid}?anonymise=1")).text()
    network_named = named.split('id="network"')[1].split("</section>")[0]
    network_anon = anonymous.split('id="network"')[1].split("</section>")[0]
    assert "Li Wei" in network_named
    assert "Li Wei" not in network_anon and "Maya Patel" not in network_anon


async def test_csv_export_of_rounds(web: Web) -> None:
    pid = await _history(web)
    await web.sign_in("maya")
    answer = await web.client.get(f"/admin/programs/{pid}/rounds.csv")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await answer.text())))
    assert len(rows) == 2
    assert "loved the chat" not in await answer.text()  # figures only, no notes
