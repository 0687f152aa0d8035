"""Sparse candidate partners: who might be a good match for whom, without an N×N scan.

Candidates come from *lists* of members built with inverted indexes, each list with the
weight every pair on it is sure to get:

- one interest t (members listing t): interest·idf(t);
- two interests t, t' (members listing both): interest·(idf(t) + idf(t'));
- one skill s (offerers of s × wanters of s): give;
- an interest and a skill (offerers of s × wanters of s, all listing t): interest·idf(t) + give.

Lists are taken most valuable first; while a pair budget (linear in the number of members)
lasts, a list gives every pair on it, otherwise each member gets a few seeded-random
neighbours on it. A few background neighbours on a shuffle ordered by time zone give everyone
cheap fallbacks. Finally each member keeps its `keep` best candidates (a pair stays if either
side keeps it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from bot.matching.features import Features, FloatArray, IntArray, TagTable

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CandidateParams:
    budget: float = 60.0  # pairs per member for lists taken whole
    max_partners: int = 150  # a list is taken whole only if nobody gets more partners than this
    window: int = 3  # otherwise, neighbours on each side, in each order
    similar_orders: int = 2  # orders of each list by similar interests (besides a random one)
    background: int = 10  # background neighbours on each side
    keep: int = 30


@dataclass(frozen=True, slots=True)
class _Lists:
    """Entries grouped into lists (contiguous, seeded-random order within a list)."""

    keys: IntArray  # per list
    ptr: IntArray  # per list, into members
    members: IntArray  # per entry

    @property
    def sizes(self) -> IntArray:
        return np.diff(self.ptr)


def _group(keys: IntArray, members: IntArray, rng: np.random.Generator) -> _Lists:
    if len(keys) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return _Lists(empty, np.zeros(1, dtype=np.int64), empty)
    order = np.lexsort((rng.random(len(keys)), keys))
    keys, members = keys[order], members[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return _Lists(keys[starts], np.concatenate((starts, [len(keys)])), members)


def _owner(table: TagTable) -> IntArray:
    return np.repeat(np.arange(len(table.ptr) - 1, dtype=np.int64), table.degree())


def _tag_pairs(table: TagTable, size: int) -> tuple[IntArray, IntArray]:
    """(t * size + t', member) for every pair t < t' of each member's tags."""
    deg = table.degree()
    keys, members = [], []
    for k in np.unique(deg[deg >= 2]).tolist():
        who = np.flatnonzero(deg == k)
        tags = table.tags[table.ptr[who][:, None] + np.arange(k)]
        i, j = np.triu_indices(k, 1)
        keys.append((tags[:, i] * size + tags[:, j]).ravel())
        members.append(np.repeat(who, len(i)))
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(keys), np.concatenate(members)


def _cross(a: TagTable, b: TagTable) -> tuple[IntArray, IntArray]:
    """(t * b.size + s, member) for every tag t of `a` and s of `b` of each member."""
    da, db = a.degree(), b.degree()
    both = np.flatnonzero((da > 0) & (db > 0))
    count = da[both] * db[both]
    total = int(count.sum())
    member = np.repeat(both, count)
    k = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    nb = db[member]
    ta = a.tags[a.ptr[member] + k // nb]
    tb = b.tags[b.ptr[member] + k % nb]
    return ta * b.size + tb, member


class _Pairs:
    def __init__(self) -> None:
        self.us: list[IntArray] = []
        self.vs: list[IntArray] = []

    def add(self, u: IntArray, v: IntArray) -> None:
        if len(u):
            self.us.append(u)
            self.vs.append(v)

    @property
    def count(self) -> int:
        return sum(len(u) for u in self.us)

    def same(self, lists: _Lists, full: np.ndarray, window: int, orders: list[IntArray]) -> None:
        """Pairs on same-side lists: all of them on `full` lists; otherwise `window` neighbours
        in the list's own (random) order and in each order of `orders` (a sort key per member).
        """
        sizes = lists.sizes
        entry_list = np.repeat(np.arange(len(sizes)), sizes)
        pos = np.arange(len(lists.members)) - lists.ptr[entry_list]
        left = sizes[entry_list] - 1 - pos  # entries after this one on its list
        reach = np.where(full[entry_list], left, np.minimum(left, window))
        self._forward(lists.members, reach)
        partial = ~full[entry_list]
        if not partial.any():
            return
        members = lists.members[partial]
        which = entry_list[partial]
        reach = np.minimum(left[partial], window)
        for key in orders:
            order = np.lexsort((key[members], which))
            self._forward(members[order], reach)

    def _forward(self, members: IntArray, reach: IntArray) -> None:
        active = np.flatnonzero(reach > 0)
        d = 1
        while len(active):
            self.add(members[active], members[active + d])
            d += 1
            active = active[reach[active] >= d]

    def bipartite(self, left: _Lists, right: _Lists, full: np.ndarray, window: int) -> None:
        """Pairs on lists of (left × right) with the same key, all or a few each."""
        common, li, ri = np.intersect1d(left.keys, right.keys, return_indices=True)
        a, b = left.sizes[li], right.sizes[ri]
        la, ra = left.ptr[li], right.ptr[ri]
        whole = full[: len(common)]
        # Whole lists: every left entry with every right entry.
        idx = np.flatnonzero(whole)
        count = a[idx] * b[idx]
        total = int(count.sum())
        if total:
            rep = np.repeat(idx, count)
            k = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
            self.add(left.members[la[rep] + k // b[rep]], right.members[ra[rep] + k % b[rep]])
        # Other lists: each entry meets `window` entries spread over the other side.
        idx = np.flatnonzero(~whole)
        for lists_from, start_from, n_from, lists_to, start_to, n_to in (
            (left, la, a, right, ra, b),
            (right, ra, b, left, la, a),
        ):
            count = n_from[idx]
            rep = np.repeat(idx, count)
            i = np.arange(int(count.sum()), dtype=np.int64) - np.repeat(
                np.cumsum(count) - count, count
            )
            src = lists_from.members[start_from[rep] + i]
            for d in range(window):
                ok = d < n_to[rep]
                j = (i * n_to[rep] // n_from[rep] + d) % n_to[rep]
                self.add(src[ok], lists_to.members[(start_to[rep] + j)[ok]])


def _similarity_orders(
    table: TagTable, df: IntArray, count: int, rng: np.random.Generator
) -> list[IntArray]:
    """Sort keys that put members with similar common interests next to each other.

    Each key is a bit mask of the member's 63 most common interests, the bits in a random
    order, so members sharing the interests of the high bits sort together.
    """
    common = np.argsort(-df, kind="stable")[:63]
    owner = _owner(table)
    keys = []
    for _ in range(count):
        bit = np.full(table.size, -1, dtype=np.int64)
        bit[common] = rng.permutation(len(common))
        on = bit[table.tags] >= 0
        mask = np.zeros(len(table.ptr) - 1, dtype=np.uint64)
        np.bitwise_or.at(
            mask, owner[on], np.left_shift(np.uint64(1), bit[table.tags][on].astype(np.uint64))
        )
        keys.append(mask)
    return keys


def _select(values: FloatArray, costs: IntArray, partners: IntArray, budget: float) -> np.ndarray:
    """Lists taken whole: most valuable first, while the budget lasts."""
    order = np.lexsort((np.arange(len(values)), costs, -values))
    eligible = partners[order] <= 0
    spent = np.cumsum(np.where(eligible, costs[order], 0))
    take = np.zeros(len(values), dtype=bool)
    take[order] = eligible & (spent <= budget)
    return take


def generate_candidates(
    feats: Features,
    seed: int,
    params: CandidateParams = CandidateParams(),
    only: np.ndarray | None = None,
) -> tuple[IntArray, IntArray]:
    """Candidate pairs (u < v), unique, sorted by u then v.

    With `only` (a bool mask), pairs are among those members only (the budget scales with
    their number); weights and rarity still refer to everyone.
    """
    n = feats.n
    w = feats.weights
    rng = np.random.default_rng([seed, n, 0xC0FFEE, 0 if only is None else int(only.sum())])
    interests, offers, wants = feats.interests, feats.offers, feats.wants
    if only is not None:
        interests, offers, wants = (t.restrict(only) for t in (interests, offers, wants))
    n_tags = interests.size

    singles = _group(interests.tags.copy(), _owner(interests), rng)
    pair_keys, pair_members = _tag_pairs(interests, n_tags)
    doubles = _group(pair_keys, pair_members, rng)
    skill_left = _group(offers.tags.copy(), _owner(offers), rng)
    skill_right = _group(wants.tags.copy(), _owner(wants), rng)
    cross_left = _group(*_cross(interests, offers), rng)
    cross_right = _group(*_cross(interests, wants), rng)

    def bip(left: _Lists, right: _Lists) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        common, li, ri = np.intersect1d(left.keys, right.keys, return_indices=True)
        a, b = left.sizes[li], right.sizes[ri]
        return common, a * b, np.maximum(a, b), a

    s_sizes, d_sizes = singles.sizes, doubles.sizes
    sk_keys, sk_cost, sk_partners, _ = bip(skill_left, skill_right)
    cr_keys, cr_cost, cr_partners, _ = bip(cross_left, cross_right)
    idf = feats.idf
    values = np.concatenate(
        (
            w.interest * idf[singles.keys],
            w.interest * (idf[doubles.keys // n_tags] + idf[doubles.keys % n_tags]),
            np.full(len(sk_keys), w.give),
            w.interest * idf[cr_keys // max(offers.size, 1)] + w.give,
        )
    )
    costs = np.concatenate(
        (s_sizes * (s_sizes - 1) // 2, d_sizes * (d_sizes - 1) // 2, sk_cost, cr_cost)
    )
    partners = np.concatenate((s_sizes - 1, d_sizes - 1, sk_partners, cr_partners))
    population = n if only is None else int(only.sum())
    take = _select(values, costs, partners - params.max_partners, params.budget * population)
    bounds = np.cumsum([0, len(s_sizes), len(d_sizes), len(sk_keys), len(cr_keys)])

    orders = _similarity_orders(interests, feats.df, params.similar_orders, rng)
    pairs = _Pairs()
    pairs.same(singles, take[bounds[0] : bounds[1]], params.window, orders)
    pairs.same(doubles, take[bounds[1] : bounds[2]], params.window, orders)
    pairs.bipartite(skill_left, skill_right, take[bounds[2] : bounds[3]], params.window)
    pairs.bipartite(cross_left, cross_right, take[bounds[3] : bounds[4]], params.window)
    people = np.arange(n) if only is None else np.flatnonzero(only)
    if len(people) >= 2 and params.background:
        tz = np.nan_to_num(feats.tz[people], nan=99.0)
        order = people[np.lexsort((rng.random(len(people)), np.round(tz)))]
        for d in range(1, min(params.background, len(people) - 1) + 1):
            pairs.add(order, np.roll(order, -d))
    logger.debug(
        "candidate lists: %d whole of %d; %d pairs before de-duplication",
        int(take.sum()),
        len(take),
        pairs.count,
    )
    if not pairs.us:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    u = np.concatenate(pairs.us).astype(np.int64)
    v = np.concatenate(pairs.vs).astype(np.int64)
    distinct = u != v
    lo, hi = np.minimum(u[distinct], v[distinct]), np.maximum(u[distinct], v[distinct])
    keys = _unique_sorted(lo * n + hi)
    return keys // n, keys % n


def _unique_sorted(keys: IntArray) -> IntArray:
    keys = np.sort(keys)
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys


def prune(n: int, u: IntArray, v: IntArray, w: FloatArray, keep: int) -> np.ndarray:
    """Mask of the pairs that are among the `keep` best of either endpoint."""
    m = len(u)
    if m == 0:
        return np.zeros(0, dtype=bool)
    by_weight = np.argsort(-w)  # deterministic for equal input
    edge = np.repeat(by_weight, 2)
    ends = np.empty(2 * m, dtype=np.uint16 if n <= np.iinfo(np.uint16).max else np.int64)
    ends[0::2] = u[by_weight]
    ends[1::2] = v[by_weight]
    order = np.argsort(ends, kind="stable")  # per member, best first
    sorted_ends = ends[order]
    first = np.flatnonzero(np.concatenate(([True], sorted_ends[1:] != sorted_ends[:-1])))
    rank = np.arange(2 * m) - np.repeat(first, np.diff(np.concatenate((first, [2 * m]))))
    mask = np.zeros(m, dtype=bool)
    mask[edge[order[rank < keep]]] = True
    return mask
