"""Joins, leaves and members per round come from the membership history
(`membership_periods`): a member who leaves and comes back shows a join, a leave and a join in
the rounds they happened in, and the dashboard's figures equal counts over raw rows, also when
they are kept between page views (closed rounds)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.insights import program_figures, round_csv
from storage.models import Program
from tests.conftest import World
from tests.insights.history import rows
from tests.insights.quiet import _aware, round_where_all_but

FOUR = ["maya", "li", "sam", "ana"]


async def _program_id(w: World) -> int:
    async with w.db.session() as s:
        return (await s.execute(select(Program.id))).scalar_one()


async def per_round_in_db(w: World, pid: int) -> tuple[list[int], list[int], list[int]]:
    """(members at each round's start, joins, leaves per round) over raw period rows: a join
    in round r started in [start of r, start of r+1) (the first round also takes earlier
    ones, the last one all later ones); leaves likewise by left_at."""
    periods = [
        (_aware(j), _aware(lft) if lft else None)
        for j, lft in await rows(
            w, "SELECT joined_at, left_at FROM membership_periods WHERE program_id = :p", p=pid
        )
    ]
    starts: list[datetime] = [
        _aware(s)
        for (s,) in await rows(
            w, "SELECT started_at FROM rounds WHERE program_id = :p ORDER BY number", p=pid
        )
    ]

    def index(moment: datetime) -> int:
        i = 0
        for k, start in enumerate(starts):
            if moment >= start:
                i = k
        return i

    members = [sum(1 for j, lft in periods if j <= s and (lft is None or lft > s)) for s in starts]
    joins = [0] * len(starts)
    leaves = [0] * len(starts)
    for j, lft in periods:
        joins[index(j)] += 1
        if lft is not None:
            leaves[index(lft)] += 1
    return members, joins, leaves


async def shown(w: World, pid: int) -> tuple[list[int], list[int], list[int]]:
    """The dashboard's (members, joins, leaves) per round, checked against the raw rows and
    against the CSV export."""
    fig = await program_figures(w.app.core, w.workspace, pid)
    figures = (
        [r.members for r in fig.rounds],
        [r.joins for r in fig.rounds],
        [r.leaves for r in fig.rounds],
    )
    assert figures == await per_round_in_db(w, pid)
    table = list(csv.DictReader(io.StringIO(await round_csv(w.app.core, w.workspace, pid))))
    assert [int(r["joins"]) for r in table] == figures[1]
    assert [int(r["leaves"]) for r in table] == figures[2]
    return figures


async def test_leave_and_rejoin_show_in_their_rounds(any_world: World) -> None:
    w = any_world
    await w.program(FOUR)
    pid = await _program_id(w)
    await round_where_all_but(w, set(), days=3)  # round 1: the four
    assert await shown(w, pid) == ([4], [4], [0])
    assert (await w.coffee("li", "leave")).ok  # during round 1
    await round_where_all_but(w, {"li"})  # round 2: without li
    assert await shown(w, pid) == ([4, 3], [4, 0], [1, 0])
    assert (await w.coffee("li", "join")).ok  # back during round 2
    await round_where_all_but(w, set())  # round 3
    assert await shown(w, pid) == ([4, 3, 4], [4, 1, 0], [1, 0, 0])
    # Channel events: sam is removed from the channel and added again during round 3.
    await w.app.member_left(w.workspace, "coffee", "sam")
    await w.settle()
    assert await shown(w, pid) == ([4, 3, 4], [4, 1, 0], [1, 0, 1])
    await w.advance(timedelta(days=1))
    await w.app.member_joined(w.workspace, "coffee", "sam")
    await w.settle()
    assert await shown(w, pid) == ([4, 3, 4], [4, 1, 1], [1, 0, 1])
    await round_where_all_but(w, set())  # round 4: all four again
    assert await shown(w, pid) == ([4, 3, 4, 4], [4, 1, 1, 0], [1, 0, 1, 0])

    periods = await rows(
        w,
        "SELECT m.external_id, count(*), count(p.left_at) FROM membership_periods p "
        "JOIN members m ON m.id = p.member_id WHERE p.program_id = :p GROUP BY m.external_id",
        p=pid,
    )
    assert sorted(tuple(r) for r in periods) == [
        ("ana", 1, 0),
        ("li", 2, 1),
        ("maya", 1, 0),
        ("sam", 2, 1),
    ]
    # The membership row holds the latest period; each has exactly one open period.
    current = await rows(
        w,
        "SELECT count(*) FROM memberships ms JOIN membership_periods p "
        "ON p.program_id = ms.program_id AND p.member_id = ms.member_id "
        "AND p.joined_at = ms.joined_at AND p.left_at IS NULL "
        "WHERE ms.program_id = :p AND ms.left_at IS NULL",
        p=pid,
    )
    assert current[0][0] == 4
