"""Sparse candidate partners: who might be a good match for whom, without an N×N scan.

Sources, all deterministic for a seed:
- shared interests, through the inverted index tag -> members: every pair for rare tags,
  a few random neighbours on a seeded shuffle of the members for common ones;
- offers -> wants, through the inverted indexes skill -> offerers and skill -> wanters;
- background partners: a few neighbours on a shuffle ordered by time zone (mostly other
  teams, close offsets), so that everyone has cheap fallbacks.
Each member then keeps its best `keep` candidates (a pair stays if either side keeps it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from bot.matching.features import Features, IntArray

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CandidateParams:
    full_tag: int = 48  # tags listed by at most this many members: every pair
    tag_window: int = 6  # otherwise: this many neighbours each side on shuffles
    tag_shuffles: int = 2
    full_skill: int = 4000  # skills with offerers × wanters at most this: every pair
    skill_window: int = 12
    background: int = 3
    keep: int = 24


def _window_pairs(
    people: IntArray, window: int, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    k = len(people)
    order = people[rng.permutation(k)]
    steps = min(window, (k - 1) // 2 if k > 2 else 1)
    us, vs = [], []
    for d in range(1, steps + 1):
        us.append(order)
        vs.append(np.roll(order, -d))
    return np.concatenate(us), np.concatenate(vs)


def _all_pairs(people: IntArray) -> tuple[IntArray, IntArray]:
    i, j = np.triu_indices(len(people), 1)
    return people[i], people[j]


def _bipartite(
    left: IntArray, right: IntArray, window: int, full: int, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    if len(left) * len(right) <= full:
        return np.repeat(left, len(right)), np.tile(right, len(left))
    a = left[rng.permutation(len(left))]
    b = right[rng.permutation(len(right))]
    big, small = (a, b) if len(a) >= len(b) else (b, a)
    us, vs = [], []
    # Every member of the bigger side gets `window` partners spread over the smaller side.
    pos = np.arange(len(big), dtype=np.int64)
    for d in range(min(window, len(small))):
        us.append(big)
        vs.append(
            small[(pos * len(small) // len(big) + d * max(1, len(small) // window)) % len(small)]
        )
    # And every member of the smaller side at least `window` partners on the bigger side.
    pos = np.arange(len(small), dtype=np.int64)
    for d in range(min(window, len(big))):
        us.append(small)
        vs.append(big[(pos * len(big) // len(small) + d) % len(big)])
    return np.concatenate(us), np.concatenate(vs)


def generate_candidates(
    feats: Features, seed: int, params: CandidateParams = CandidateParams()
) -> tuple[IntArray, IntArray]:
    """Candidate pairs (u < v), unique, sorted."""
    n = feats.n
    rng = np.random.default_rng([seed, n, 0xC0FFEE])
    us: list[IntArray] = []
    vs: list[IntArray] = []
    ptr, people = feats.interests.members_of()
    for t in range(len(feats.interest_names)):
        group = people[ptr[t] : ptr[t + 1]]
        if len(group) < 2:
            continue
        if len(group) <= params.full_tag:
            a, b = _all_pairs(group)
            us.append(a)
            vs.append(b)
        else:
            for _ in range(params.tag_shuffles):
                a, b = _window_pairs(group, params.tag_window, rng)
                us.append(a)
                vs.append(b)
    optr, offerers = feats.offers.members_of()
    wptr, wanters = feats.wants.members_of()
    for s in range(len(feats.skill_names)):
        left = offerers[optr[s] : optr[s + 1]]
        right = wanters[wptr[s] : wptr[s + 1]]
        if len(left) and len(right):
            a, b = _bipartite(left, right, params.skill_window, params.full_skill, rng)
            us.append(a)
            vs.append(b)
    if n >= 2 and params.background:
        tz = np.nan_to_num(feats.tz, nan=99.0)
        order = np.lexsort((rng.random(n), np.round(tz)))
        for d in range(1, min(params.background, n - 1) + 1):
            us.append(order)
            vs.append(np.roll(order, -d))
    if not us:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    u = np.concatenate(us).astype(np.int64)
    v = np.concatenate(vs).astype(np.int64)
    keep = u != v
    keys = np.unique(np.minimum(u[keep], v[keep]) * n + np.maximum(u[keep], v[keep]))
    return keys // n, keys % n


def prune(n: int, u: IntArray, v: IntArray, w: np.ndarray, keep: int) -> np.ndarray:
    """Mask of the pairs that are among the `keep` best of either endpoint."""
    m = len(u)
    if m == 0:
        return np.zeros(0, dtype=bool)
    ends = np.concatenate((u, v))
    edge = np.concatenate((np.arange(m), np.arange(m)))
    order = np.lexsort((edge, -np.concatenate((w, w)), ends))
    sorted_ends = ends[order]
    first = np.searchsorted(sorted_ends, sorted_ends, side="left")
    rank = np.arange(2 * m) - first
    mask = np.zeros(m, dtype=bool)
    mask[edge[order[rank < keep]]] = True
    return mask
