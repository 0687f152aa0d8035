"""The dashboard's figures equal what the database holds (counted independently, in SQL and
Python over raw rows), on a history built through the bot's own flows."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest

from adapters.web import charts
from bot.insights import (
    CSV_COLUMNS,
    NotFound,
    network,
    overview_figures,
    program_figures,
    round_csv,
)
from tests.conftest import World
from tests.insights.history import build, met_pairs, outcome_counts, rows, teams_of
from tests.insights.html_data import Elements, data_of
from tests.insights.quiet import quiet_in_db


async def test_figures_equal_the_database(any_world: World) -> None:
    w = any_world
    h = await build(w)
    fig = await program_figures(w.app.core, w.workspace, h.program_id)
    now = w.clock.now()

    # --- rounds: what each round's groups said ---
    said = await outcome_counts(w, h.program_id)
    assert [r.number for r in fig.rounds] == [1, 2, 3]
    assert fig.current is fig.rounds[-1] and fig.current.open
    for r in fig.rounds:
        expected = said[r.number]
        assert (r.met, r.scheduled, r.skipped, r.no_answer) == (
            expected["met"], expected["scheduled"], expected["skipped"], expected[None]
        )  # fmt: skip
        assert r.groups == sum(expected.values())
    assert sum(r.met for r in fig.rounds) >= 4  # the scenario's answers landed
    matched = dict(
        await rows(
            w,
            "SELECT r.number, count(*) FROM group_members gm JOIN groups g ON g.id = gm.group_id "
            "JOIN rounds r ON r.id = g.round_id WHERE r.program_id = :p GROUP BY r.number",
            p=h.program_id,
        )
    )
    assert {r.number: r.matched for r in fig.rounds} == matched

    # --- connections: distinct pairs, cumulative; team matrix; the graph ---
    pairs = await met_pairs(w, h.program_id)
    distinct = {(a, b) for _, a, b in pairs}
    assert fig.pairs_met == len(distinct) > 0
    for r in fig.rounds:
        assert r.pairs_so_far == len({(a, b) for n, a, b in pairs if n <= r.number})
    teams = await teams_of(w)
    by_team: Counter[tuple[str, str]] = Counter()
    for _, a, b in pairs:
        ta, tb = sorted((teams[a] or "", teams[b] or ""))
        by_team[(ta, tb)] += 1
    assert fig.teams.total == len(pairs)
    for (ta, tb), n in by_team.items():
        assert fig.teams.count(ta, tb) == n == fig.teams.count(tb, ta)
    assert fig.teams.cross_team == sum(n for (ta, tb), n in by_team.items() if ta != tb)

    met_groups = Counter(
        mid
        for (mid,) in await rows(
            w,
            "SELECT gm.member_id FROM group_members gm JOIN groups g ON g.id = gm.group_id "
            "JOIN rounds r ON r.id = g.round_id WHERE r.program_id = :p AND g.outcome = 'met'",
            p=h.program_id,
        )
    )
    net = fig.network
    assert not net.sampled and net.people == len(met_groups)
    assert {n.member_id: n.meetings for n in net.nodes} == dict(met_groups)
    times = Counter((a, b) for _, a, b in pairs)
    assert {(e.a, e.b): e.times for e in net.edges} == dict(times)
    for e in net.edges:
        assert e.cross_team == (teams[e.a] != teams[e.b])
    assert all(0 <= n.x <= 1 and 0 <= n.y <= 1 for n in net.nodes)
    assert len({n.label for n in net.nodes}) == len(net.nodes)

    # --- participation ---
    (members,) = await rows(
        w,
        "SELECT count(*) FROM memberships ms JOIN members m ON m.id = ms.member_id "
        "WHERE ms.program_id = :p AND ms.left_at IS NULL AND NOT m.is_bot",
        p=h.program_id,
    )
    paused = [
        until
        for (until,) in await rows(
            w,
            "SELECT pr.paused_until FROM profiles pr JOIN memberships ms "
            "ON ms.member_id = pr.member_id WHERE ms.program_id = :p AND ms.left_at IS NULL "
            "AND pr.paused_until IS NOT NULL",
            p=h.program_id,
        )
    ]
    (left,) = await rows(
        w, "SELECT count(*) FROM memberships WHERE program_id = :p AND left_at IS NOT NULL",
        p=h.program_id,
    )  # fmt: skip
    p = fig.participation
    assert (p.members, p.left) == (members[0], left[0]) and p.left == 1
    assert p.paused == len(paused) == 1 and str(paused[0]) > str(now.date())
    assert p.quiet == await quiet_in_db(w, h.program_id, now)
    all_joins = await rows(w, "SELECT count(*) FROM memberships WHERE program_id = :p",
                           p=h.program_id)  # fmt: skip
    assert sum(r.joins for r in fig.rounds) == all_joins[0][0]
    assert fig.rounds[0].joins == all_joins[0][0]  # the late joiner came during round 1
    assert [r.leaves for r in fig.rounds] == [0, 1, 0]
    assert fig.rounds[0].members == all_joins[0][0] - 1  # the late one joined after its start
    assert fig.rounds[2].members == all_joins[0][0] - 1  # the leaver is gone by round 3

    # --- gratitude: counts include private notes; the wall never does ---
    notes = await rows(
        w, "SELECT id, public, text FROM thanks_notes WHERE program_id = :p", p=h.program_id
    )
    g = fig.gratitude
    assert g.total == len(notes) == 3 and g.public == sum(1 for _, pub, _ in notes if pub)
    assert {n.note_id for n in g.wall} == {i for i, pub, _ in notes if pub}
    assert all(h.private_text not in n.text for n in g.wall)
    assert sum(m.count for m in g.per_month) == g.total == sum(r.thanks for r in fig.rounds)

    # --- interests of current members, counted once per person ---
    profiles = await rows(
        w,
        "SELECT pr.interests, pr.offers, pr.wants FROM profiles pr JOIN memberships ms "
        "ON ms.member_id = pr.member_id WHERE ms.program_id = :p AND ms.left_at IS NULL",
        p=h.program_id,
    )
    wanted, offered = Counter(), Counter()
    for _, offers, wants in profiles:
        wanted.update({t.casefold() for t in _json(wants)})
        offered.update({t.casefold() for t in _json(offers)})
    interests = Counter(t.casefold() for i, _, _ in profiles for t in set(_json(i)))
    assert fig.interests.people == len(profiles)
    assert all(interests[t.tag.casefold()] == t.count for t in fig.interests.interests)
    assert fig.interests.interests[0].count == max(interests.values())
    for gap in fig.interests.unmet:
        assert (gap.wanted, gap.offered) == (wanted[gap.skill], offered[gap.skill])
        assert gap.wanted > gap.offered
    assert len(fig.interests.unmet) == min(sum(1 for k, n in wanted.items() if n > offered[k]), 15)

    # --- the charts carry the same figures ---
    html = _all_charts(fig, anonymise=False)
    rounds_data = data_of(charts.rounds_svg(fig), "rect")
    for r in fig.rounds:
        assert rounds_data[f"Round {r.number} · met"] == str(said[r.number]["met"])
        assert rounds_data[f"Round {r.number} · no answer"] == str(said[r.number][None])
        assert rounds_data[f"Round {r.number} · couldn't"] == str(said[r.number]["skipped"])
    assert data_of(charts.rounds_svg(fig))["Current round · met"] == str(said[3]["met"])
    part = data_of(charts.participation_svg(fig))
    assert part["members"] == str(members[0]) and part["left the program"] == "1"
    assert [part[f"Round {r.number} · members"] for r in fig.rounds] == [
        str(r.members) for r in fig.rounds
    ]
    conn = data_of(charts.connections_svg(fig), "circle")
    assert conn["Round 3 · pairs so far"] == str(len(distinct))
    cells = data_of(charts.heatmap_svg(fig), "rect")
    for (ta, tb), n in by_team.items():
        assert cells[f"{ta or 'No team'} × {tb or 'No team'}"] == str(n)
    nodes = Elements(charts.network_svg(fig, anonymise=False))
    circles = [a for t, a in nodes.elements if t == "circle"]
    assert len(circles) == len(met_groups)
    lines = [a for t, a in nodes.elements if t == "line" and "wi-edge" in a.get("class", "")]
    assert len(lines) == len(times)
    crossing = sum(a["data-cross-team"] == "true" for a in lines)
    assert crossing == sum(e.cross_team for e in net.edges)
    months = data_of(charts.gratitude_svg(fig), "rect")
    assert {k: int(v) for k, v in months.items()} == {m.key: m.count for m in g.per_month}
    wall = Elements(charts.thanks_wall_html(fig))
    assert sorted(int(a["data-value"]) for t, a in wall.elements if t == "li") == sorted(
        i for i, pub, _ in notes if pub
    )
    assert "for the private chat" not in html
    tags = data_of(charts.interests_table(fig), "tr")
    for t in fig.interests.offers:
        assert tags[t.tag] == str(t.count)

    # --- the CSV: per-round figures, no names, no notes ---
    text = await round_csv(w.app.core, w.workspace, h.program_id)
    table = list(csv.DictReader(io.StringIO(text)))
    assert tuple(table[0]) == CSV_COLUMNS and len(table) == 3
    for line, r in zip(table, fig.rounds, strict=True):
        assert int(line["met"]) == said[r.number]["met"]
        assert int(line["no_answer"]) == said[r.number][None]
        assert int(line["pairs_so_far"]) == r.pairs_so_far
    names = [n for (n,) in await rows(w, "SELECT display_name FROM members")]
    assert not any(n in text for n in names)
    assert "chat" not in text and "cheers" not in text

    # --- the overview ---
    (summary,) = await overview_figures(w.app.core, w.workspace)
    assert summary.program_id == h.program_id and summary.members == members[0]
    assert summary.rounds == 3 and summary.groups == sum(r.groups for r in fig.rounds)
    assert summary.met == sum(r.met for r in fig.rounds)
    assert summary.pairs_met == len(distinct) and summary.thanks == 3


def _json(value: object) -> list[str]:
    import json

    return json.loads(value) if isinstance(value, str) else list(value or [])  # type: ignore[arg-type]


def _all_charts(fig: object, anonymise: bool) -> str:
    return "".join(
        [
            charts.participation_svg(fig),  # type: ignore[arg-type]
            charts.rounds_svg(fig),  # type: ignore[arg-type]
            charts.connections_svg(fig),  # type: ignore[arg-type]
            charts.heatmap_svg(fig),  # type: ignore[arg-type]
            charts.network_svg(fig, anonymise),  # type: ignore[arg-type]
            charts.gratitude_svg(fig),  # type: ignore[arg-type]
            charts.thanks_wall_html(fig),  # type: ignore[arg-type]
            charts.interests_table(fig),  # type: ignore[arg-type]
        ]
    )


async def test_large_networks_show_the_most_connected_and_say_so(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = await build(world)
    monkeypatch.setattr(network, "MAX_NODES", 4)
    fig = await program_figures(world.app.core, world.workspace, h.program_id)
    met_groups = Counter(
        mid
        for (mid,) in await rows(
            world,
            "SELECT gm.member_id FROM group_members gm JOIN groups g ON g.id = gm.group_id "
            "WHERE g.outcome = 'met'",
        )
    )
    top = sorted(met_groups.items(), key=lambda kv: (-kv[1], kv[0]))[:4]
    assert fig.network.sampled and fig.network.people == len(met_groups) > 4
    assert sorted(n.member_id for n in fig.network.nodes) == sorted(m for m, _ in top)
    shown = {n.member_id for n in fig.network.nodes}
    assert all(e.a in shown and e.b in shown for e in fig.network.edges)
    assert "Showing the 4 people with the most meetings" in charts.network_svg(fig, True)


async def test_anonymised_network_names_nobody(world: World) -> None:
    h = await build(world)
    fig = await program_figures(world.app.core, world.workspace, h.program_id)
    svg = charts.network_svg(fig, anonymise=True)
    names = [n for (n,) in await rows(world, "SELECT display_name FROM members")]
    assert fig.network.nodes and not any(n in svg for n in names)
    labels = {a["data-label"] for t, a in Elements(svg).elements if t == "circle"}
    assert labels == {n.label for n in fig.network.nodes}
    named = charts.network_svg(fig, anonymise=False)
    assert {a["data-label"] for t, a in Elements(named).elements if t == "circle"} == {
        n.name for n in fig.network.nodes
    }


async def test_another_workspace_or_a_bad_id_is_not_found(world: World) -> None:
    h = await build(world)
    core = world.app.core
    for workspace, program_id in [
        ("other-workspace", h.program_id),
        (world.workspace, h.program_id + 1),
        (world.workspace, "1 OR 1=1"),
        (world.workspace, "-1"),
        (world.workspace, "٣"),  # a digit, but not an ASCII one
        (world.workspace, "9" * 40),
    ]:
        with pytest.raises(NotFound):
            await program_figures(core, workspace, program_id)
        with pytest.raises(NotFound):
            await round_csv(core, workspace, program_id)
    assert await overview_figures(core, "other-workspace") == []
    fig = await program_figures(core, world.workspace, str(h.program_id))
    assert fig.program_id == h.program_id


async def test_a_program_without_rounds_renders_empty_states(world: World) -> None:
    await world.program(["maya", "li"])
    (pid,) = (await rows(world, "SELECT id FROM programs"))[0]
    fig = await program_figures(world.app.core, world.workspace, pid)
    assert fig.rounds == () and fig.current is None and fig.pairs_met == 0
    assert fig.participation.members == 2 and fig.network.nodes == ()
    html = _all_charts(fig, anonymise=False)
    assert html.count("Nothing to show yet.") >= 4
    assert (await round_csv(world.app.core, world.workspace, pid)).strip() == ",".join(CSV_COLUMNS)
