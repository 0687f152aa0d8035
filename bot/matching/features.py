"""Members as numpy arrays, and the pair objective vectorised over arrays of pairs.

`Features.pair_weights(u, v)` computes exactly the weight of `bot.matching.weights` for many
pairs of member indices at once, without building anything N×N: shared interests and
offers→wants are found by looking up `member * vocabulary + tag` keys in sorted arrays.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.matching.types import DEFAULT_RULES, Candidate, History, Rules, Weights
from bot.matching.weights import HARD_PENALTY, TIMEZONE_FREE_HOURS, last_met, previous_trio

logger = logging.getLogger(__name__)

IntArray = np.ndarray
FloatArray = np.ndarray


@dataclass(frozen=True, slots=True)
class TagTable:
    """One kind of tag per member, as CSR: member i has `tags[ptr[i]:ptr[i + 1]]` (sorted)."""

    ptr: IntArray
    tags: IntArray
    keys: IntArray  # sorted member * size + tag
    size: int  # vocabulary size
    dense: np.ndarray | None  # bool per member * size + tag, when small enough

    def contains(self, keys: IntArray) -> np.ndarray:
        """Whether each `member * size + tag` key is present."""
        if self.dense is not None:
            return self.dense[keys]
        return _isin_sorted(self.keys, keys)

    def members_of(self) -> tuple[IntArray, IntArray]:
        """The inverted index: (ptr, members) with members of tag t in members[ptr[t]:ptr[t+1]]."""
        owner = np.repeat(np.arange(len(self.ptr) - 1, dtype=np.int64), np.diff(self.ptr))
        order = np.argsort(self.tags, kind="stable")
        counts = np.bincount(self.tags, minlength=self.size)
        ptr = np.zeros(self.size + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        return ptr, owner[order]

    def degree(self) -> IntArray:
        return np.diff(self.ptr)

    def restrict(self, keep: np.ndarray) -> TagTable:
        """The same table with the tags of members outside `keep` (a bool mask) removed."""
        owner = np.repeat(np.arange(len(self.ptr) - 1, dtype=np.int64), self.degree())
        on = keep[owner]
        ptr = np.zeros_like(self.ptr)
        np.cumsum(np.where(keep, self.degree(), 0), out=ptr[1:])
        keys = self.keys[keep[self.keys // self.size]]
        return TagTable(ptr=ptr, tags=self.tags[on], keys=keys, size=self.size, dense=None)


#: Pairs weighed at once by `Features.pair_weights` (bigger inputs go in chunks).
PAIR_CHUNK = 1 << 21

#: Membership tables up to this many member × tag cells are kept as a flat bool array.
DENSE_TABLE_LIMIT = 1 << 25


def _isin_sorted(haystack: IntArray, needles: IntArray) -> np.ndarray:
    """`np.isin` for a sorted, unique haystack (needles are sorted first: faster lookups)."""
    if len(haystack) == 0 or len(needles) == 0:
        return np.zeros(len(needles), dtype=bool)
    if len(needles) > 1 and bool(np.all(needles[1:] >= needles[:-1])):
        at = np.searchsorted(haystack, needles)
        at[at == len(haystack)] = 0
        return haystack[at] == needles
    order = np.argsort(needles, kind="stable")
    at = np.searchsorted(haystack, needles[order])
    at[at == len(haystack)] = 0
    out = np.empty(len(needles), dtype=bool)
    out[order] = haystack[at] == needles[order]
    return out


def _table(per_member: Sequence[frozenset[str]], vocab: Mapping[str, int]) -> TagTable:
    n = len(per_member)
    counts = np.fromiter((len(s) for s in per_member), dtype=np.int64, count=n)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    size = max(len(vocab), 1)
    owner = np.repeat(np.arange(n, dtype=np.int64), counts)
    unsorted = np.fromiter(
        (vocab[x] for s in per_member for x in s), dtype=np.int64, count=int(ptr[-1])
    )
    keys = np.sort(owner * size + unsorted)  # each member's tags sorted, members in order
    tags = keys - owner * size
    dense = None
    if n * size <= DENSE_TABLE_LIMIT:
        dense = np.zeros(n * size, dtype=bool)
        dense[keys] = True
    return TagTable(ptr=ptr, tags=tags, keys=keys, size=size, dense=dense)


def _overlap(
    a: TagTable, u: IntArray, b: TagTable, v: IntArray, values: FloatArray | None
) -> FloatArray:
    """For each pair k: Σ values[t] (or the count) over tags t in a[u[k]] that are in b[v[k]]."""
    m = len(u)
    out = np.zeros(m, dtype=np.float64)
    if m == 0 or len(b.keys) == 0 or len(a.tags) == 0:
        return out
    start = a.ptr[u]
    deg = a.ptr[u + 1] - start
    idx = np.flatnonzero(deg > 0)
    col = 0
    while len(idx):
        tag = a.tags[start[idx] + col]
        hit = b.contains(v[idx] * b.size + tag)
        if values is None:
            out[idx[hit]] += 1.0
        else:
            out[idx[hit]] += values[tag[hit]]
        col += 1
        idx = idx[deg[idx] > col]
    return out


#: Interest vocabularies up to this many 64-bit words per member also get bit sets.
BIT_WORDS = 16


def _bits(table: TagTable) -> np.ndarray:
    """Each member's tags as a bit set: (words, n) uint64 (a word's row is contiguous)."""
    n = len(table.ptr) - 1
    words = -(-table.size // 64)
    out = np.zeros(n * words, dtype=np.uint64)
    owner = np.repeat(np.arange(n, dtype=np.int64), table.degree())
    np.bitwise_or.at(
        out,
        owner * words + table.tags // 64,
        np.left_shift(np.uint64(1), (table.tags % 64).astype(np.uint64)),
    )
    return np.ascontiguousarray(out.reshape(n, words).T)


def _bit_overlap(bits: np.ndarray, u: IntArray, v: IntArray, values: FloatArray) -> FloatArray:
    """Σ values[t] over the tags t that u[k] and v[k] share, in increasing t (the same sums,
    in the same order, as `_overlap`): AND of bit sets, then the set bits, lowest first."""
    m = len(u)
    out = np.zeros(m, dtype=np.float64)
    one = np.uint64(1)
    for lo in range(0, m, PAIR_CHUNK):
        hi = min(m, lo + PAIR_CHUNK)
        for word in range(bits.shape[0]):
            x = bits[word][u[lo:hi]] & bits[word][v[lo:hi]]
            idx = np.flatnonzero(x)
            x = x[idx]
            idx += lo
            while len(idx):
                low = x & (~x + one)
                out[idx] += values[word * 64 + np.bitwise_count(low - one).astype(np.int64)]
                x ^= low
                more = x != 0
                idx, x = idx[more], x[more]
    return out


def _bit_count(a: np.ndarray, u: IntArray, b: np.ndarray, v: IntArray) -> FloatArray:
    """How many tags of a[u[k]] are in b[v[k]] (bit sets)."""
    out = np.zeros(len(u), dtype=np.float64)
    for word in range(a.shape[0]):
        out += np.bitwise_count(a[word][u] & b[word][v])
    return out


@dataclass(frozen=True, slots=True)
class Features:
    """The eligible members of one round (sorted by id) in array form."""

    members: tuple[Candidate, ...]
    weights: Weights
    interests: TagTable
    interest_names: tuple[str, ...]
    idf: FloatArray  # per interest
    df: IntArray  # per interest
    offers: TagTable
    wants: TagTable
    skill_names: tuple[str, ...]
    team: IntArray  # -1 when unset
    tz: FloatArray  # nan when unset
    met_keys: IntArray  # sorted u * n + v (u < v) of pairs that met
    met_ago: IntArray  # rounds ago, aligned with met_keys
    prev_trio: np.ndarray  # bool per member (in an off-size group last round)
    rules: Rules = DEFAULT_RULES
    location: IntArray | None = None  # -1 when unset
    manager: IntArray | None = None  # -1 when unset
    excluded: IntArray | None = None  # sorted u * n + v (u < v) of excluded pairs
    interest_bits: np.ndarray | None = None  # uint64 bit set of each member's interests
    offer_bits: np.ndarray | None = None  # ...offers
    want_bits: np.ndarray | None = None  # ...and wants

    @property
    def n(self) -> int:
        return len(self.members)

    def pair_keys(self, u: IntArray, v: IntArray) -> IntArray:
        lo = np.minimum(u, v).astype(np.int64)
        hi = np.maximum(u, v).astype(np.int64)
        return lo * self.n + hi

    def rounds_ago(self, u: IntArray, v: IntArray) -> IntArray:
        """Rounds since each pair last met (0 when never)."""
        out = np.zeros(len(u), dtype=np.int64)
        if len(self.met_keys) == 0 or len(u) == 0:
            return out
        key = self.pair_keys(u, v)
        hit = _isin_sorted(self.met_keys, key)
        out[hit] = self.met_ago[np.searchsorted(self.met_keys, key[hit])]
        return out

    def interest_score(self, u: IntArray, v: IntArray) -> FloatArray:
        """S for each pair (u[k], v[k])."""
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        if self.interest_bits is not None:
            return _bit_overlap(self.interest_bits, u, v, self.idf)
        deg = self.interests.degree()
        swap = deg[u] > deg[v]
        a = np.where(swap, v, u)
        b = np.where(swap, u, v)
        return _overlap(self.interests, a, self.interests, b, self.idf)

    def pair_weights(self, u: IntArray, v: IntArray) -> FloatArray:
        """weight(u[k], v[k]) for every k (indices into `members`)."""
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        if len(u) > PAIR_CHUNK:  # bounded temporaries: the same values, less peak memory
            return np.concatenate(
                [
                    self.pair_weights(u[i : i + PAIR_CHUNK], v[i : i + PAIR_CHUNK])
                    for i in range(0, len(u), PAIR_CHUNK)
                ]
            )
        w = self.weights
        total = np.zeros(len(u), dtype=np.float64)
        if w.interest:
            total += w.interest * self.interest_score(u, v)
        if w.give:
            if self.offer_bits is not None and self.want_bits is not None:
                g = _bit_count(self.offer_bits, u, self.want_bits, v)
                g += _bit_count(self.offer_bits, v, self.want_bits, u)
            else:
                g = _overlap(self.offers, u, self.wants, v, None)
                g += _overlap(self.offers, v, self.wants, u, None)
            total += w.give * g
        if w.cross_team:
            tu, tv = self.team[u], self.team[v]
            total += w.cross_team * ((tu >= 0) & (tv >= 0) & (tu != tv))
        if w.timezone:
            d = np.abs(self.tz[u] - self.tz[v]) % 24.0
            d = np.minimum(d, 24.0 - d)
            z = np.nan_to_num(np.maximum(d - TIMEZONE_FREE_HOURS, 0.0), nan=0.0)
            total -= w.timezone * z
        if w.repeat and len(self.met_keys):
            ago = self.rounds_ago(u, v)
            met = ago > 0
            total[met] -= w.repeat * np.power(w.repeat_decay, ago[met] - 1.0)
        rules = self.rules
        located = self.location is not None and rules.location_weight
        if rules.same_location == "preferred" and located:
            total += rules.location_weight * _same(self.location, u, v)
        if rules.hard:
            total -= HARD_PENALTY * self.violations(u, v)
        return total

    def violations(self, u: IntArray, v: IntArray) -> IntArray:
        """How many required rules (or exclusions) each pair breaks."""
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        out = np.zeros(len(u), dtype=np.int64)
        rules = self.rules
        if rules.different_team == "required":
            out += _same(self.team, u, v)
        if rules.different_manager == "required" and self.manager is not None:
            out += _same(self.manager, u, v)
        if rules.same_location == "required" and self.location is not None:
            lu, lv = self.location[u], self.location[v]
            out += (lu >= 0) & (lv >= 0) & (lu != lv)
        if self.excluded is not None and len(self.excluded) and len(u):
            out += _isin_sorted(self.excluded, self.pair_keys(u, v))
        return out


def _same(values: IntArray, u: IntArray, v: IntArray) -> np.ndarray:
    """Whether both members of each pair have the attribute set, to the same value."""
    a, b = values[u], values[v]
    return (a >= 0) & (a == b)


def _codes(values: Sequence[str | None]) -> IntArray:
    """Each value's index among the sorted distinct values (-1 for None)."""
    vocab = {t: i for i, t in enumerate(sorted({x for x in values if x is not None}))}
    return np.fromiter(
        (-1 if x is None else vocab[x] for x in values), dtype=np.int64, count=len(values)
    )


def build_features(
    members: Sequence[Candidate],
    history: History,
    weights: Weights,
    met: Mapping[tuple[str, str], int] | None = None,
    rules: Rules = DEFAULT_RULES,
    group_size: int = 2,
) -> Features:
    """Array form of `members`, which must already be sorted by id with unique ids.

    `met` is `last_met(history, ids)` when the caller already has it. `prev_trio` marks who
    was in a group of a size other than `group_size` in the last round.
    """
    n = len(members)
    index = {m.id: i for i, m in enumerate(members)}
    interest_names = tuple(sorted({t for m in members for t in m.interests}))
    interest_vocab = {t: i for i, t in enumerate(interest_names)}
    interests = _table([m.interests for m in members], interest_vocab)
    df = np.bincount(interests.tags, minlength=len(interest_names)).astype(np.int64)
    idf = np.log1p(n / np.maximum(df, 1)).astype(np.float64)
    skill_names = tuple(sorted({t for m in members for t in m.offers | m.wants}))
    skill_vocab = {t: i for i, t in enumerate(skill_names)}
    offers = _table([m.offers for m in members], skill_vocab)
    wants = _table([m.wants for m in members], skill_vocab)
    team_names = sorted({m.team for m in members if m.team is not None})
    team_vocab = {t: i for i, t in enumerate(team_names)}
    team = np.fromiter(
        (-1 if m.team is None else team_vocab[m.team] for m in members), dtype=np.int64, count=n
    )
    tz = np.fromiter(
        (np.nan if m.utc_offset_hours is None else m.utc_offset_hours for m in members),
        dtype=np.float64,
        count=n,
    )
    if met is None:
        met = last_met(history, index)
    if met:
        pairs = np.array([(index[a], index[b], ago) for (a, b), ago in met.items()], dtype=np.int64)
        keys = np.minimum(pairs[:, 0], pairs[:, 1]) * n + np.maximum(pairs[:, 0], pairs[:, 1])
        order = np.argsort(keys)
        met_keys, met_ago = keys[order], pairs[order, 2]
    else:
        met_keys = np.zeros(0, dtype=np.int64)
        met_ago = np.zeros(0, dtype=np.int64)
    trio = previous_trio(history, group_size)
    prev = np.fromiter((m.id in trio for m in members), dtype=bool, count=n)
    excluded = None
    if rules.exclude:
        pairs = [(index[a], index[b]) for a, b in rules.exclude if a in index and b in index]
        ex = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        excluded = np.unique(ex.min(axis=1) * n + ex.max(axis=1))
    if rules.different_team == "off":
        weights = replace(weights, cross_team=0.0)
    return Features(
        members=tuple(members),
        weights=weights,
        interests=interests,
        interest_names=interest_names,
        idf=idf,
        df=df,
        offers=offers,
        wants=wants,
        skill_names=skill_names,
        team=team,
        tz=tz,
        met_keys=met_keys,
        met_ago=met_ago,
        prev_trio=prev,
        rules=rules,
        location=_codes([m.location for m in members]),
        manager=_codes([m.manager for m in members]),
        excluded=excluded,
        interest_bits=_bits(interests) if interests.size <= 64 * BIT_WORDS else None,
        offer_bits=_bits(offers) if offers.size <= 64 * BIT_WORDS else None,
        want_bits=_bits(wants) if wants.size <= 64 * BIT_WORDS else None,
    )
