"""The matching engine: who meets whom in a round (pairs, plus one trio when odd).

`match` maximises the total weight of the round's groups (a trio counts its three pairs),
see DESIGN.md "Matching objective":

- members are sorted by id first, so the result never depends on input order;
- small rounds (a few hundred members) are solved exactly on the complete graph;
- large rounds use sparse candidates from inverted indexes (`candidates`) and a greedy start
  improved by exact solves of many small regions (`solver`);
- ties are broken towards one round of a round-robin 1-factorisation (`roundrobin`) chosen to
  fit the history, which keeps stable groups repeat-free for as long as possible;
- with an odd count, one extra "dummy" node is matched too; its partner joins the best pair
  to form the trio, and nobody from the previous round's trio is used when avoidable.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations, pairwise

import numpy as np

from bot.matching.candidates import CandidateParams, generate_candidates, prune
from bot.matching.features import Features, FloatArray, IntArray, build_features
from bot.matching.reasons import group_reasons
from bot.matching.roundrobin import circle_order, circle_round
from bot.matching.solver import SolverParams, greedy_matching, max_weight_perfect_matching
from bot.matching.types import Candidate, History, MatchedGroup, MatchResult, Weights
from bot.matching.weights import DEFAULT_WEIGHTS, PairScorer, last_met

logger = logging.getLogger(__name__)

#: Bonus (in weight units) for the pairs of the chosen round-robin round: a tie-break only.
TIE_BREAK = 1e-3
#: Up to this many members, every pair is a candidate and the round is solved exactly.
EXACT_LIMIT = 400
#: How many round-robin rounds are compared to pick the one that fits the history best.
FACTOR_CHOICES = 64
#: With an odd count and many members, this many members may be the trio's third member.
TRIO_SHORTLIST = 64
#: Odd rounds up to this size are solved by enumerating every grouping.
BRUTE_FORCE_LIMIT = 9


@dataclass(frozen=True, slots=True)
class EngineParams:
    exact_limit: int = EXACT_LIMIT
    candidates: CandidateParams = field(default_factory=CandidateParams)
    solver: SolverParams = field(default_factory=SolverParams)
    weak_share: float = 0.25  # members in the weakest pairs get a second candidate search
    refine_passes: int = 1  # further searches among the weakest pairs of a solution...
    refine_limit: int = 3000  # ...for rounds up to this size (where they are cheap)


def _dedupe_sorted(members: Sequence[Candidate]) -> list[Candidate]:
    ordered = sorted(members, key=lambda m: m.id)
    for a, b in pairwise(ordered):
        if a.id == b.id:
            raise ValueError(f"duplicate member id {a.id!r}")
    return ordered


def _tie_break_pairs(feats: Features, n_hist: int, seed: int) -> tuple[IntArray, IntArray]:
    """The round-robin round (over members + one ghost when odd) that fits history best.

    Pairs are node indices; the ghost is node n (the dummy of an odd round).
    """
    n = feats.n
    m = n + n % 2
    positions = np.concatenate((circle_order([c.id for c in feats.members]), [n]))[:m]
    rounds = m - 1
    first = (seed + n_hist) % rounds
    best: tuple[float, IntArray, IntArray] | None = None
    for k in range(min(rounds, FACTOR_CHOICES)):
        a, b = circle_round(m, (first + k) % rounds)
        u, v = positions[a], positions[b]
        real = (u < n) & (v < n)
        score = float(feats.pair_weights(u[real], v[real]).sum())
        if n % 2:
            x = np.where(u[~real] < n, u[~real], v[~real])
            score -= 1e6 * float(feats.prev_trio[x].sum())
        if best is None or score > best[0] + 1e-9:
            best = (score, u, v)
    assert best is not None
    u, v = best[1], best[2]
    return np.minimum(u, v), np.maximum(u, v)


def _trio_allowed(feats: Features) -> np.ndarray:
    """Who may be in the trio: everyone not in the last trio, if that leaves enough people."""
    allowed = ~feats.prev_trio
    return allowed if allowed.sum() >= 3 else np.ones(feats.n, dtype=bool)


def _brute_force(feats: Features) -> list[list[int]]:
    """Best grouping of a small odd round: fewest repeat trio members, then most weight."""
    n = feats.n
    everyone = list(range(n))
    iu, iv = np.triu_indices(n, 1)
    table = np.zeros((n, n))
    table[iu, iv] = feats.pair_weights(iu, iv)
    table += table.T

    def pairings(rest: list[int]) -> list[list[tuple[int, int]]]:
        if not rest:
            return [[]]
        head, tail = rest[0], rest[1:]
        out = []
        for i, partner in enumerate(tail):
            for more in pairings(tail[:i] + tail[i + 1 :]):
                out.append([(head, partner), *more])
        return out

    best: tuple[int, float, list[list[int]]] | None = None
    for trio in combinations(everyone, 3):
        repeat = int(feats.prev_trio[list(trio)].sum())
        rest = [x for x in everyone if x not in trio]
        trio_w = table[trio[0], trio[1]] + table[trio[0], trio[2]] + table[trio[1], trio[2]]
        for p in pairings(rest):
            total = trio_w + sum(table[a, b] for a, b in p)
            key = (repeat, -round(total, 9))
            if best is None or key < (best[0], best[1]):
                best = (repeat, -round(total, 9), [list(trio), *[list(x) for x in p]])
    assert best is not None
    return best[2]


def _insert_odd(feats: Features, mate: list[int], odd: int) -> list[list[int]]:
    """Turn a perfect matching of members + dummy into pairs plus one trio."""
    n = feats.n
    allowed = _trio_allowed(feats)
    pairs = sorted({(min(x, mate[x]), max(x, mate[x])) for x in range(n) if mate[x] < n})
    to_odd = feats.pair_weights(np.full(n, odd), np.arange(n))
    arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    gain = to_odd[arr[:, 0]] + to_odd[arr[:, 1]]
    ok = allowed[arr[:, 0]] & allowed[arr[:, 1]]
    if not ok.any():
        ok = np.ones(len(arr), dtype=bool)
    gain = np.where(ok, gain, -np.inf)
    host = int(np.argmax(gain))  # first maximum: deterministic
    groups = [list(p) for p in pairs]
    groups[host] = sorted([*groups[host], odd])
    return groups


def _complete_edges(feats: Features) -> tuple[IntArray, IntArray, FloatArray]:
    n = feats.n
    u, v = np.triu_indices(n, 1)
    u = u.astype(np.int64)
    v = v.astype(np.int64)
    return u, v, feats.pair_weights(u, v)


def _sparse_edges(
    feats: Features, seed: int, params: EngineParams
) -> tuple[IntArray, IntArray, FloatArray]:
    """Candidate edges from the inverted indexes, plus a second search among the members a
    first (greedy) matching leaves in its weakest pairs: the pairs that a member's own best
    candidates miss are mostly among people whose best candidates went to others.
    """
    n = feats.n
    cp = params.candidates
    u, v = generate_candidates(feats, seed, cp)
    w = feats.pair_weights(u, v)
    keep = prune(n, u, v, w, cp.keep)
    u, v, w = u[keep], v[keep], w[keep]
    if params.weak_share <= 0:
        return u, v, w
    mate = np.array(greedy_matching(n, u, v, w))
    return _merge([(u, v, w), _weak_edges(feats, mate, seed + 1, params)], n)


def _weak_edges(
    feats: Features, mate: IntArray, seed: int, params: EngineParams
) -> tuple[IntArray, IntArray, FloatArray]:
    """Candidates among the members of the weakest pairs of `mate` (and the unpaired)."""
    n = feats.n
    mate = np.where(mate < n, mate, -1)
    paired = np.flatnonzero(mate > np.arange(n))
    pw = feats.pair_weights(paired, mate[paired])
    cut = np.quantile(pw, params.weak_share) if len(pw) else 0.0
    weak = mate < 0
    low = paired[pw <= cut]
    weak[low] = True
    weak[mate[low]] = True
    u, v = generate_candidates(feats, seed, params.candidates, only=weak)
    w = feats.pair_weights(u, v)
    keep = prune(n, u, v, w, params.candidates.keep)
    logger.debug("search among %d weakly paired members: %d pairs", int(weak.sum()), len(u))
    return u[keep], v[keep], w[keep]


def _merge(
    parts: list[tuple[IntArray, IntArray, FloatArray]], n_nodes: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """Concatenate edge lists (u < v); a pair listed twice keeps its largest weight."""
    u = np.concatenate([p[0] for p in parts])
    v = np.concatenate([p[1] for p in parts])
    w = np.concatenate([p[2] for p in parts])
    keys = u * n_nodes + v
    order = np.lexsort((-w, keys))
    keys, w = keys[order], w[order]
    first = np.concatenate(([True], keys[1:] != keys[:-1]))
    keys, w = keys[first], w[first]
    return keys // n_nodes, keys % n_nodes, w


def plan_groups(
    feats: Features, n_hist: int, seed: int, params: EngineParams = EngineParams()
) -> list[list[int]]:
    """Groups of member indices (sorted inside) for one round."""
    n = feats.n
    if n < 2:
        return []
    if n % 2 and n <= BRUTE_FORCE_LIMIT:
        return [sorted(g) for g in _brute_force(feats)]
    odd = n % 2 == 1
    n_nodes = n + int(odd)
    pairs = feats.pair_weights
    tu, tv = _tie_break_pairs(feats, n_hist, seed)
    real = tv < n
    parts = []
    if n <= params.exact_limit:
        parts.append(_complete_edges(feats))
    else:
        parts.append(_sparse_edges(feats, seed, params))
    parts.append((tu[real], tv[real], pairs(tu[real], tv[real])))
    if odd:
        allowed = _trio_allowed(feats)
        if n <= params.exact_limit:
            pool = np.flatnonzero(allowed)
        else:
            # Members whose best candidate is weakest lose least by leaving the pairs.
            u, v, w = parts[0]
            best = np.full(n, -np.inf)
            np.maximum.at(best, u, w)
            np.maximum.at(best, v, w)
            best[~allowed] = np.inf
            pool = np.argsort(best, kind="stable")[:TRIO_SHORTLIST]
            pool = pool[allowed[pool]]
        ghost_partner = tu[~real]
        if allowed[ghost_partner].all():
            pool = np.union1d(pool, ghost_partner)
        parts.append((pool, np.full(len(pool), n), np.zeros(len(pool))))
    u, v, w = _merge(parts, n_nodes)

    def any_pairs(a: IntArray, b: IntArray) -> FloatArray:
        out = np.zeros(len(a))
        inner = (a < n) & (b < n)
        out[inner] = pairs(a[inner], b[inner])
        return out

    solver = params.solver
    if n_nodes <= params.exact_limit:
        solver = replace(solver, exact_limit=n_nodes)
    tie_keys = tu * n_nodes + tv

    def solve(u: IntArray, v: IntArray, w: FloatArray) -> list[int]:
        bonus = np.isin(u * n_nodes + v, tie_keys)
        return max_weight_perfect_matching(n_nodes, u, v, w + TIE_BREAK * bonus, any_pairs, solver)

    mate = solve(u, v, w)
    if params.exact_limit < n_nodes <= params.refine_limit:
        for rep in range(params.refine_passes):
            extra = _weak_edges(feats, np.array(mate[:n]), seed + 2 + rep, params)
            u, v, w = _merge([(u, v, w), extra], n_nodes)
            mate = solve(u, v, w)
    if odd:
        return _insert_odd(feats, mate, mate[n])
    return [sorted((x, mate[x])) for x in range(n) if x < mate[x]]


def match(
    members: Sequence[Candidate],
    history: History = (),
    weights: Weights = DEFAULT_WEIGHTS,
    seed: int = 0,
    params: EngineParams = EngineParams(),
) -> MatchResult:
    """Group `members` for one round: pairs, plus exactly one trio when the count is odd.

    Deterministic for (members, history, weights, seed), whatever the order of `members`.
    Raises ValueError on duplicate ids.
    """
    ordered = _dedupe_sorted(members)
    n = len(ordered)
    logger.info("matching %d members (seed %d, %d past rounds)", n, seed, len(history))
    if n < 2:
        return MatchResult(seed=seed)
    met = last_met(history, (m.id for m in ordered))
    feats = build_features(ordered, history, weights, met)
    groups = plan_groups(feats, len(history), seed, params)
    scorer = PairScorer(ordered, weights=weights, idf=feats_idf(feats), met=met)
    out = []
    for g in groups:
        people = [ordered[i] for i in g]
        out.append(
            MatchedGroup(
                members=tuple(p.id for p in people),
                weight=scorer.group_weight(people),
                reasons=group_reasons(people, scorer),
            )
        )
    out.sort(key=lambda g: (-g.weight, g.members))
    result = MatchResult(seed=seed, groups=tuple(out))
    logger.info("matched %d members into %d groups, total %.3f", n, len(out), result.total_weight)
    return result


def feats_idf(feats: Features) -> dict[str, float]:
    return dict(zip(feats.interest_names, feats.idf.tolist(), strict=True))
