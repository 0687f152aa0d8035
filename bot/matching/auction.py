"""Maximum-weight assignment on a sparse graph by the auction algorithm (numpy, ε-scaling).

Used on the *bipartite double cover* of the candidate graph (every member both bids and is
bid for), which solves the linear relaxation of maximum-weight perfect matching. On matching
instances like ours that relaxation is nearly integral: the assignment is made of 2-cycles
(pairs) and a few longer cycles, which `bot.matching.solver` rounds into pairs.

Bertsekas' auction, Jacobi flavour: every unassigned person bids at once for its best object
(value minus price), raising the price by the gap to its second-best plus ε; each object goes
to its highest bidder. ε shrinks geometrically; prices carry over, so later phases are short.
The result is within n·ε of the optimum.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)

IntArray = np.ndarray
FloatArray = np.ndarray


@dataclass(frozen=True, slots=True)
class AuctionParams:
    final_epsilon: float = 1e-3  # in weight units
    shrink: float = 6.0
    max_rounds: int = 20_000  # bidding rounds over all phases (a safety net)


class AuctionFailed(RuntimeError):
    """No complete assignment within the round budget (e.g. none exists)."""


def auction_assignment(
    n: int,
    ptr: IntArray,
    obj: IntArray,
    value: FloatArray,
    params: AuctionParams = AuctionParams(),
    prices: FloatArray | None = None,
) -> tuple[IntArray, FloatArray]:
    """Assign each person i (arcs obj[ptr[i]:ptr[i+1]] with `value`) a distinct object.

    Returns (object of each person, final prices). Every person needs at least one arc.
    """
    deg = np.diff(ptr)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    if (deg == 0).any():
        raise AuctionFailed("a person has no arcs")
    span = float(value.max() - value.min()) + 1.0
    p = np.zeros(n) if prices is None else prices.astype(np.float64, copy=True)
    eps = max(span / 4.0, params.final_epsilon)
    rounds = 0
    owner = np.full(n, -1, dtype=np.int64)
    assigned = np.full(n, -1, dtype=np.int64)
    while True:
        owner.fill(-1)
        assigned.fill(-1)
        todo = np.arange(n, dtype=np.int64)
        while len(todo):
            rounds += 1
            if rounds > params.max_rounds:
                raise AuctionFailed(f"no assignment after {params.max_rounds} rounds")
            d = deg[todo]
            starts = np.cumsum(d) - d
            arc = np.repeat(ptr[todo] - starts, d) + np.arange(int(d.sum()), dtype=np.int64)
            val = value[arc] - p[obj[arc]]
            best = np.maximum.reduceat(val, starts)
            is_best = val == np.repeat(best, d)
            pos = np.where(is_best, np.arange(len(val)), len(val))
            first = np.minimum.reduceat(pos, starts)
            val[first] = -np.inf
            second = np.maximum.reduceat(val, starts)
            second = np.where(np.isfinite(second), second, best - span)
            target = obj[arc[first]]
            bid = p[target] + (best - second) + eps
            # Highest bid per object wins (ties: lowest person).
            order = np.lexsort((todo, -bid, target))
            t_sorted = target[order]
            win = order[np.concatenate(([True], t_sorted[1:] != t_sorted[:-1]))]
            objects = target[win]
            winners = todo[win]
            previous = owner[objects]
            displaced = previous[previous >= 0]
            assigned[displaced] = -1
            owner[objects] = winners
            assigned[winners] = objects
            p[objects] = bid[win]
            lost = np.ones(len(todo), dtype=bool)
            lost[win] = False
            todo = np.concatenate((todo[lost], displaced))
        if eps <= params.final_epsilon:
            break
        eps = max(eps / params.shrink, params.final_epsilon)
    logger.debug("auction: %d bidding rounds", rounds)
    return assigned, p
