"""Sparse candidate partners: who might be a good match for whom, without an N×N scan.

Candidates come from *lists* of members built with inverted indexes; every pair a list gives
is sure to get at least the list's value:

- one interest t (members listing t): interest·idf(t);
- two interests t, t' (members listing both): interest·(idf(t) + idf(t'));
- one skill s (offerers of s × wanters of s): give;
- two skills (offerers of both × wanters of both; or offers s and wants s' × the reverse):
  2·give;
- an interest and a skill (offerers of s × wanters of s, all listing t): interest·idf(t) + give.

Three ways to take pairs from the lists, all deterministic for a seed:

1. whole lists, most valuable first, while a global pair budget (linear in the number of
   members) lasts;
2. member scans: every member takes all partners of its own most valuable lists while its
   personal budget lasts (so nobody's best partners hide in a big list);
3. neighbours: on the other lists, a few neighbours in a seeded shuffle and in orders that put
   people with similar common interests together.

A few background neighbours on a shuffle ordered by time zone give everyone cheap fallbacks.
`prune` then keeps each member's best candidates (a pair stays if either side keeps it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from bot.matching.features import Features, FloatArray, IntArray, TagTable

logger = logging.getLogger(__name__)

ValueOf = Callable[[IntArray], FloatArray]


@dataclass(frozen=True, slots=True)
class CandidateParams:
    budget: float = 40.0  # pairs per member for lists taken whole
    max_partners: int = 150  # a list is taken whole only if nobody gets more partners than this
    scan: int = 60  # partners per member from its own most valuable lists
    window: int = 3  # other lists: neighbours on each side, in each order
    similar_orders: int = 2  # orders of each list by similar interests (besides a random one)
    background: int = 10  # background neighbours on each side
    # Small rounds can afford more: member scans and background neighbours grow so that
    # each adds about this many pairs in all (capped below).
    floor_pairs: int = 100_000
    max_scan: int = 400
    max_background: int = 50
    keep: int = 30


def _empty() -> IntArray:
    return np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class _Lists:
    """Entries grouped into lists (contiguous, seeded-random order within a list)."""

    keys: IntArray  # per list
    ptr: IntArray  # per list, into members
    members: IntArray  # per entry

    @property
    def sizes(self) -> IntArray:
        return np.diff(self.ptr)

    def entry_list(self) -> IntArray:
        return np.repeat(np.arange(len(self.keys)), self.sizes)


def _group(keys: IntArray, members: IntArray, rng: np.random.Generator) -> _Lists:
    if len(keys) == 0:
        return _Lists(_empty(), np.zeros(1, dtype=np.int64), _empty())
    order = np.lexsort((rng.random(len(keys)), keys))
    keys, members = keys[order], members[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return _Lists(keys[starts], np.concatenate((starts, [len(keys)])), members)


def _take(lists: _Lists, which: IntArray) -> _Lists:
    """The lists `which` (in that order) of `lists`."""
    sizes = lists.sizes[which]
    ptr = np.zeros(len(which) + 1, dtype=np.int64)
    np.cumsum(sizes, out=ptr[1:])
    pos = np.repeat(lists.ptr[which] - ptr[:-1], sizes) + np.arange(int(ptr[-1]))
    return _Lists(lists.keys[which], ptr, lists.members[pos])


def _owner(table: TagTable) -> IntArray:
    return np.repeat(np.arange(len(table.ptr) - 1, dtype=np.int64), table.degree())


def _tag_pairs(table: TagTable) -> tuple[IntArray, IntArray]:
    """(t * size + t', member) for every pair t < t' of each member's tags."""
    deg = table.degree()
    keys, members = [], []
    for k in np.unique(deg[deg >= 2]).tolist():
        who = np.flatnonzero(deg == k)
        tags = table.tags[table.ptr[who][:, None] + np.arange(k)]
        i, j = np.triu_indices(k, 1)
        keys.append((tags[:, i] * table.size + tags[:, j]).ravel())
        members.append(np.repeat(who, len(i)))
    if not keys:
        return _empty(), _empty()
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


@dataclass(frozen=True, slots=True)
class _Family:
    """Lists of one kind. Same-side lists pair members among themselves (`right` is None);
    two-sided lists pair `left[i]` members with `right[i]` members."""

    left: _Lists
    right: _Lists | None
    value: FloatArray  # per list

    @property
    def cost(self) -> IntArray:
        a = self.left.sizes
        return a * (a - 1) // 2 if self.right is None else a * self.right.sizes

    @property
    def partners(self) -> IntArray:
        """Most partners anyone gets if the list is taken whole."""
        a = self.left.sizes
        return a - 1 if self.right is None else np.maximum(a, self.right.sizes)


def _same(
    keys: IntArray, members: IntArray, value_of_key: ValueOf, rng: np.random.Generator
) -> _Family:
    lists = _group(keys, members, rng)
    return _Family(lists, None, value_of_key(lists.keys))


def _two_sided(
    left: tuple[IntArray, IntArray],
    right: tuple[IntArray, IntArray],
    value_of_key: ValueOf,
    rng: np.random.Generator,
) -> _Family:
    a = _group(*left, rng)
    b = _group(*right, rng)
    common, ai, bi = np.intersect1d(a.keys, b.keys, assume_unique=True, return_indices=True)
    return _Family(_take(a, ai), _take(b, bi), value_of_key(common))


#: Pair keys held before they are de-duplicated (bounds the peak memory of big rounds).
COMPACT_AT = 1 << 22


#: Pairs made at once by a member scan (bounded temporaries).
SCAN_CHUNK = 1 << 20


def _chunks(counts: IntArray, size: int) -> list[int]:
    """Cut points 0 = c0 < c1 < ... = len(counts) so that each slice sums to about `size`."""
    total = np.cumsum(counts)
    cuts = np.searchsorted(total, np.arange(size, int(total[-1]) if len(total) else 0, size))
    return sorted({0, *cuts.tolist(), len(counts)})


def _flat(parts: list[np.ndarray]) -> np.ndarray:
    """Concatenate and empty `parts` (its arrays are freed as soon as they are copied)."""
    out = np.concatenate(parts) if parts else _empty()
    parts.clear()
    return out


class _Pairs:
    """Pairs kept as sorted-later keys min·n + max (self-pairs dropped); de-duplicated
    whenever many have piled up, so big rounds never hold every raw pair at once."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.parts: list[IntArray] = []
        self.pending = 0
        self.base = 0  # distinct keys at the last compaction
        self.count = 0  # raw pairs added

    def add(self, u: IntArray, v: IntArray) -> None:
        if not len(u):
            return
        u = u.astype(np.int64, copy=False)
        v = v.astype(np.int64, copy=False)
        distinct = u != v
        lo = np.minimum(u, v)[distinct]
        lo *= self.n
        lo += np.maximum(u, v)[distinct]
        self.parts.append(lo)
        self.count += len(u)
        self.pending += len(lo)
        if self.pending >= max(COMPACT_AT, self.base):
            self.parts = [self.keys()]
            self.base = len(self.parts[0])
            self.pending = 0

    def keys(self) -> IntArray:
        """The distinct keys, sorted."""
        if not self.parts:
            return _empty()
        keys = np.concatenate(self.parts) if len(self.parts) > 1 else self.parts[0]
        self.parts = []
        return _unique_sorted(keys)

    def _forward(self, members: IntArray, reach: IntArray) -> None:
        """Pair each entry with the next `reach` entries."""
        active = np.flatnonzero(reach > 0)
        d = 1
        while len(active):
            self.add(members[active], members[active + d])
            d += 1
            active = active[reach[active] >= d]

    def _product(self, a: _Lists, b: _Lists, which: IntArray) -> None:
        """Every member of a's list i with every member of b's list i, for i in `which`."""
        na, nb = a.sizes[which], b.sizes[which]
        # Entries of a's chosen lists, each repeated once per member of b's list.
        ea = np.repeat(a.ptr[which] - np.cumsum(na) + na, na) + np.arange(int(na.sum()))
        reps = np.repeat(nb, na)
        start_b = np.repeat(np.repeat(b.ptr[which], na), reps)
        k = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
        self.add(np.repeat(a.members[ea], reps), b.members[start_b + k])

    def whole(self, fam: _Family, take: np.ndarray) -> None:
        which = np.flatnonzero(take)
        if fam.right is None:
            lists = fam.left
            entry = lists.entry_list()
            pos = np.arange(len(lists.members)) - lists.ptr[entry]
            reach = np.where(take[entry], lists.sizes[entry] - 1 - pos, 0)
            self._forward(lists.members, reach)
        else:
            self._product(fam.left, fam.right, which)

    def neighbours(
        self, fam: _Family, skip: np.ndarray, window: int, orders: list[IntArray]
    ) -> None:
        """A few neighbours on every list not in `skip`."""
        if fam.right is None:
            lists = fam.left
            entry = lists.entry_list()
            keep = ~skip[entry]
            members, entry = lists.members[keep], entry[keep]
            pos = np.arange(len(lists.members))[keep] - lists.ptr[lists.entry_list()[keep]]
            left = lists.sizes[entry] - 1 - pos
            reach = np.minimum(left, window)
            self._forward(members, reach)  # the list's own (random) order
            for key in orders:
                # `left` is a count, so it stays valid after reordering within a list.
                order = np.lexsort((key[members], entry))
                self._forward(members[order], reach)
            return
        idx = np.flatnonzero(~skip)
        a, b = fam.left, fam.right
        na, nb = a.sizes[idx], b.sizes[idx]
        for src, n_src, dst, n_dst in ((a, na, b, nb), (b, nb, a, na)):
            rep = np.repeat(idx, n_src)
            i = np.arange(int(n_src.sum())) - np.repeat(np.cumsum(n_src) - n_src, n_src)
            members = src.members[src.ptr[rep] + i]
            n_to = np.repeat(n_dst, n_src)
            for d in range(window):
                ok = d < n_to
                j = (i * n_to // np.repeat(n_src, n_src) + d) % np.maximum(n_to, 1)
                self.add(members[ok], dst.members[(dst.ptr[rep] + j)[ok]])

    def scans(self, families: list[_Family], per_member: int) -> None:
        """Each member takes all partners of its most valuable lists, up to `per_member`."""
        member, value, count, fam_id, side, entry = [], [], [], [], [], []
        for f, fam in enumerate(families):
            sides = (
                [(0, fam.left, fam.left.sizes - 1)]
                if fam.right is None
                else [
                    (0, fam.left, fam.right.sizes),
                    (1, fam.right, fam.left.sizes),
                ]
            )
            for s, lists, partners in sides:
                e = lists.entry_list()
                member.append(lists.members)
                value.append(fam.value[e])
                count.append(partners[e])
                fam_id.append(np.full(len(e), f, dtype=np.int8))
                side.append(np.full(len(e), s, dtype=np.int8))
                entry.append(np.arange(len(e)))
        m, v, c = _flat(member), _flat(value), _flat(count)
        f_all, s_all, e_all = _flat(fam_id), _flat(side), _flat(entry)
        if not len(m):
            return
        order = np.lexsort((c, np.negative(v, out=v), m))
        del v
        m_sorted, c_sorted = m[order], c[order]
        starts = np.flatnonzero(np.concatenate(([True], m_sorted[1:] != m_sorted[:-1])))
        total = np.cumsum(c_sorted)
        before = np.repeat(total[starts] - c_sorted[starts], np.diff(np.append(starts, len(m))))
        chosen = order[(total - before) <= per_member]
        del order, m_sorted, c_sorted, total, before, m, c
        for f, fam in enumerate(families):
            for s in (0, 1):
                if s == 1 and fam.right is None:
                    continue
                sel = chosen[(f_all[chosen] == f) & (s_all[chosen] == s)]
                if not len(sel):
                    continue
                mine = fam.left if s == 0 else fam.right
                other = fam.left if fam.right is None else (fam.right if s == 0 else fam.left)
                assert mine is not None and other is not None
                e_sel = e_all[sel]
                lst_sel = mine.entry_list()[e_sel]
                n_sel = other.sizes[lst_sel]
                # In slices of about SCAN_CHUNK pairs: bounded temporaries.
                bounds = _chunks(n_sel, SCAN_CHUNK)
                for lo, hi in pairwise(bounds):
                    e, lst, n_other = e_sel[lo:hi], lst_sel[lo:hi], n_sel[lo:hi]
                    k = np.arange(int(n_other.sum())) - np.repeat(
                        np.cumsum(n_other) - n_other, n_other
                    )
                    self.add(
                        np.repeat(mine.members[e], n_other),
                        other.members[np.repeat(other.ptr[lst], n_other) + k],
                    )


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
        shift = bit[table.tags][on].astype(np.uint64)
        np.bitwise_or.at(mask, owner[on], np.left_shift(np.uint64(1), shift))
        keys.append(mask)
    return keys


def _families(
    feats: Features,
    interests: TagTable,
    offers: TagTable,
    wants: TagTable,
    rng: np.random.Generator,
) -> list[_Family]:
    w = feats.weights
    idf = feats.idf
    nt, ns = interests.size, max(offers.size, 1)
    give = w.give

    def one_tag(k: IntArray) -> FloatArray:
        return w.interest * idf[k]

    def two_tags(k: IntArray) -> FloatArray:
        return w.interest * (idf[k // nt] + idf[k % nt])

    def one_skill(k: IntArray) -> FloatArray:
        return np.full(len(k), give)

    def two_skills(k: IntArray) -> FloatArray:
        return np.full(len(k), 2 * give)

    def tag_skill(k: IntArray) -> FloatArray:
        return w.interest * idf[k // ns] + give

    owner_o, owner_w = _owner(offers), _owner(wants)
    return [
        _same(interests.tags.copy(), _owner(interests), one_tag, rng),
        _same(*_tag_pairs(interests), two_tags, rng),
        _two_sided((offers.tags.copy(), owner_o), (wants.tags.copy(), owner_w), one_skill, rng),
        _two_sided(_tag_pairs(offers), _tag_pairs(wants), two_skills, rng),
        _two_sided(_cross(offers, wants), _cross(wants, offers), two_skills, rng),
        _two_sided(_cross(interests, offers), _cross(interests, wants), tag_skill, rng),
    ]


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
    rng = np.random.default_rng([seed, n, 0xC0FFEE, 0 if only is None else int(only.sum())])
    interests, offers, wants = feats.interests, feats.offers, feats.wants
    if only is not None:
        interests, offers, wants = (t.restrict(only) for t in (interests, offers, wants))
    families = _families(feats, interests, offers, wants, rng)

    # Whole lists: most valuable first while the budget lasts (ties: cheaper first).
    values = np.concatenate([f.value for f in families])
    costs = np.concatenate([f.cost for f in families])
    partners = np.concatenate([f.partners for f in families])
    population = n if only is None else int(only.sum())
    order = np.lexsort((np.arange(len(values)), costs, -values))
    eligible = partners[order] <= params.max_partners
    spent = np.cumsum(np.where(eligible, costs[order], 0))
    take = np.zeros(len(values), dtype=bool)
    take[order] = eligible & (spent <= params.budget * population)
    bounds = np.cumsum([0] + [len(f.value) for f in families])

    orders = _similarity_orders(interests, feats.df, params.similar_orders, rng)
    pairs = _Pairs(n)
    for f, fam in enumerate(families):
        part = take[bounds[f] : bounds[f + 1]]
        pairs.whole(fam, part)
        pairs.neighbours(fam, part, params.window, orders if fam.right is None else [])
    people = np.arange(n) if only is None else np.flatnonzero(only)
    extra = params.floor_pairs // max(len(people), 1)
    pairs.scans(families, max(params.scan, min(params.max_scan, extra)))
    background = max(params.background, min(params.max_background, extra // 2))
    if len(people) >= 2 and background:
        tz = np.nan_to_num(feats.tz[people], nan=99.0)
        ring = people[np.lexsort((rng.random(len(people)), np.round(tz)))]
        for d in range(1, min(background, len(people) - 1) + 1):
            pairs.add(ring, np.roll(ring, -d))
    logger.debug(
        "candidate lists: %d whole of %d; %d pairs before de-duplication",
        int(take.sum()),
        len(take),
        pairs.count,
    )
    keys = pairs.keys()
    return keys // n, keys % n


def _unique_sorted(keys: IntArray) -> IntArray:
    keys.sort()  # in place: the caller's array is a temporary (or already sorted: cheap)
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys


def prune(n: int, u: IntArray, v: IntArray, w: FloatArray, keep: int) -> np.ndarray:
    """Mask of the pairs that are among the `keep` best of either endpoint.

    Ties are broken by the position in ``argsort(-w)`` (deterministic for equal input).
    One sort of ``endpoint * m + position`` keys ranks every member's pairs, best first;
    big inputs are ranked a range of endpoints at a time (bounded temporaries).
    """
    m = len(u)
    if m == 0:
        return np.zeros(0, dtype=bool)
    small = np.int32 if m < 2**31 else np.int64
    order = np.negative(w)
    order = np.argsort(order)
    by_weight = order.astype(small)
    del order
    pos = np.empty(m, dtype=small)
    pos[by_weight] = np.arange(m, dtype=small)
    deg = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
    mask = np.zeros(m, dtype=bool)
    pieces = max(1, -(-2 * m // PRUNE_CHUNK))
    cuts = np.searchsorted(np.cumsum(deg), np.arange(1, pieces) * (2 * m // pieces))
    for lo, hi in pairwise([0, *cuts.tolist(), n]):
        if hi <= lo:
            continue
        key = np.concatenate(
            (
                _side_keys(u, pos, m, lo, hi),
                _side_keys(v, pos, m, lo, hi),
            )
        )
        key.sort()
        d = deg[lo:hi]
        start = np.cumsum(d) - d
        take = np.minimum(d, keep)
        first = np.cumsum(take) - take
        at = np.repeat(start - first, take) + np.arange(int(take.sum()), dtype=np.int64)
        mask[by_weight[key[at] % m]] = True
    return mask


#: Keys ranked at once by `prune`.
PRUNE_CHUNK = 1 << 21


def _side_keys(ends: IntArray, pos: IntArray, m: int, lo: int, hi: int) -> IntArray:
    """endpoint * m + position of the edges whose endpoint (this side) is in [lo, hi)."""
    on = np.flatnonzero((ends >= lo) & (ends < hi))
    key = ends[on].astype(np.int64)
    key *= m
    key += pos[on]
    return key
