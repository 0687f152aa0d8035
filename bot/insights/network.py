"""The who-met-whom graph: its layout (rustworkx's spring layout, fixed seed) and a small cache.

Pure computation (no I/O). A layout depends only on the nodes and edges, so it is cached by
them: a dashboard reloaded between two check-ins reuses it.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence

import rustworkx as rx

from bot.insights.figures import Edge, Network, Node

logger = logging.getLogger(__name__)

# Larger programs show the people with the most meetings (and the pairs among them).
MAX_NODES = 150
LAYOUT_SEED = 12
_MARGIN = 0.04
_CACHE_SIZE = 64

_Key = tuple[tuple[int, ...], tuple[tuple[int, int, int], ...]]
_cache: OrderedDict[_Key, dict[int, tuple[float, float]]] = OrderedDict()
_lock = threading.Lock()


def layout(
    member_ids: Sequence[int], pairs: Sequence[tuple[int, int, int]]
) -> dict[int, tuple[float, float]]:
    """Positions in [0, 1]² for `member_ids`, from a spring layout over `pairs` (a, b, times):
    the same graph always gets the same picture."""
    key: _Key = (tuple(member_ids), tuple(pairs))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    positions = _spring(member_ids, pairs)
    with _lock:
        _cache[key] = positions
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return positions


def _spring(
    member_ids: Sequence[int], pairs: Sequence[tuple[int, int, int]]
) -> dict[int, tuple[float, float]]:
    if not member_ids:
        return {}
    if len(member_ids) == 1:
        return {member_ids[0]: (0.5, 0.5)}
    graph: rx.PyGraph = rx.PyGraph()
    index = {m: graph.add_node(m) for m in member_ids}
    for a, b, times in pairs:
        graph.add_edge(index[a], index[b], float(times))
    raw = rx.spring_layout(
        graph, seed=LAYOUT_SEED, num_iter=100, weight_fn=lambda w: w, default_weight=1.0
    )
    xs = [raw[i][0] for i in range(len(member_ids))]
    ys = [raw[i][1] for i in range(len(member_ids))]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    inner = 1 - 2 * _MARGIN
    return {
        m: (
            _MARGIN + inner * (xs[index[m]] - min(xs)) / span_x,
            _MARGIN + inner * (ys[index[m]] - min(ys)) / span_y,
        )
        for m in member_ids
    }


def build(
    top: Sequence[tuple[int, int]],
    people: dict[int, tuple[str, str | None]],
    pairs: Sequence[tuple[int, int, int]],
    total_people: int,
    total_pairs: int,
    label: str,
) -> Network:
    """The network of `top` [(member id, meetings)] and the `pairs` among them.

    `label` is the anonymised label's pattern ("Person {n}"): numbered by member id, so a
    person keeps their label while the sample stays the same."""
    ids = sorted(m for m, _ in top)
    meetings = dict(top)
    positions = layout(ids, pairs)
    nodes = tuple(
        Node(
            member_id=m,
            name=people.get(m, ("", None))[0],
            label=label.format(n=n),
            team=people.get(m, ("", None))[1],
            meetings=meetings[m],
            x=positions[m][0],
            y=positions[m][1],
        )
        for n, m in enumerate(ids, start=1)
    )
    team = {m: people.get(m, ("", None))[1] for m in ids}
    edges = tuple(
        Edge(a=a, b=b, times=t, cross_team=_cross(team.get(a), team.get(b))) for a, b, t in pairs
    )
    return Network(
        nodes=nodes,
        edges=edges,
        people=total_people,
        pairs=total_pairs,
        sampled=total_people > len(nodes),
    )


def _cross(a: str | None, b: str | None) -> bool:
    """Two people of different known teams (no team on either side: not counted as crossing)."""
    return a is not None and b is not None and _team_key(a) != _team_key(b)


def _team_key(team: str) -> str:
    return " ".join(team.split()).casefold()
