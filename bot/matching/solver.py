"""Maximum-weight perfect matching on a sparse graph, fast and near-optimal.

1. Greedy: edges by weight (best first, seeded tie-break), take an edge if both ends are free.
2. Leftovers (nobody free next to them) are paired among themselves, by a caller-supplied
   weight function on a few nearby pairs each, so the matching is perfect.
3. Large-neighbourhood search: grow a region of matched pairs around a seed member along the
   heaviest candidate edges (a region is closed under "partner of"), solve the region exactly
   with rustworkx's blossom algorithm on its candidate edges, keep it if better. Regions are a
   few hundred members, so each exact solve takes milliseconds; sweeps cover the whole graph
   from seeded starting points until a sweep no longer improves.

Small graphs (up to `exact_limit` nodes) are solved exactly in one go. Everything is
deterministic for a seed (iteration counts, never wall-clock budgets).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import rustworkx as rx

logger = logging.getLogger(__name__)

IntArray = np.ndarray
FloatArray = np.ndarray
PairWeights = Callable[[IntArray, IntArray], FloatArray]

#: Weights are turned into integers for rustworkx with this many steps per unit.
SCALE = 10_000


@dataclass(frozen=True, slots=True)
class SolverParams:
    exact_limit: int = 400
    region: int = 300
    fanout: int = 12
    sweeps: int = 4
    leftover_window: int = 24


def _exact(n: int, u: list[int], v: list[int], iw: list[int]) -> list[tuple[int, int]]:
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(n))
    graph.add_edges_from(list(zip(u, v, iw, strict=True)))
    pairs = rx.max_weight_matching(graph, max_cardinality=True, weight_fn=lambda x: x)
    return sorted((min(a, b), max(a, b)) for a, b in pairs)


def _greedy(n: int, u: IntArray, v: IntArray, w: FloatArray, rng: np.random.Generator) -> list[int]:
    mate = [-1] * n
    order = np.lexsort((rng.permutation(len(w)), -w))
    for a, b in zip(u[order].tolist(), v[order].tolist(), strict=True):
        if mate[a] < 0 and mate[b] < 0:
            mate[a] = b
            mate[b] = a
    return mate


def _pair_leftovers(
    free: IntArray, pair_weights: PairWeights, window: int, rng: np.random.Generator
) -> tuple[IntArray, IntArray, FloatArray, dict[int, int]]:
    """Pair up `free` (an even count): near pairs on a shuffle, best first, then the rest.

    Returns the edges looked at and the pairing (as a mate dict).
    """
    k = len(free)
    order = free[rng.permutation(k)]
    us, vs = [], []
    for d in range(1, min(window, k - 1) + 1):
        us.append(order[:-d])
        vs.append(order[d:])
    u = np.concatenate(us)
    v = np.concatenate(vs)
    w = pair_weights(u, v)
    taken: dict[int, int] = {}
    for e in np.lexsort((np.arange(len(w)), -w)).tolist():
        a, b = int(u[e]), int(v[e])
        if a not in taken and b not in taken:
            taken[a] = b
            taken[b] = a
    rest = [x for x in order.tolist() if x not in taken]
    extra_u = np.array(rest[0::2], dtype=np.int64)
    extra_v = np.array(rest[1::2], dtype=np.int64)
    for a, b in zip(rest[0::2], rest[1::2], strict=True):
        taken[a] = b
        taken[b] = a
    return (
        np.concatenate((u, extra_u)),
        np.concatenate((v, extra_v)),
        np.concatenate((w, pair_weights(extra_u, extra_v))),
        taken,
    )


class _Search:
    """Large-neighbourhood search state over a fixed edge set."""

    def __init__(self, n: int, u: IntArray, v: IntArray, iw: IntArray, mate: list[int]) -> None:
        self.n = n
        self.mate = mate
        m = len(u)
        ends = np.concatenate((u, v))
        nbrs = np.concatenate((v, u))
        wts = np.concatenate((iw, iw))
        order = np.lexsort((nbrs, -wts, ends))
        self.ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(ends, minlength=n), out=self.ptr[1:])
        self.nbr_arr = nbrs[order]
        self.edge_arr = np.concatenate((np.arange(m), np.arange(m)))[order]
        self.side_u = order < m  # the entry is listed from the edge's u side
        self.nbr = self.nbr_arr.tolist()
        self.ptr_list = self.ptr.tolist()
        self.u, self.v, self.iw = u, v, iw
        self.stamp = [0] * n
        self.generation = 0
        self.loc = np.full(n, -1, dtype=np.int64)

    def region(self, start: int, size: int, fanout: int, taken: bytearray) -> list[int]:
        """Matched pairs around `start`, along each member's heaviest edges, avoiding `taken`."""
        self.generation += 1
        gen = self.generation
        stamp, mate, nbr, ptr = self.stamp, self.mate, self.nbr, self.ptr_list
        nodes: list[int] = []
        queue = deque([start])
        while queue and len(nodes) < size:
            x = queue.popleft()
            if stamp[x] == gen or taken[x]:
                continue
            y = mate[x]
            if taken[y]:
                continue
            stamp[x] = gen
            stamp[y] = gen
            nodes.append(x)
            nodes.append(y)
            for z in (x, y):
                lo = ptr[z]
                for t in nbr[lo : min(ptr[z + 1], lo + fanout)]:
                    if stamp[t] != gen:
                        queue.append(t)
        return nodes

    def improve(self, nodes: list[int]) -> int:
        """Solve the region exactly; apply it if better. Returns the integer gain."""
        region = np.array(nodes, dtype=np.int64)
        self.loc[region] = np.arange(len(region))
        try:
            start = self.ptr[region]
            deg = self.ptr[region + 1] - start
            total = int(deg.sum())
            first = np.cumsum(deg) - deg
            pos = np.repeat(start - first, deg) + np.arange(total, dtype=np.int64)
            inside = (self.loc[self.nbr_arr[pos]] >= 0) & self.side_u[pos]
            edges = self.edge_arr[pos[inside]]
            lu = self.loc[self.u[edges]].tolist()
            lv = self.loc[self.v[edges]].tolist()
            iw = self.iw[edges].tolist()
        finally:
            self.loc[region] = -1
        weight = {(a, b) if a < b else (b, a): w for a, b, w in zip(lu, lv, iw, strict=True)}
        mate = self.mate
        index = {x: i for i, x in enumerate(nodes)}
        old = 0
        for i, x in enumerate(nodes):
            j = index[mate[x]]
            if i < j:
                old += weight[(i, j)]
        pairs = _exact(len(nodes), lu, lv, iw)
        if len(pairs) * 2 != len(nodes):
            return 0
        new = sum(weight[p] for p in pairs)
        if new <= old:
            return 0
        for a, b in pairs:
            x, y = nodes[a], nodes[b]
            mate[x] = y
            mate[y] = x
        return new - old


def max_weight_perfect_matching(
    n: int,
    u: IntArray,
    v: IntArray,
    w: FloatArray,
    pair_weights: PairWeights,
    seed: int,
    params: SolverParams = SolverParams(),
) -> list[int]:
    """A perfect matching (as `mate`, a list) of nodes 0..n-1 (n even), near maximum weight.

    `u, v, w` are candidate edges (u < v, no duplicates); `pair_weights` gives the weight of
    any other pair, for the few nodes the candidates cannot cover.
    """
    if n % 2:
        raise ValueError("a perfect matching needs an even number of nodes")
    if n == 0:
        return []
    rng = np.random.default_rng([seed, n, 0x5EED])
    mate = _greedy(n, u, v, w, rng) if len(u) else [-1] * n
    free = np.array([x for x in range(n) if mate[x] < 0], dtype=np.int64)
    if len(free):
        logger.debug("pairing %d leftover members", len(free))
        fu, fv, fw, taken = _pair_leftovers(free, pair_weights, params.leftover_window, rng)
        known = set((u * n + v).tolist())
        keys = np.minimum(fu, fv) * n + np.maximum(fu, fv)
        _, first = np.unique(keys, return_index=True)
        fresh = np.array([i for i in first.tolist() if int(keys[i]) not in known], dtype=np.int64)
        if len(fresh):
            u = np.concatenate((u, np.minimum(fu, fv)[fresh]))
            v = np.concatenate((v, np.maximum(fu, fv)[fresh]))
            w = np.concatenate((w, fw[fresh]))
        for x, y in taken.items():
            mate[x] = y
    low = float(w.min())
    iw = np.rint((w - low) * SCALE).astype(np.int64) + 1
    if n <= params.exact_limit:
        best = [-1] * n
        for a, b in _exact(n, u.tolist(), v.tolist(), iw.tolist()):
            best[a] = b
            best[b] = a
        if all(x >= 0 for x in best):
            return best
        logger.warning("exact matching was not perfect; keeping the greedy one")
        return mate
    search = _Search(n, u, v, iw, mate)
    for sweep in range(params.sweeps):
        gain = 0
        covered = bytearray(n)
        for start in rng.permutation(n).tolist():
            if covered[start]:
                continue
            nodes = search.region(start, params.region, params.fanout, covered)
            for x in nodes:
                covered[x] = 1
            gain += search.improve(nodes)
        logger.debug("sweep %d gained %.3f", sweep, gain / SCALE)
        if gain == 0:
            break
    return search.mate
