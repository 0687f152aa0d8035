"""Maximum-weight perfect matching on a sparse graph: exact when small, near-exact at scale.

Small graphs (up to `exact_limit` nodes) go to rustworkx's blossom algorithm as they are.

Larger graphs:
1. the linear relaxation is solved on the bipartite double cover by the auction algorithm
   (`bot.matching.auction`); its assignment is a set of cycles, nearly all of length 2;
2. rounding: 2-cycles are pairs; a longer even cycle gives the better half of its edges; an
   odd cycle gives the best pairs of its path and one member left over;
3. the left-over members are paired among themselves (their nearby pairs by weight), and a
   few exact rustworkx solves of small regions around them polish the result.
If the auction fails (it needs a complete assignment on the candidate edges), a greedy
matching improved by the same region solves is used instead.
Everything is deterministic: iteration counts, never wall-clock budgets.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import rustworkx as rx

from bot.matching.auction import AuctionFailed, AuctionParams, auction_assignment

logger = logging.getLogger(__name__)

IntArray = np.ndarray
FloatArray = np.ndarray
PairWeights = Callable[[IntArray, IntArray], FloatArray]

#: Weights are turned into integers for rustworkx with this many steps per unit.
SCALE = 10_000


@dataclass(frozen=True, slots=True)
class SolverParams:
    exact_limit: int = 400
    auction: AuctionParams = field(default_factory=lambda: AuctionParams(leave_share=1e-3))
    region: int = 200  # members per exact region solve
    fanout: int = 10  # region growth follows each member's heaviest edges
    ball: int = 300  # members around each left-over member...
    polish_budget: int = 20_000  # ...fewer when there are many: about this many in all
    min_ball: int = 40
    reach: float = 2.0  # regions follow edges of reduced cost up to this (weight units)
    whole_region: int = 1600  # all neighbourhoods in one exact solve up to this many members
    joint_region: int = 500  # otherwise a few at a time, about this many members
    fallback_sweeps: int = 3  # region sweeps over everyone when the auction fails
    leftover_window: int = 24


def exact_matching(n: int, u: IntArray, v: IntArray, w: FloatArray) -> list[int]:
    """Maximum-weight maximum-cardinality matching by rustworkx (`mate`, -1 when single)."""
    iw = _integer_weights(w)
    mate = [-1] * n
    for a, b in _rx_pairs(n, u.tolist(), v.tolist(), iw.tolist()):
        mate[a] = b
        mate[b] = a
    return mate


def _integer_weights(w: FloatArray) -> IntArray:
    low = float(w.min()) if len(w) else 0.0
    return np.rint((w - low) * SCALE).astype(np.int64) + 1


def _rx_pairs(n: int, u: list[int], v: list[int], iw: list[int]) -> list[tuple[int, int]]:
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(n))
    graph.add_edges_from(list(zip(u, v, iw, strict=True)))
    pairs = rx.max_weight_matching(graph, max_cardinality=True, weight_fn=int)
    return sorted((min(a, b), max(a, b)) for a, b in pairs)


#: Edges looked at per numpy step by `greedy_matching`.
GREEDY_BLOCK = 1 << 16


def greedy_matching(n: int, u: IntArray, v: IntArray, w: FloatArray) -> list[int]:
    """Heaviest edges first (ties: edge order), both ends free. `mate`, -1 when single."""
    mate = [-1] * n
    free = np.ones(n, dtype=bool)
    order = np.argsort(-w, kind="stable")
    # In blocks of the order: edges with an end already taken are dropped with numpy, the
    # rest are checked one by one (the same result as one loop over every edge).
    for lo in range(0, len(order), GREEDY_BLOCK):
        block = order[lo : lo + GREEDY_BLOCK]
        bu, bv = u[block], v[block]
        keep = free[bu] & free[bv]
        taken = []
        for a, b in zip(bu[keep].tolist(), bv[keep].tolist(), strict=True):
            if mate[a] < 0 and mate[b] < 0:
                mate[a] = b
                mate[b] = a
                taken.append(a)
                taken.append(b)
        free[taken] = False
    return mate


def _double_cover(
    n: int, u: IntArray, v: IntArray, w: FloatArray
) -> tuple[IntArray, IntArray, FloatArray]:
    # One sort of end * n + neighbour keys (faster than a two-key lexsort).
    order = np.argsort(np.concatenate((u * n + v, v * n + u)))
    nbrs = np.concatenate((v, u))[order]
    vals = np.concatenate((w, w))[order]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=n) + np.bincount(v, minlength=n), out=ptr[1:])
    return ptr, nbrs, vals


def _round_cycles(
    n: int, sigma: list[int], weight: Callable[[int, int], float]
) -> tuple[list[int], list[int]]:
    """Pairs from an assignment's cycles (and paths, when some people are unassigned:
    sigma[x] = -1); returns (`mate`, members left over)."""
    mate = [-1] * n
    seen = bytearray(n)
    left: list[int] = []
    owned = bytearray(n)
    for x in sigma:
        if x >= 0:
            owned[x] = 1
    # Paths first: each starts at someone nobody holds and ends at someone unassigned.
    for start in range(n):
        if owned[start] or seen[start]:
            continue
        path = []
        x = start
        while x >= 0 and not seen[x]:
            seen[x] = 1
            path.append(x)
            x = sigma[x]
        _round_path(path, weight, mate, left)
    for start in range(n):
        if seen[start]:
            continue
        cycle = []
        x = start
        while not seen[x]:
            seen[x] = 1
            cycle.append(x)
            x = sigma[x]
        k = len(cycle)
        if k == 1:
            left.append(cycle[0])
            continue
        if k == 2:
            a, b = cycle
            mate[a] = b
            mate[b] = a
            continue
        edge = [weight(cycle[j], cycle[(j + 1) % k]) for j in range(k)]
        if k % 2 == 0:
            shift = 0 if sum(edge[0::2]) >= sum(edge[1::2]) else 1
        else:
            # Leaving out cycle[s] pairs along edges s+1, s+3, ..., s+k-2 (mod k):
            # step-2 suffix sums over the doubled edge list give each total in O(1).
            doubled = edge + edge
            suffix = [0.0] * (2 * k + 2)
            for i in range(2 * k - 1, -1, -1):
                suffix[i] = doubled[i] + suffix[i + 2]
            half = k // 2
            totals = [suffix[s + 1] - suffix[s + 1 + 2 * half] for s in range(k)]
            skip = max(range(k), key=lambda s: (totals[s], -s))
            shift = skip + 1
            left.append(cycle[skip])
        for t in range(k // 2):
            a = cycle[(shift + 2 * t) % k]
            b = cycle[(shift + 2 * t + 1) % k]
            mate[a] = b
            mate[b] = a
    return mate, left


def _round_path(
    path: list[int], weight: Callable[[int, int], float], mate: list[int], left: list[int]
) -> None:
    """Pairs along a path of the assignment: every other edge; an odd path leaves out the
    member (at an even position) whose omission keeps the heaviest edges."""
    k = len(path)
    if k == 1:
        left.append(path[0])
        return
    edge = [weight(path[j], path[j + 1]) for j in range(k - 1)]
    skip = -1
    if k % 2:
        # Leaving out path[s] (s even) keeps edges 0, 2, ..., s-2 and s+1, s+3, ..., k-2.
        even = [0.0]  # even[i]: sum of edges 0, 2, ..., 2i-2
        for i in range(0, k - 1, 2):
            even.append(even[-1] + edge[i])
        odd_suffix = [0.0] * (k + 2)  # odd_suffix[s]: sum of edges s+1, s+3, ... up to k-2
        for s in range(k - 3, -1, -2):
            odd_suffix[s] = edge[s + 1] + odd_suffix[s + 2]
        skip = max(range(0, k, 2), key=lambda s: (even[s // 2] + odd_suffix[s], -s))
        left.append(path[skip])
    rest = [x for i, x in enumerate(path) if i != skip]
    if skip < 0:
        pairs = list(zip(rest[0::2], rest[1::2], strict=True))
    else:
        pairs = list(zip(path[0:skip:2], path[1:skip:2], strict=True))
        pairs += list(zip(path[skip + 1 :: 2], path[skip + 2 :: 2], strict=True))
    for a, b in pairs:
        mate[a] = b
        mate[b] = a


class _Graph:
    """Candidate edges with adjacency for region solves.

    Regions grow along each member's edges in order of `rank` (lowest first; by default the
    heaviest edges first), following only edges ranked at most `reach`.
    """

    def __init__(
        self,
        n: int,
        u: IntArray,
        v: IntArray,
        w: FloatArray,
        rank: FloatArray | None = None,
        reach: float = np.inf,
    ) -> None:
        self.n = n
        self.u, self.v, self.w = u, v, w
        self.iw = _integer_weights(w)
        m = len(u)
        small = np.uint16 if n <= np.iinfo(np.uint16).max else np.int64
        # Indices as int32 where they fit: big rounds hold several arrays of 2m entries.
        index = np.int32 if max(n, 2 * m) < 2**31 else np.int64
        ends = np.concatenate((u, v)).astype(index)
        nbrs = np.concatenate((v, u)).astype(index)
        order = np.argsort(ends.astype(small), kind="stable")  # radix sort for small ids
        self.ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(ends, minlength=n), out=self.ptr[1:])
        self.nbr_arr = nbrs[order]
        self.side_u = order < m  # listed from the edge's u side
        order[~self.side_u] -= m
        self.edge_arr = order.astype(index)
        del order
        # Growth order: by rank (default: heaviest first), only edges ranked <= reach.
        key = np.concatenate((-w, -w) if rank is None else (rank, rank))
        grow = np.flatnonzero(key <= reach)
        grow = grow[np.argsort(key[grow], kind="stable")]
        del key
        grow = grow[np.argsort(ends[grow].astype(small), kind="stable")]
        gptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(ends[grow], minlength=n), out=gptr[1:])
        self.nbr = nbrs[grow]  # numpy: a list of every edge end would cost far more memory
        del ends, nbrs, grow
        self.ptr_list = gptr.tolist()
        self.loc = np.full(n, -1, dtype=np.int64)
        self.stamp = [0] * n
        self.generation = 0
        # Each member's first `fanout` growth neighbours as a list, made when first needed
        # (regions revisit the same members many times; a numpy slice each time costs more).
        self._heads: list[list[int] | None] = [None] * n
        self._heads_fanout = -1

    def _head(self, z: int, fanout: int) -> list[int]:
        if fanout != self._heads_fanout:
            self._heads = [None] * self.n
            self._heads_fanout = fanout
        head = self._heads[z]
        if head is None:
            lo = self.ptr_list[z]
            head = self._heads[z] = self.nbr[lo : min(self.ptr_list[z + 1], lo + fanout)].tolist()
        return head

    def region(self, start: int, mate: list[int], size: int, fanout: int) -> list[int]:
        """Matched pairs around `start`, growing along each member's heaviest edges."""
        self.generation += 1
        gen = self.generation
        stamp, head = self.stamp, self._head
        nodes: list[int] = []
        queue = deque([start])
        while queue and len(nodes) < size:
            x = queue.popleft()
            if stamp[x] == gen:
                continue
            y = mate[x]
            stamp[x] = gen
            stamp[y] = gen
            nodes.append(x)
            nodes.append(y)
            for z in (x, y):
                for t in head(z, fanout):
                    if stamp[t] != gen:
                        queue.append(t)
        return nodes

    def improve(self, nodes: list[int], mate: list[int]) -> int:
        """Solve the region exactly; apply it if better. Returns the (integer) gain."""
        region = np.array(nodes, dtype=np.int64)
        self.loc[region] = np.arange(len(region))
        try:
            start = self.ptr[region]
            deg = self.ptr[region + 1] - start
            first = np.cumsum(deg) - deg
            pos = np.repeat(start - first, deg) + np.arange(int(deg.sum()), dtype=np.int64)
            inside = (self.loc[self.nbr_arr[pos]] >= 0) & self.side_u[pos]
            edges = self.edge_arr[pos[inside]]
            la, lb = self.loc[self.u[edges]], self.loc[self.v[edges]]
            partner = self.loc[np.array([mate[x] for x in nodes], dtype=np.int64)]
        finally:
            self.loc[region] = -1
        # Each region edge's weight by its key (low end * m + high end): the current pairs'
        # and the solve's pairs' weights are looked up with one search each.
        m = len(nodes)
        keys = np.minimum(la, lb) * m + np.maximum(la, lb)
        order = np.argsort(keys, kind="stable")
        sorted_keys, sorted_iw = keys[order], self.iw[edges][order]

        def total(a: IntArray, b: IntArray) -> int:
            return int(sorted_iw[np.searchsorted(sorted_keys, a * m + b)].sum())

        mine = np.arange(m, dtype=np.int64)
        below = mine < partner
        old = total(mine[below], partner[below])
        iw = self.iw[edges]
        pairs = _rx_pairs(m, la.tolist(), lb.tolist(), iw.tolist())
        if 2 * len(pairs) != m:
            return 0
        ends = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        new = total(ends[:, 0], ends[:, 1])
        if new <= old:
            return 0
        for a, b in pairs:
            mate[nodes[a]] = nodes[b]
            mate[nodes[b]] = nodes[a]
        return new - old

    def polish(self, seeds: Iterable[int], mate: list[int], size: int, fanout: int) -> int:
        """One exact region solve around each seed not already covered by an earlier one."""
        covered = bytearray(self.n)
        gain = 0
        for s in seeds:
            if covered[s]:
                continue
            nodes = self.region(s, mate, size, fanout)
            for x in nodes:
                covered[x] = 1
            gain += self.improve(nodes, mate)
        return gain


def _merge_edges(
    n: int, parts: list[tuple[IntArray, IntArray, FloatArray]]
) -> tuple[IntArray, IntArray, FloatArray]:
    u = np.concatenate([p[0] for p in parts])
    v = np.concatenate([p[1] for p in parts])
    w = np.concatenate([p[2] for p in parts])
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    keys, w = max_by_key(lo * n + hi, w)
    return keys // n, keys % n, w


def max_by_key(keys: IntArray, w: FloatArray) -> tuple[IntArray, FloatArray]:
    """The distinct keys, sorted, each with its largest weight."""
    order = np.argsort(keys, kind="stable")
    keys, w = keys[order], w[order]
    first = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    if len(first) == len(keys):
        return keys, w
    return keys[first], np.maximum.reduceat(w, first)


def _pair_leftovers(
    free: list[int], pair_weights: PairWeights, window: int, mate: list[int]
) -> tuple[IntArray, IntArray, FloatArray]:
    """Pair up `free` (an even count) by their nearby pairs, heaviest first; updates `mate`.

    Returns the edges looked at (so region solves can use them).
    """
    order = np.array(free, dtype=np.int64)
    k = len(order)
    us, vs = [], []
    for d in range(1, min(window, k - 1) + 1):
        us.append(order[:-d])
        vs.append(order[d:])
    u = np.concatenate(us)
    v = np.concatenate(vs)
    w = pair_weights(u, v)
    for e in np.argsort(-w, kind="stable").tolist():
        a, b = int(u[e]), int(v[e])
        if mate[a] < 0 and mate[b] < 0:
            mate[a] = b
            mate[b] = a
    rest = [x for x in free if mate[x] < 0]
    for a, b in zip(rest[0::2], rest[1::2], strict=True):
        mate[a] = b
        mate[b] = a
    ru = np.array(rest[0::2], dtype=np.int64)
    rv = np.array(rest[1::2], dtype=np.int64)
    return (
        np.concatenate((u, ru)),
        np.concatenate((v, rv)),
        np.concatenate((w, pair_weights(ru, rv))),
    )


@dataclass(frozen=True, slots=True)
class Matching:
    """A perfect matching, and (when known) duals of its linear relaxation: y_i + y_j >= w_ij
    on every candidate edge, Σ y within n·ε of the relaxation's optimum (an upper bound)."""

    mate: list[int]
    duals: FloatArray | None = None


def _round(
    n: int, u: IntArray, v: IntArray, w: FloatArray, sigma: IntArray
) -> tuple[list[int], list[int]]:
    """`_round_cycles` with the weights of assignment edges found by binary search (a dict
    of every edge costs far more memory; the search arrays die with this call)."""
    keys = u * n + v
    by_key = np.argsort(keys, kind="stable")
    sorted_keys = keys[by_key]
    del keys

    def weight(a: int, b: int) -> float:
        key = a * n + b if a < b else b * n + a
        return float(w[by_key[int(np.searchsorted(sorted_keys, key))]])

    return _round_cycles(n, sigma.tolist(), weight)


def _duals(ptr: IntArray, obj: IntArray, val: FloatArray, prices: FloatArray) -> FloatArray:
    profit = np.maximum.reduceat(val - prices[obj], ptr[:-1])
    return (profit + prices) / 2.0


def max_weight_perfect_matching(
    n: int,
    u: IntArray,
    v: IntArray,
    w: FloatArray,
    pair_weights: PairWeights,
    params: SolverParams = SolverParams(),
    want_duals: bool = False,
) -> Matching:
    """A perfect matching of nodes 0..n-1 (n even) of near-maximum total weight.

    `u, v, w` are candidate edges (no duplicates); `pair_weights` weighs any other pair, for
    the few nodes the candidates cannot place.
    """
    if n % 2:
        raise ValueError("a perfect matching needs an even number of nodes")
    if n == 0:
        return Matching([], np.zeros(0))
    if n <= params.exact_limit:
        mate = exact_matching(n, u, v, w)
        free = [x for x in range(n) if mate[x] < 0]
        if free:
            logger.debug("pairing %d members the candidates left out", len(free))
            _pair_leftovers(free, pair_weights, params.leftover_window, mate)
        duals = None
        if want_duals:
            try:
                ptr, obj, val = _double_cover(n, u, v, w)
                _, prices = auction_assignment(n, ptr, obj, val, params.auction)
                duals = _duals(ptr, obj, val, prices)
            except AuctionFailed:
                logger.debug("no duals: the auction found no complete assignment")
        return Matching(mate, duals)
    try:
        ptr, obj, val = _double_cover(n, u, v, w)
        sigma, prices = auction_assignment(n, ptr, obj, val, params.auction)
    except AuctionFailed as exc:
        logger.warning("auction failed (%s); using greedy matching", exc)
        return Matching(_fallback(n, u, v, w, pair_weights, params))
    # Duals of the relaxation: y_i + y_j >= w_ij, tight on its optimal edges.
    y = _duals(ptr, obj, val, prices)
    del ptr, obj, val
    mate, left = _round(n, u, v, w, sigma)
    del sigma
    logger.debug("rounding left %d members over", len(left))
    if not left:
        return Matching(mate, y)
    fu, fv, fw = _pair_leftovers(left, pair_weights, params.leftover_window, mate)
    u, v, w = _merge_edges(n, [(u, v, w), (fu, fv, fw)])
    # The integral optimum differs from the relaxation by little, so it lives on nearly tight
    # edges: regions grow along edges of small reduced cost y_i + y_j - w_ij.
    graph = _Graph(n, u, v, w, rank=y[u] + y[v] - w, reach=params.reach)
    seeds = sorted(set(left) | {mate[x] for x in left})
    # Exact solves over the neighbourhoods of left-over members together, so that alternating
    # paths between two of them can be found: all at once when that is small enough,
    # otherwise a few neighbourhoods at a time.
    ball = max(params.min_ball, min(params.ball, params.polish_budget // len(seeds)))
    balls = [graph.region(s, mate, ball, params.fanout) for s in seeds]
    union = list(dict.fromkeys(x for b in balls for x in b))
    if len(union) <= params.whole_region:
        gain = graph.improve(union, mate)
    else:
        gain = 0
        joint: dict[int, None] = {}
        for i, s in enumerate(seeds):
            # Regrow: earlier solves may have changed who is paired with whom.
            joint.update(dict.fromkeys(graph.region(s, mate, ball, params.fanout)))
            if len(joint) >= params.joint_region or i == len(seeds) - 1:
                gain += graph.improve(list(joint), mate)
                joint = {}
    logger.debug("polishing gained %.3f", gain / SCALE)
    return Matching(mate, y)


def _fallback(
    n: int,
    u: IntArray,
    v: IntArray,
    w: FloatArray,
    pair_weights: PairWeights,
    params: SolverParams,
) -> list[int]:
    mate = greedy_matching(n, u, v, w)
    free = [x for x in range(n) if mate[x] < 0]
    if free:
        fu, fv, fw = _pair_leftovers(free, pair_weights, params.leftover_window, mate)
        u, v, w = _merge_edges(n, [(u, v, w), (fu, fv, fw)])
    graph = _Graph(n, u, v, w)
    for _ in range(params.fallback_sweeps):
        if graph.polish(range(n), mate, params.region, params.fanout) == 0:
            break
    return mate
