"""Maximum-weight assignment on a sparse graph by the auction algorithm (ε-scaling).

Used on the *bipartite double cover* of the candidate graph (every member both bids and is
bid for), which solves the linear relaxation of maximum-weight perfect matching. On matching
instances like ours that relaxation is nearly integral: the assignment is made of 2-cycles
(pairs) and a few longer cycles, which `bot.matching.solver` rounds into pairs.

Bertsekas' auction: an unassigned person bids for its best object (value minus price),
raising the price by the gap to its second-best plus ε; the object goes to the highest bidder
and its previous owner bids again. While many people bid, a round is one numpy step for all of
them (Jacobi); the long tail of a phase, where a few displaced people chase the last free
objects, runs person by person in plain Python, which is much cheaper per bid. ε shrinks
geometrically and prices carry over; people still within the new ε of their best keep their
object. The result is within n·ε of the optimum.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)

IntArray = np.ndarray
FloatArray = np.ndarray


@dataclass(frozen=True, slots=True)
class AuctionParams:
    final_epsilon: float = 4e-3  # in weight units; the result is within n·ε of the optimum
    shrink: float = 8.0
    #: Bigger rounds take bigger steps (fewer phases: about 1 s less at 100,000 members,
    #: for a total weight 0.005% lower).
    shrink_large: float = 16.0
    large: int = 20_000
    tail: int = 8  # bidders below this: one at a time, in Python
    max_bids: int = 5_000_000  # a safety net (no complete assignment exists otherwise)
    #: A phase ends once at most this share of the people are unassigned (they bid again
    #: in the next phase; after the last one they stay unassigned). 0: a complete
    #: assignment. A few displaced people chasing the last free objects make a long tail
    #: of single bids; stopping before it costs little (the solver rounds paths as well).
    leave_share: float = 0.0


#: Bidders whose arcs are kept as Python lists for sequential bids (a cache).
ARC_CACHE = 50_000


class AuctionFailed(RuntimeError):
    """No complete assignment within the bid budget (e.g. none exists)."""


class _State:
    def __init__(self, n: int, ptr: IntArray, obj: IntArray, value: FloatArray) -> None:
        self.n = n
        self.ptr = ptr
        self.obj = obj
        self.value = value
        self.deg = np.diff(ptr)
        self.span = float(value.max() - value.min()) + 1.0
        self.owner = np.full(n, -1, dtype=np.int64)
        self.arc_of = np.full(n, -1, dtype=np.int64)  # the arc each person holds
        self.bids = 0
        self._arcs: dict[int, tuple[int, list[int], list[float]]] = {}  # for sequential bids
        # When a complete assignment exists, no price climbs past about (2n - 1)·max|value|
        # plus n·ε (Bertsekas' bound); beyond a safe margin over that, none exists.
        biggest = float(np.abs(value).max()) + self.span
        self.price_limit = (2 * n + 2) * (biggest + self.span / 4.0)

    def jacobi_round(self, todo: IntArray, p: FloatArray, eps: float) -> IntArray:
        """Everyone in `todo` bids at once; returns who is unassigned afterwards."""
        d = self.deg[todo]
        starts = np.cumsum(d) - d
        arc = np.repeat(self.ptr[todo] - starts, d) + np.arange(int(d.sum()), dtype=np.int64)
        val = self.value[arc] - p[self.obj[arc]]
        best = np.maximum.reduceat(val, starts)
        pos = np.where(val == np.repeat(best, d), np.arange(len(val)), len(val))
        first = np.minimum.reduceat(pos, starts)
        val[first] = -np.inf
        second = np.maximum.reduceat(val, starts)
        second = np.where(np.isfinite(second), second, best - self.span)
        target = self.obj[arc[first]]
        bid = p[target] + (best - second) + eps
        order = np.lexsort((todo, -bid, target))  # highest bid per object, then lowest person
        t_sorted = target[order]
        win = order[np.concatenate(([True], t_sorted[1:] != t_sorted[:-1]))]
        objects = target[win]
        winners = todo[win]
        previous = self.owner[objects]
        displaced = previous[previous >= 0]
        self.arc_of[displaced] = -1
        self.owner[objects] = winners
        self.arc_of[winners] = arc[first[win]]
        p[objects] = bid[win]
        self.bids += len(todo)
        if len(objects) and float(bid[win].max()) > self.price_limit:
            raise AuctionFailed("prices keep rising: no complete assignment")
        lost = np.ones(len(todo), dtype=bool)
        lost[win] = False
        return np.concatenate((todo[lost], displaced))

    def sequential(self, todo: IntArray, p: FloatArray, eps: float, max_bids: int) -> None:
        """Bid one person at a time until everyone is assigned."""
        arcs = self._arcs
        ptr, obj, value = self.ptr, self.obj, self.value
        price = p.tolist()
        owner = self.owner.tolist()
        arc_of = self.arc_of.tolist()
        span = self.span
        limit = self.price_limit
        queue = deque(todo.tolist())
        bids = 0
        inf = float("inf")
        while queue:
            i = queue.popleft()
            bids += 1
            if bids > max_bids:
                raise AuctionFailed(f"no complete assignment after {self.bids + bids} bids")
            mine = arcs.get(i)
            if mine is None:
                if len(arcs) >= ARC_CACHE:
                    arcs.clear()  # the lists of every bidder would cost far more memory
                lo, hi = int(ptr[i]), int(ptr[i + 1])
                mine = arcs[i] = (lo, obj[lo:hi].tolist(), value[lo:hi].tolist())
            lo, objs, vals = mine
            best = second = -inf
            best_at = 0
            for at, (j, a) in enumerate(zip(objs, vals, strict=True)):
                v = a - price[j]
                if v > best:
                    second = best
                    best = v
                    best_at = at
                elif v > second:
                    second = v
            if second == -inf:
                second = best - span
            j = objs[best_at]
            price[j] += best - second + eps
            if price[j] > limit:
                raise AuctionFailed("prices keep rising: no complete assignment")
            previous = owner[j]
            owner[j] = i
            arc_of[i] = lo + best_at
            if previous >= 0:
                arc_of[previous] = -1
                queue.append(previous)
        self.bids += bids
        p[:] = price
        self.owner[:] = owner
        self.arc_of[:] = arc_of


def auction_assignment(
    n: int,
    ptr: IntArray,
    obj: IntArray,
    value: FloatArray,
    params: AuctionParams = AuctionParams(),
) -> tuple[IntArray, FloatArray]:
    """Assign each person i (arcs obj[ptr[i]:ptr[i+1]] with `value`) a distinct object.

    Returns (the object of each person, -1 for the few left unassigned when
    `params.leave_share` allows it; final prices). Raises `AuctionFailed` when no
    complete assignment turns up (every person needs at least one arc, and a complete
    assignment must exist).
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    state = _State(n, ptr, obj, value)
    if (state.deg == 0).any():
        raise AuctionFailed("a person has no arcs")
    p = np.zeros(n)
    # ε from a quarter of the value range down to final_epsilon, by a constant factor.
    start_eps = max(state.span / 4.0, params.final_epsilon)
    shrink = params.shrink_large if n > params.large else params.shrink
    steps = int(np.ceil(np.log(start_eps / params.final_epsilon) / np.log(shrink) - 1e-9))
    factor = (start_eps / params.final_epsilon) ** (1.0 / steps) if steps > 0 else 1.0
    eps = start_eps
    todo = np.arange(n, dtype=np.int64)
    leave = int(n * params.leave_share)
    while True:
        start = state.bids
        while len(todo) > leave:
            if len(todo) < params.tail:
                state.sequential(todo, p, eps, params.max_bids - state.bids)
                break
            todo = state.jacobi_round(todo, p, eps)
            if state.bids > params.max_bids:
                raise AuctionFailed(f"no complete assignment after {state.bids} bids")
        logger.debug("auction phase ε=%.4g: %d bids", eps, state.bids - start)
        if eps <= params.final_epsilon * (1 + 1e-9):
            break
        eps = max(eps / factor, params.final_epsilon)
        # Keep whoever is still within ε of their best object; the others bid again.
        profit = value - p[obj]
        best = np.maximum.reduceat(profit, ptr[:-1])
        held = state.arc_of >= 0
        mine = np.where(held, profit[state.arc_of], -np.inf)
        out = np.flatnonzero(held & (mine < best - eps))
        state.owner[obj[state.arc_of[out]]] = -1
        state.arc_of[out] = -1
        todo = np.flatnonzero(state.arc_of < 0)
    logger.debug("auction: %d bids in all, %d people unassigned", state.bids, len(todo))
    return np.where(state.arc_of >= 0, obj[state.arc_of], -1), p
