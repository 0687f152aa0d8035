"""What people typed (names, teams, interests, notes) can't become markup in a chart, and
extreme text (RTL tricks, control characters, lone surrogates, 10,000 characters) stays
bounded and encodable."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from adapters.web import charts
from bot.actions import CheckinAnswer
from bot.insights import (
    Edge,
    Gratitude,
    Interests,
    Meeting,
    MemberFigures,
    Network,
    Node,
    Participation,
    Period,
    ProfileView,
    ProgramFigures,
    ReceivedNote,
    RoundFigures,
    SkillGap,
    TagCount,
    TeamMatrix,
    WallNote,
    program_figures,
)
from tests.conftest import World
from tests.insights.history import (
    HOSTILE_NAME,
    HOSTILE_TAG,
    answer,
    build,
    rows,
)
from tests.insights.html_data import Elements

ALLOWED_TAGS = {
    "figure", "figcaption", "svg", "title", "desc", "g", "rect", "line", "polyline", "circle",
    "text", "details", "summary", "table", "caption", "thead", "tbody", "tr", "th", "td", "bdi",
    "ul", "li", "span", "p", "section", "h3", "blockquote", "time", "div",
}  # fmt: skip
T0 = datetime(2026, 11, 23, 10, tzinfo=UTC)
HUGE = "Ω" * 10_000
EXTREME = [
    HOSTILE_NAME,
    '"><img src=x onerror=alert(1)>',
    "</title><script>alert(1)</script>",
    "\u202egnp.exe \u2066isolate\u2069",
    "nul\x00byte bell\x07 esc\x1b[31m",
    "lone \ud800 surrogate",
    HUGE,
    "שלום עולם مرحبا",
    "&amp;lt;script&amp;gt;",
]


def render_all(fig: ProgramFigures) -> dict[str, str]:
    return {
        "participation": charts.participation_svg(fig),
        "rounds": charts.rounds_svg(fig),
        "connections": charts.connections_svg(fig),
        "heatmap": charts.heatmap_svg(fig),
        "network": charts.network_svg(fig, anonymise=False),
        "anonymous": charts.network_svg(fig, anonymise=True),
        "gratitude": charts.gratitude_svg(fig),
        "wall": charts.thanks_wall_html(fig),
        "interests": charts.interests_table(fig),
    }


def assert_inert(name: str, html: str) -> Elements:
    parsed = Elements(html)
    assert parsed.tags() <= ALLOWED_TAGS, (name, parsed.tags() - ALLOWED_TAGS)
    events = {a for a in parsed.attribute_names() if a.startswith("on")}
    assert not events, (name, events)
    assert "<script" not in html.lower() and "<img" not in html.lower(), name
    assert "javascript:" not in html.lower() and " style=" not in html, name
    html.encode("utf-8")  # no lone surrogate left
    assert not any(c in html for c in "\x00\x07\x1b\u202e\u2066"), name
    return parsed


def figures(names: list[str]) -> ProgramFigures:
    """Figures whose every piece of typed text is one of `names`."""
    nodes = tuple(
        Node(i, n, f"Person {i}", names[(i + 1) % len(names)], i + 1, (i % 5) / 5, (i % 3) / 3)
        for i, n in enumerate(names)
    )
    edges = tuple(Edge(i, i + 1, 1, i % 2 == 0) for i in range(len(names) - 1))
    rounds = tuple(
        RoundFigures(n, T0, T0, n == 3, 10, 2, 1, 0, 10, 5, 2, 1, 1, 1, 2, 2 * n, 1)
        for n in (1, 2, 3)
    )
    return ProgramFigures(
        program_id=1,
        channel_id=names[0],
        name=names[0],
        active=True,
        computed_at=T0,
        next_round_at=None,
        participation=Participation(10, 1, 1, 0, 2),
        rounds=rounds,
        pairs_met=6,
        teams=TeamMatrix(tuple(names), tuple(tuple(1 for _ in names) for _ in names)),
        network=Network(nodes, edges, len(nodes), len(edges), False),
        gratitude=Gratitude(
            2, 1, (Period("2026-11", 2),), (WallNote(1, T0, names[0], tuple(names), names[-1]),)
        ),
        interests=Interests(
            3,
            tuple(TagCount(n, 2) for n in names),
            tuple(TagCount(n, 1) for n in names),
            tuple(TagCount(n, 3) for n in names),
            tuple(SkillGap(n, 3, 1) for n in names),
        ),
    )


def test_extreme_text_is_escaped_and_bounded() -> None:
    fig = figures(EXTREME)
    for name, html in render_all(fig).items():
        parsed = assert_inert(name, html)
        # a 10,000-character name is cut (in labels, titles and text alike)
        assert HUGE not in html and "Ω" * (charts.LABEL_MAX + 1) not in html, name
        assert len(html) < 200_000, (name, len(html))
        labels = [a["data-label"] for _, a in parsed.elements if "data-label" in a]
        assert all(len(label) <= 2 * charts.LABEL_MAX + 3 for label in labels), name
    network = Elements(charts.network_svg(fig, anonymise=False))
    shown = {a["data-label"] for t, a in network.elements if t == "circle"}
    assert charts.clean(HOSTILE_NAME) in shown  # the hostile name is there, as text
    anonymous = Elements(charts.network_svg(fig, anonymise=True))
    labels = {a["data-label"] for t, a in anonymous.elements if t in ("circle", "line")}
    assert labels and all(label.startswith("Person ") for label in labels)


def test_member_page_text_is_escaped() -> None:
    fig = MemberFigures(
        member_id=1,
        user_id="u1",
        display_name=EXTREME[0],
        profile=ProfileView(None, None, None, (), (), (), None, None),
        paused=False,
        programs=(),
        meetings=tuple(
            Meeting(1, "coffee", i, T0, ((f"u{i}", n),), "met", None) for i, n in enumerate(EXTREME)
        ),
        people_met=len(EXTREME),
        thanks_received=tuple(
            ReceivedNote(i, T0, n, EXTREME[-1 - i], i % 2 == 0) for i, n in enumerate(EXTREME)
        ),
        thanks_given=0,
    )
    assert_inert("meetings", charts.member_meetings_html(fig))
    assert_inert("received", charts.member_thanks_html(fig))


async def test_hostile_profiles_through_the_bot(world: World) -> None:
    """A member whose name, team and interests are hostile, entered through the console
    platform and the bot's own join and interview flows."""
    h = await build(world, hostile=True)
    found = await rows(
        world,
        "SELECT gm.group_id FROM group_members gm JOIN members m ON m.id = gm.member_id "
        "WHERE m.external_id = 'mallory' ORDER BY gm.group_id",
    )
    assert found, "mallory was placed in a group"
    await answer(world, "mallory", found[0][0], CheckinAnswer.MET)
    fig = await program_figures(world.app.core, world.workspace, h.program_id)
    (node,) = [n for n in fig.network.nodes if n.name == HOSTILE_NAME]
    ((team,),) = await rows(
        world,
        "SELECT p.team FROM profiles p JOIN members m ON m.id = p.member_id "
        "WHERE m.external_id = 'mallory'",
    )
    assert node.team == team and "</b>" in team  # stored as typed (trimmed), markup and all
    assert any(t.tag == HOSTILE_TAG for t in fig.interests.interests)
    html = render_all(fig)
    for name, markup in html.items():
        assert_inert(name, markup)
    tags = Elements(html["interests"]).data("tr")
    assert HOSTILE_TAG in tags  # shown as text, not markup
    circles = Elements(html["network"]).data("circle")
    assert circles[charts.clean(HOSTILE_NAME)] == str(node.meetings)
    assert charts.clean(HOSTILE_NAME) not in html["anonymous"]
    cells = Elements(html["heatmap"]).data("rect")
    assert any(label.startswith(team + " × ") for label in cells)


def test_empty_and_missing_figures_render() -> None:
    fig = figures(["a", "b"])
    empty = replace(
        fig,
        rounds=(),
        teams=TeamMatrix((), ()),
        network=Network((), (), 0, 0, False),
        gratitude=Gratitude(0, 0, (), ()),
        interests=Interests(0, (), (), (), ()),
    )
    for name, html in render_all(empty).items():
        assert_inert(name, html)
