"""The dashboard's charts: pure functions from figures (`bot.insights`) to HTML fragments with
inline SVG. No JavaScript, no CDN, no inline styles (presentation attributes and classes only,
so a strict Content-Security-Policy holds).

Every bar, point, cell, node and edge carries `data-label` and `data-value` (browser tests read
the figures from them); every chart has a `<title>`, a `<desc>` and the same figures as a table
under it (a text fallback for screen readers and no-SVG readers). Names, teams, interests and
notes are what people typed: they go through `esc()` — HTML-escaped, control and bidi-override
characters removed, lone surrogates replaced, long text cut — and sit in `<bdi>` in HTML.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable, Sequence

from bot.insights import (
    Interests,
    MemberFigures,
    ProgramFigures,
    RoundFigures,
    SkillGap,
    TagCount,
)
from bot.wording import insights as words

logger = logging.getLogger(__name__)

LABEL_MAX = 200  # characters of a name kept in a data-label or a <title>
SHORT_MAX = 24  # characters of a name shown on an axis or beside a dot
NOTE_MAX = 2000  # characters of a thank-you note on the wall

WIDTH = 720
HEIGHT = 280
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 16, 20, 44

COLOURS = {
    "met": "#2e7d32",
    "scheduled": "#1565c0",
    "skipped": "#ef8f00",
    "no_answer": "#9e9e9e",
    "members": "#37474f",
    "paused": "#8d6e63",
    "joins": "#43a047",
    "leaves": "#e53935",
    "pairs": "#6a1b9a",
    "new_pairs": "#ce93d8",
    "notes": "#f9a825",
    "cross": "#ff6f00",
    "same": "#b0bec5",
    "rate": "#000000",
}
TEAM_COLOURS = (
    "#1f77b4",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
    "#ff7f0e",
)

# C0/C1 controls (but tab and newline), bidi embeddings/overrides/isolates, lone surrogates.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean(text: object, limit: int = LABEL_MAX) -> str:
    """Text people typed, safe to show: no control or bidi-override characters, no lone
    surrogates (they can't be encoded), at most `limit` characters (… when cut)."""
    value = _SURROGATE.sub("\ufffd", _UNSAFE.sub("", str(text)))
    return value if len(value) <= limit else value[: limit - 1] + "…"


def esc(text: object, limit: int = LABEL_MAX) -> str:
    """`clean` then HTML-escape (quotes too: safe in text and in attribute values)."""
    return html.escape(clean(text, limit), quote=True)


def _num(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _data(label: str, value: float | int | None) -> str:
    return f' data-label="{esc(label)}" data-value="{_num(value)}"'


def _team_label(team: str | None) -> str:
    return team if team else words.NO_TEAM


# --- frames -----------------------------------------------------------------------------------


def _svg(name: str, title: str, desc: str, body: str, height: int = HEIGHT) -> str:
    ident = f"wi-{name}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="wi-svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="sans-serif" font-size="11">'
        f'<title id="{ident}-title">{esc(title)}</title><desc id="{ident}-desc">{esc(desc)}</desc>'
        f"{body}</svg>"
    )


def _figure(name: str, title: str, svg: str, table: str, extra: str = "") -> str:
    return (
        f'<figure class="wi-chart wi-{name}" aria-label="{esc(title)}">'
        f"<figcaption>{esc(title)}</figcaption>{extra}{svg}"
        f"<details><summary>{esc(words.TABLE_FALLBACK)}</summary>{table}</details></figure>"
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td><bdi>{esc(c)}</bdi></td>" for c in row) + "</tr>" for row in rows
    )
    return f'<table class="wi-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _empty(name: str, title: str) -> str:
    return (
        f'<figure class="wi-chart wi-{name} wi-empty" aria-label="{esc(title)}">'
        f"<figcaption>{esc(title)}</figcaption><p>{esc(words.NO_DATA)}</p></figure>"
    )


class _Axes:
    """A plot area over rounds (x: one slot per round) and counts (y from 0 to `top`)."""

    def __init__(self, slots: int, top: float, height: int = HEIGHT) -> None:
        self.slots = max(slots, 1)
        self.top = top if top > 0 else 1
        self.height = height
        self.x0, self.x1 = PAD_LEFT, WIDTH - PAD_RIGHT
        self.y0, self.y1 = height - PAD_BOTTOM, PAD_TOP

    @property
    def slot(self) -> float:
        return (self.x1 - self.x0) / self.slots

    def x(self, i: int) -> float:
        return self.x0 + self.slot * (i + 0.5)

    def y(self, value: float) -> float:
        return self.y0 - (self.y0 - self.y1) * value / self.top

    def frame(self, labels: Sequence[str]) -> str:
        """Axes, a few y gridlines, and every k-th x label (at most ~16 shown)."""
        parts = [
            f'<line class="wi-axis" x1="{self.x0}" y1="{self.y0}" x2="{self.x1}" y2="{self.y0}" '
            f'stroke="#555"/>'
        ]
        for k in range(5):
            value = self.top * k / 4
            y = self.y(value)
            parts.append(
                f'<line class="wi-grid" x1="{self.x0}" y1="{y:.1f}" x2="{self.x1}" y2="{y:.1f}" '
                f'stroke="#e0e0e0"/><text x="{self.x0 - 4}" y="{y + 4:.1f}" text-anchor="end" '
                f'aria-hidden="true">{_tick(value)}</text>'
            )
        every = max(1, -(-len(labels) // 16))
        for i, label in enumerate(labels):
            if i % every == 0 or i == len(labels) - 1:
                parts.append(
                    f'<text x="{self.x(i):.1f}" y="{self.y0 + 14}" text-anchor="middle" '
                    f'aria-hidden="true">{esc(label, SHORT_MAX)}</text>'
                )
        return "".join(parts)


def _tick(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _legend(items: Sequence[tuple[str, str]], y: float) -> str:
    parts, x = [], PAD_LEFT
    for label, colour in items:
        parts.append(
            f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{y}">{esc(label)}</text>'
        )
        x += 24 + 7 * len(label)
    return f'<g class="wi-legend">{"".join(parts)}</g>'


def _round_labels(rounds: Sequence[RoundFigures]) -> list[str]:
    return [str(r.number) for r in rounds]


def _polyline(points: Sequence[tuple[float, float]], colour: str, cls: str) -> str:
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return (
        f'<polyline class="{cls}" points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
    )


def _stats(items: Sequence[tuple[str, int | float | None, str]]) -> str:
    """Headline figures as a list: (label, value, shown text)."""
    cells = "".join(
        f'<li{_data(label, value)}><span class="wi-stat-value">{esc(shown)}</span> '
        f'<span class="wi-stat-label">{esc(label)}</span></li>'
        for label, value, shown in items
    )
    return f'<ul class="wi-stats">{cells}</ul>'


# --- participation ----------------------------------------------------------------------------


def participation_svg(fig: ProgramFigures) -> str:
    """Members and, of them, those paused at each round's start (lines), joins (up) and
    leaves (down) during it; the headline figures above (members, paused, left, quiet members,
    forgotten)."""
    p = fig.participation
    stats = _stats(
        [
            (words.MEMBERS, p.members, str(p.members)),
            (words.PAUSED, p.paused, str(p.paused)),
            (words.LEFT_PROGRAM, p.left, str(p.left)),
            (words.QUIET_MEMBERS, p.quiet, str(p.quiet)),
            (words.FORGOTTEN, p.forgotten, str(p.forgotten)),
        ]
    )
    rounds = fig.rounds
    if not rounds:
        return _figure(
            "participation",
            words.PARTICIPATION_TITLE,
            "",
            _table([words.ROUND], []),
            stats + f"<p>{esc(words.NO_DATA)}</p>",
        )
    top = max(max(r.members for r in rounds), max(r.joins for r in rounds), 1)
    ax = _Axes(len(rounds), top)
    bar_w = max(ax.slot * 0.3, 1.0)
    parts = [ax.frame(_round_labels(rounds))]
    for i, r in enumerate(rounds):
        label = words.round_label(r.number)
        x = ax.x(i)
        hj = ax.y0 - ax.y(r.joins)
        parts.append(
            f'<rect class="wi-bar wi-joins" x="{x - bar_w:.1f}" y="{ax.y0 - hj:.1f}" '
            f'width="{bar_w:.1f}" height="{hj:.1f}" fill="{COLOURS["joins"]}"'
            f"{_data(f'{label} · {words.JOINS}', r.joins)}><title>{esc(label)}: {r.joins} "
            f"{esc(words.JOINS)}</title></rect>"
        )
        hl = ax.y0 - ax.y(r.leaves)
        parts.append(
            f'<rect class="wi-bar wi-leaves" x="{x:.1f}" y="{ax.y0 - hl:.1f}" '
            f'width="{bar_w:.1f}" height="{hl:.1f}" fill="{COLOURS["leaves"]}"'
            f"{_data(f'{label} · {words.LEAVES}', r.leaves)}><title>{esc(label)}: {r.leaves} "
            f"{esc(words.LEAVES)}</title></rect>"
        )
    for key, name in (("members", words.MEMBERS), ("paused", words.PAUSED_AT_START)):
        points = [(ax.x(i), ax.y(getattr(r, key))) for i, r in enumerate(rounds)]
        parts.append(_polyline(points, COLOURS[key], f"wi-line wi-{key}"))
        for (x, y), r in zip(points, rounds, strict=True):
            label = f"{words.round_label(r.number)} · {name}"
            value = getattr(r, key)
            parts.append(
                f'<circle class="wi-point wi-{key}" cx="{x:.1f}" cy="{y:.1f}" r="3" '
                f'fill="{COLOURS[key]}"{_data(label, value)}>'
                f"<title>{esc(label)}: {value}</title></circle>"
            )
    parts.append(
        _legend(
            [
                (words.MEMBERS, COLOURS["members"]),
                (words.PAUSED_AT_START, COLOURS["paused"]),
                (words.JOINS, COLOURS["joins"]),
                (words.LEAVES, COLOURS["leaves"]),
            ],
            HEIGHT - 8,
        )
    )
    svg = _svg("participation", words.PARTICIPATION_TITLE, words.PARTICIPATION_DESC, "".join(parts))
    table = _table(
        [
            words.ROUND,
            words.MEMBERS,
            words.PAUSED_AT_START,
            words.JOINS,
            words.LEAVES,
            words.MATCHED,
        ],
        [(r.number, r.members, r.paused, r.joins, r.leaves, r.matched) for r in rounds],
    )
    return _figure("participation", words.PARTICIPATION_TITLE, svg, table, stats)


# --- rounds -----------------------------------------------------------------------------------

_OUTCOMES = ("met", "scheduled", "skipped", "no_answer")


def _outcome(r: RoundFigures, key: str) -> int:
    return int(getattr(r, key))


def rounds_svg(fig: ProgramFigures) -> str:
    """Groups per round stacked by what they said, the met rate as a line (the trend), and the
    current round's progress above."""
    rounds = fig.rounds
    if not rounds:
        return _empty("rounds", words.ROUNDS_TITLE)
    top = max(max(r.groups for r in rounds), 1)
    ax = _Axes(len(rounds), top)
    bar_w = max(ax.slot * 0.7, 1.0)
    parts = [ax.frame(_round_labels(rounds))]
    for i, r in enumerate(rounds):
        base = 0
        for key in _OUTCOMES:
            n = _outcome(r, key)
            label = f"{words.round_label(r.number)} · {words.OUTCOME_LABELS[key]}"
            y_top, y_bottom = ax.y(base + n), ax.y(base)
            parts.append(
                f'<rect class="wi-bar wi-{key}" x="{ax.x(i) - bar_w / 2:.1f}" y="{y_top:.1f}" '
                f'width="{bar_w:.1f}" height="{y_bottom - y_top:.1f}" fill="{COLOURS[key]}"'
                f"{_data(label, n)}><title>{esc(label)}: {n}</title></rect>"
            )
            base += n
    rated = [(i, r) for i, r in enumerate(rounds) if r.met_rate is not None]
    points = [(ax.x(i), ax.y(top * (r.met_rate or 0.0))) for i, r in rated]
    if points:
        parts.append(_polyline(points, COLOURS["rate"], "wi-line wi-met-rate"))
    for (x, y), (_, r) in zip(points, rated, strict=True):
        label = f"{words.round_label(r.number)} · {words.MET_RATE}"
        parts.append(
            f'<circle class="wi-point wi-met-rate" cx="{x:.1f}" cy="{y:.1f}" r="2.5" '
            f'fill="{COLOURS["rate"]}"{_data(label, r.met_rate)}>'
            f"<title>{esc(label)}: {_percent(r.met_rate)}</title></circle>"
        )
    legend = [(words.OUTCOME_LABELS[k], COLOURS[k]) for k in _OUTCOMES]
    parts.append(_legend([*legend, (words.MET_RATE, COLOURS["rate"])], HEIGHT - 8))
    svg = _svg("rounds", words.ROUNDS_TITLE, words.ROUNDS_DESC, "".join(parts))
    table = _table(
        [words.ROUND, words.GROUPS, *(words.OUTCOME_LABELS[k] for k in _OUTCOMES), words.MET_RATE],
        [
            (r.number, r.groups, *(_outcome(r, k) for k in _OUTCOMES), _percent(r.met_rate))
            for r in rounds
        ],
    )
    return _figure("rounds", words.ROUNDS_TITLE, svg, table, _current(fig))


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{round(100 * value)}%"


def _current(fig: ProgramFigures) -> str:
    """The open round's progress: one stacked bar of its groups by answer."""
    r = fig.current
    if r is None:
        return ""
    width, x = WIDTH - PAD_LEFT - PAD_RIGHT, float(PAD_LEFT)
    parts = []
    for key in _OUTCOMES:
        n = _outcome(r, key)
        w = width * n / r.groups if r.groups else 0.0
        label = f"{words.CURRENT_ROUND} · {words.OUTCOME_LABELS[key]}"
        parts.append(
            f'<rect class="wi-bar wi-current wi-{key}" x="{x:.1f}" y="22" width="{w:.1f}" '
            f'height="16" fill="{COLOURS[key]}"{_data(label, n)}><title>{esc(label)}: {n}'
            f"</title></rect>"
        )
        x += w
    text = words.current_progress(r.number, r.answered, r.groups)
    parts.append(f'<text x="{PAD_LEFT}" y="14">{esc(text)}</text>')
    ident = "wi-current"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="wi-svg wi-current" '
        f'viewBox="0 0 {WIDTH} 44" width="100%" role="img" aria-labelledby="{ident}-title" '
        f'font-family="sans-serif" font-size="11"><title id="{ident}-title">{esc(text)}</title>'
        f"{''.join(parts)}</svg>"
    )


# --- connections ------------------------------------------------------------------------------


def connections_svg(fig: ProgramFigures) -> str:
    """Distinct pairs who have met so far (line) and the new pairs of each round (bars)."""
    rounds = fig.rounds
    if not rounds:
        return _empty("connections", words.CONNECTIONS_TITLE)
    top = max(rounds[-1].pairs_so_far, 1)
    ax = _Axes(len(rounds), top)
    bar_w = max(ax.slot * 0.6, 1.0)
    parts = [ax.frame(_round_labels(rounds))]
    for i, r in enumerate(rounds):
        label = f"{words.round_label(r.number)} · {words.NEW_PAIRS}"
        y = ax.y(r.new_pairs)
        parts.append(
            f'<rect class="wi-bar wi-new-pairs" x="{ax.x(i) - bar_w / 2:.1f}" y="{y:.1f}" '
            f'width="{bar_w:.1f}" height="{ax.y0 - y:.1f}" fill="{COLOURS["new_pairs"]}"'
            f"{_data(label, r.new_pairs)}><title>{esc(label)}: {r.new_pairs}</title></rect>"
        )
    points = [(ax.x(i), ax.y(r.pairs_so_far)) for i, r in enumerate(rounds)]
    parts.append(_polyline(points, COLOURS["pairs"], "wi-line wi-pairs"))
    for (x, y), r in zip(points, rounds, strict=True):
        label = f"{words.round_label(r.number)} · {words.PAIRS_SO_FAR}"
        parts.append(
            f'<circle class="wi-point wi-pairs" cx="{x:.1f}" cy="{y:.1f}" r="3" '
            f'fill="{COLOURS["pairs"]}"{_data(label, r.pairs_so_far)}>'
            f"<title>{esc(label)}: {r.pairs_so_far}</title></circle>"
        )
    parts.append(
        _legend(
            [(words.PAIRS_SO_FAR, COLOURS["pairs"]), (words.NEW_PAIRS, COLOURS["new_pairs"])],
            HEIGHT - 8,
        )
    )
    svg = _svg("connections", words.CONNECTIONS_TITLE, words.CONNECTIONS_DESC, "".join(parts))
    table = _table(
        [words.ROUND, words.NEW_PAIRS, words.PAIRS_SO_FAR],
        [(r.number, r.new_pairs, r.pairs_so_far) for r in rounds],
    )
    stats = _stats([(words.PAIRS_MET, fig.pairs_met, f"{fig.pairs_met:,}")])
    return _figure("connections", words.CONNECTIONS_TITLE, svg, table, stats)


def heatmap_svg(fig: ProgramFigures) -> str:
    """Team × team meetings; a cell's shade grows with its count."""
    matrix = fig.teams
    n = len(matrix.teams)
    if n == 0:
        return _empty("heatmap", words.HEATMAP_TITLE)
    names = [_team_label(t) for t in matrix.teams]
    margin = 150
    cell = max(min((WIDTH - margin - PAD_RIGHT) / n, 48.0), 4.0)
    height = int(margin + cell * n + 12)
    peak = max((c for row in matrix.counts for c in row), default=0) or 1
    parts = []
    show_names = cell >= 10
    for i, name in enumerate(names):
        if show_names:
            y = margin + cell * (i + 0.5) + 4
            parts.append(
                f'<text x="{margin - 6}" y="{y:.1f}" text-anchor="end" unicode-bidi="isolate">'
                f"{esc(name, SHORT_MAX)}</text>"
            )
            x = margin + cell * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{margin - 6}" text-anchor="start" '
                f'transform="rotate(-45 {x:.1f} {margin - 6})" unicode-bidi="isolate">'
                f"{esc(name, SHORT_MAX)}</text>"
            )
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            count = matrix.counts[i][j]
            shade = count / peak
            label = f"{clean(a)} × {clean(b)}"
            parts.append(
                f'<rect class="wi-cell{" wi-diagonal" if i == j else ""}" '
                f'x="{margin + cell * j:.1f}" y="{margin + cell * i:.1f}" width="{cell:.1f}" '
                f'height="{cell:.1f}" fill="{_shade(shade)}" stroke="#fff"{_data(label, count)}>'
                f"<title>{esc(label)}: {count}</title></rect>"
            )
            if cell >= 28 and count:
                cx, cy = margin + cell * (j + 0.5), margin + cell * (i + 0.5) + 4
                parts.append(
                    f'<text x="{cx:.1f}" y="{cy:.1f}" '
                    f'text-anchor="middle" fill="{"#fff" if shade > 0.5 else "#000"}" '
                    f'aria-hidden="true">{count}</text>'
                )
    svg = _svg("heatmap", words.HEATMAP_TITLE, words.HEATMAP_DESC, "".join(parts), height)
    table = _table(["", *names], ([a, *matrix.counts[i]] for i, a in enumerate(names)))
    stats = _stats(
        [
            (words.MEETINGS, matrix.total, f"{matrix.total:,}"),
            (words.CROSS_TEAM_MEETINGS, matrix.cross_team, f"{matrix.cross_team:,}"),
        ]
    )
    return _figure("heatmap", words.HEATMAP_TITLE, svg, table, stats)


def _shade(fraction: float) -> str:
    """White to deep blue."""
    f = min(max(fraction, 0.0), 1.0)
    r, g, b = (int(255 + (t - 255) * f) for t in (21, 101, 192))
    return f"#{r:02x}{g:02x}{b:02x}"


def network_svg(fig: ProgramFigures, anonymise: bool) -> str:
    """Who has met whom: dots coloured by team, lines for pairs (across teams highlighted).
    `anonymise` shows "Person N" instead of names (no name anywhere in the output)."""
    net = fig.network
    if not net.nodes:
        return _empty("network", words.NETWORK_TITLE)
    size = 560
    scale = size - 20
    teams = sorted({(n.team or "").casefold() for n in net.nodes})
    colour = {t: TEAM_COLOURS[i % len(TEAM_COLOURS)] for i, t in enumerate(teams)}
    pos = {
        n.member_id: (10 + n.x * scale + (WIDTH - size) / 2, 10 + n.y * scale) for n in net.nodes
    }
    shown = {n.member_id: (n.label if anonymise else clean(n.name)) for n in net.nodes}
    peak = max((e.times for e in net.edges), default=1)
    parts = ['<g class="wi-edges">']
    for e in sorted(net.edges, key=lambda e: e.cross_team):  # cross-team lines on top
        (x1, y1), (x2, y2) = pos[e.a], pos[e.b]
        kind = "wi-cross" if e.cross_team else "wi-same"
        stroke = COLOURS["cross"] if e.cross_team else COLOURS["same"]
        width = 0.8 + 2.2 * e.times / peak
        label = f"{shown[e.a]} – {shown[e.b]}"
        parts.append(
            f'<line class="wi-edge {kind}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
            f'y2="{y2:.1f}" stroke="{stroke}" stroke-width="{width:.1f}"'
            f'{_data(label, e.times)} data-cross-team="{str(e.cross_team).lower()}">'
            f"<title>{esc(label)}: {e.times}</title></line>"
        )
    parts.append('</g><g class="wi-nodes">')
    few = len(net.nodes) <= 40
    for n in net.nodes:
        x, y = pos[n.member_id]
        team = _team_label(n.team)
        r = 3 + min(n.meetings, 20) * 0.25
        parts.append(
            f'<circle class="wi-node" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" '
            f'fill="{colour[(n.team or "").casefold()]}" stroke="#fff"'
            f'{_data(shown[n.member_id], n.meetings)} data-team="{esc(team)}">'
            f"<title>{esc(shown[n.member_id])} ({esc(team)}): {n.meetings}</title></circle>"
        )
        if few:
            parts.append(
                f'<text x="{x + r + 2:.1f}" y="{y + 4:.1f}" unicode-bidi="isolate" '
                f'aria-hidden="true">{esc(shown[n.member_id], SHORT_MAX)}</text>'
            )
    parts.append("</g>")
    parts.append(
        _legend(
            [(words.CROSS_TEAM, COLOURS["cross"]), (words.SAME_TEAM, COLOURS["same"])], size + 14
        )
    )
    svg = _svg("network", words.NETWORK_TITLE, words.NETWORK_DESC, "".join(parts), size + 24)
    notes = [words.network_totals(net.people, net.pairs, net.cross_team_edges)]
    if net.sampled:
        notes.insert(0, words.network_sample(len(net.nodes), net.people, net.pairs))
    extra = "".join(f'<p class="wi-note">{esc(t, 1000)}</p>' for t in notes)
    extra += _stats(
        [
            (words.PEOPLE_SHOWN, len(net.nodes), str(len(net.nodes))),
            (words.LINES_SHOWN, len(net.edges), str(len(net.edges))),
            (words.CROSS_TEAM, net.cross_team_edges, str(net.cross_team_edges)),
        ]
    )
    table = _table(
        [words.PERSON, words.TEAM, words.MEETINGS],
        [(shown[n.member_id], _team_label(n.team), n.meetings) for n in net.nodes],
    )
    return _figure("network", words.NETWORK_TITLE, svg, table, extra)


# --- gratitude --------------------------------------------------------------------------------


def gratitude_svg(fig: ProgramFigures) -> str:
    """Thank-you notes per month (all notes counted; none shown)."""
    months = fig.gratitude.per_month
    stats = _stats(
        [
            (words.NOTES, fig.gratitude.total, f"{fig.gratitude.total:,}"),
            (words.PUBLIC_NOTES, fig.gratitude.public, f"{fig.gratitude.public:,}"),
        ]
    )
    if not months:
        return _figure(
            "gratitude", words.GRATITUDE_TITLE, "", _table([words.MONTH, words.NOTES], []),
            stats + f"<p>{esc(words.NO_DATA)}</p>",
        )  # fmt: skip
    ax = _Axes(len(months), max(m.count for m in months))
    bar_w = max(ax.slot * 0.7, 1.0)
    parts = [ax.frame([m.key for m in months])]
    for i, m in enumerate(months):
        y = ax.y(m.count)
        parts.append(
            f'<rect class="wi-bar wi-notes" x="{ax.x(i) - bar_w / 2:.1f}" y="{y:.1f}" '
            f'width="{bar_w:.1f}" height="{ax.y0 - y:.1f}" fill="{COLOURS["notes"]}"'
            f"{_data(m.key, m.count)}><title>{esc(m.key)}: {m.count}</title></rect>"
        )
    svg = _svg("gratitude", words.GRATITUDE_TITLE, words.GRATITUDE_DESC, "".join(parts))
    table = _table([words.MONTH, words.NOTES], [(m.key, m.count) for m in months])
    return _figure("gratitude", words.GRATITUDE_TITLE, svg, table, stats)


def thanks_wall_html(fig: ProgramFigures) -> str:
    """The latest public notes (private notes are never in the figures)."""
    wall = fig.gratitude.wall
    if not wall:
        return (
            f'<section class="wi-wall" aria-label="{esc(words.WALL_TITLE)}">'
            f"<h3>{esc(words.WALL_TITLE)}</h3><p>{esc(words.WALL_EMPTY)}</p></section>"
        )
    items = []
    for note in wall:
        to = ", ".join(f"<bdi>{esc(r, SHORT_MAX * 4)}</bdi>" for r in note.recipients)
        items.append(
            f'<li class="wi-note"{_data(clean(note.author), note.note_id)}>'
            f'<blockquote><p dir="auto">{esc(note.text, NOTE_MAX)}</p></blockquote>'
            f"<p>{esc(words.WALL_FROM)} <bdi>{esc(note.author, SHORT_MAX * 4)}</bdi> "
            f"{esc(words.WALL_TO)} {to} · "
            f'<time datetime="{note.created_at.isoformat()}">'
            f"{note.created_at.date().isoformat()}</time></p></li>"
        )
    return (
        f'<section class="wi-wall" aria-label="{esc(words.WALL_TITLE)}">'
        f"<h3>{esc(words.WALL_TITLE)}</h3><ul>{''.join(items)}</ul></section>"
    )


# --- interests --------------------------------------------------------------------------------


def interests_table(fig: ProgramFigures | Interests) -> str:
    """The most common interests, skills offered and wanted, and the unmet wants."""
    data = fig.interests if isinstance(fig, ProgramFigures) else fig
    blocks = [
        _tag_table("interests", words.INTERESTS_TITLE, data.interests),
        _tag_table("offers", words.OFFERS_TITLE, data.offers),
        _tag_table("wants", words.WANTS_TITLE, data.wants),
        _unmet_table(data.unmet),
    ]
    return f'<section class="wi-interests">{"".join(blocks)}</section>'


def _tag_table(name: str, title: str, tags: Sequence[TagCount]) -> str:
    if not tags:
        return (
            f'<div class="wi-tags wi-{name}"><h3>{esc(title)}</h3><p>{esc(words.NO_DATA)}</p></div>'
        )
    peak = max(t.count for t in tags)
    rows = "".join(
        f'<tr class="wi-tag"{_data(clean(t.tag), t.count)}><td><bdi>{esc(t.tag)}</bdi></td>'
        f'<td>{t.count}</td><td aria-hidden="true"><svg xmlns="http://www.w3.org/2000/svg" '
        f'width="120" height="10" class="wi-spark"><rect width="{120 * t.count / peak:.1f}" '
        f'height="10" fill="#90caf9"/></svg></td></tr>'
        for t in tags
    )
    return (
        f'<div class="wi-tags wi-{name}"><table class="wi-table"><caption>{esc(title)}</caption>'
        f'<thead><tr><th scope="col">{esc(title)}</th><th scope="col">{esc(words.PEOPLE)}</th>'
        f'<th scope="col"></th></tr></thead><tbody>{rows}</tbody></table></div>'
    )


def _unmet_table(gaps: Sequence[SkillGap]) -> str:
    if not gaps:
        return (
            f'<div class="wi-tags wi-unmet"><h3>{esc(words.UNMET_TITLE)}</h3>'
            f"<p>{esc(words.NO_UNMET)}</p></div>"
        )
    rows = "".join(
        f'<tr class="wi-gap"{_data(clean(g.skill), g.wanted)} data-wanted="{g.wanted}" '
        f'data-offered="{g.offered}"><td><bdi>{esc(g.skill)}</bdi></td>'
        f"<td>{esc(words.unmet_want(g.wanted, g.offered))}</td></tr>"
        for g in gaps
    )
    return (
        f'<div class="wi-tags wi-unmet"><table class="wi-table"><caption>'
        f"{esc(words.UNMET_TITLE)}</caption><tbody>{rows}</tbody></table></div>"
    )


# --- a member's own page ----------------------------------------------------------------------


def member_meetings_html(fig: MemberFigures) -> str:
    """The member's groups, newest first: when, with whom, what the group said."""
    if not fig.meetings:
        return f'<section class="wi-meetings"><p>{esc(words.NO_MEETINGS)}</p></section>'
    rows = "".join(
        f'<tr class="wi-meeting"{_data(words.round_label(m.round_number), len(m.with_))}>'
        f'<td><time datetime="{m.started_at.isoformat()}">{m.started_at.date().isoformat()}'
        f"</time></td><td>#<bdi>{esc(m.channel_id, SHORT_MAX * 2)}</bdi></td>"
        f"<td>{esc(words.round_label(m.round_number))}</td>"
        f"<td>{', '.join(f'<bdi>{esc(name, SHORT_MAX * 4)}</bdi>' for _, name in m.with_)}</td>"
        f"<td>{esc(words.OUTCOME_LABELS.get(m.outcome or 'no_answer', m.outcome or ''))}</td></tr>"
        for m in fig.meetings
    )
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in words.MEETING_COLUMNS)
    return (
        f'<section class="wi-meetings"><table class="wi-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></section>"
    )


def member_thanks_html(fig: MemberFigures) -> str:
    """Thanks the member received, private ones marked (this page is only shown to them)."""
    if not fig.thanks_received:
        return f'<section class="wi-received"><p>{esc(words.NO_THANKS_RECEIVED)}</p></section>'
    items = "".join(
        f'<li class="wi-note{"" if n.public else " wi-private"}"'
        f'{_data(clean(n.author), n.note_id)} data-public="{str(n.public).lower()}">'
        f'<blockquote><p dir="auto">{esc(n.text, NOTE_MAX)}</p></blockquote>'
        f"<p>{esc(words.WALL_FROM)} <bdi>{esc(n.author, SHORT_MAX * 4)}</bdi> · "
        f'<time datetime="{n.created_at.isoformat()}">{n.created_at.date().isoformat()}</time>'
        f"{'' if n.public else ' · ' + esc(words.PRIVATE_NOTE)}</p></li>"
        for n in fig.thanks_received
    )
    return f'<section class="wi-received"><ul>{items}</ul></section>'
