"""Slow reference matchings for the benchmark (independent of the engine's code paths).

Pair weights are computed densely, a block of rows at a time, with plain matrix products;
the exact matchings come from rustworkx's blossom algorithm on integer-scaled weights.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence

import numpy as np
import rustworkx as rx

from bot.matching.types import Candidate, History, Weights
from bot.matching.weights import last_met

logger = logging.getLogger(__name__)

SCALE = 1000


class DenseWeights:
    """weight(a, b) for blocks of rows against every member (members sorted by id)."""

    def __init__(self, members: Sequence[Candidate], history: History, weights: Weights) -> None:
        self.members = sorted(members, key=lambda m: m.id)
        self.n = n = len(self.members)
        self.w = weights
        index = {m.id: i for i, m in enumerate(self.members)}
        tags = sorted({t for m in self.members for t in m.interests})
        tag_ix = {t: i for i, t in enumerate(tags)}
        self.interests = np.zeros((n, max(1, len(tags))), dtype=np.float64)
        for i, m in enumerate(self.members):
            for t in m.interests:
                self.interests[i, tag_ix[t]] = 1.0
        df = self.interests.sum(axis=0)
        self.idf = np.where(df > 0, np.log1p(n / np.maximum(df, 1.0)), 0.0)
        skills = sorted({t for m in self.members for t in m.offers | m.wants})
        sk = {t: i for i, t in enumerate(skills)}
        self.offers = np.zeros((n, max(1, len(skills))))
        self.wants = np.zeros((n, max(1, len(skills))))
        for i, m in enumerate(self.members):
            for t in m.offers:
                self.offers[i, sk[t]] = 1.0
            for t in m.wants:
                self.wants[i, sk[t]] = 1.0
        teams = {t: i for i, t in enumerate(sorted({m.team for m in self.members if m.team}))}
        self.team = np.array([teams[m.team] if m.team else -1 for m in self.members])
        self.tz = np.array(
            [math.nan if m.utc_offset_hours is None else m.utc_offset_hours for m in self.members]
        )
        self.met = {(index[a], index[b]): r for (a, b), r in last_met(history, index).items()}

    def rows(self, lo: int, hi: int) -> np.ndarray:
        w = self.w
        s = (self.interests[lo:hi] * self.idf) @ self.interests.T
        g = self.offers[lo:hi] @ self.wants.T + self.wants[lo:hi] @ self.offers.T
        t = self.team
        x = (t[lo:hi, None] >= 0) & (t[None, :] >= 0) & (t[lo:hi, None] != t[None, :])
        d = np.abs(self.tz[lo:hi, None] - self.tz[None, :]) % 24.0
        z = np.nan_to_num(np.maximum(np.minimum(d, 24.0 - d) - 3.0, 0.0), nan=0.0)
        out = w.interest * s + w.give * g + w.cross_team * x - w.timezone * z
        for (a, b), r in self.met.items():
            for p, q in ((a, b), (b, a)):
                if lo <= p < hi:
                    out[p - lo, q] -= w.repeat * w.repeat_decay ** (r - 1)
        return out

    def blocks(self, size: int = 512) -> Iterator[tuple[int, np.ndarray]]:
        for lo in range(0, self.n, size):
            yield lo, self.rows(lo, min(self.n, lo + size))


def _solve(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> float:
    iw = np.rint((w - w.min()) * SCALE).astype(np.int64) + 1
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(n))
    graph.add_edges_from(list(zip(u.tolist(), v.tolist(), iw.tolist(), strict=True)))
    pairs = rx.max_weight_matching(graph, max_cardinality=True, weight_fn=lambda x: x)
    weight = {(a, b): x for a, b, x in zip(u.tolist(), v.tolist(), w.tolist(), strict=True)}
    if 2 * len(pairs) != n:
        logger.warning("reference matching covers %d of %d members", 2 * len(pairs), n)
    return sum(weight[(min(a, b), max(a, b))] for a, b in pairs)


def exact_optimum(dense: DenseWeights) -> float:
    """Total weight of the maximum-weight perfect matching of the complete graph."""
    us, vs, ws = [], [], []
    for lo, block in dense.blocks():
        i, j = np.nonzero(np.arange(lo, lo + len(block))[:, None] < np.arange(dense.n)[None, :])
        us.append(i + lo)
        vs.append(j)
        ws.append(block[i, j])
    return _solve(dense.n, np.concatenate(us), np.concatenate(vs), np.concatenate(ws))


def best_partners_optimum(dense: DenseWeights, k: int = 30) -> float:
    """Exact maximum-weight matching restricted to each member's `k` best partners."""
    us, vs, ws = [], [], []
    for lo, block in dense.blocks():
        rows = np.arange(lo, lo + len(block))
        block[np.arange(len(block)), rows] = -np.inf
        top = np.argpartition(-block, k, axis=1)[:, :k]
        us.append(np.repeat(rows, k))
        vs.append(top.ravel())
        ws.append(np.take_along_axis(block, top, axis=1).ravel())
    u, v, w = np.concatenate(us), np.concatenate(vs), np.concatenate(ws)
    lo_, hi_ = np.minimum(u, v), np.maximum(u, v)
    keys, first = np.unique(lo_ * dense.n + hi_, return_index=True)
    return _solve(dense.n, keys // dense.n, keys % dense.n, w[first])
