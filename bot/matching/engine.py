"""The matching engine: who meets whom in a round (pairs, plus one trio when odd; groups of
three to eight are planned by `groups`, see there).

`match` maximises the total weight of the round's groups (a trio counts its three pairs),
see DESIGN.md "Matching objective":

- members are sorted by id first, so the result never depends on input order;
- small rounds (a few hundred members) are solved exactly on the complete graph;
- larger rounds use sparse candidates from inverted indexes (`candidates`), a second search
  among the members a first matching leaves in its weakest pairs, and a near-exact matching
  (`solver`: the linear relaxation by auction, rounded, polished by exact region solves);
- ties are broken towards one round of a round-robin 1-factorisation (`roundrobin`) chosen to
  fit the history, which keeps stable groups repeat-free for as long as possible;
- with an odd count, one extra "dummy" node is matched too; its partner joins the best pair
  to form the trio; then other trios are tried, most promising first by the relaxation's
  duals (small rounds provably find the best trio); nobody from the previous round's trio
  is in the trio again when that is avoidable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations, pairwise

import numpy as np

from bot.matching.candidates import CandidateParams, generate_candidates, prune
from bot.matching.check import check_groups
from bot.matching.features import Features, FloatArray, IntArray, build_features
from bot.matching.groups import GroupParams, plan_groups_k
from bot.matching.reasons import group_reasons
from bot.matching.roundrobin import circle_order, circle_round
from bot.matching.sizes import MAX_GROUP_SIZE, MIN_GROUP_SIZE
from bot.matching.solver import (
    Matching,
    PairWeights,
    SolverParams,
    exact_matching,
    greedy_matching,
    max_by_key,
    max_weight_perfect_matching,
)
from bot.matching.types import (
    DEFAULT_RULES,
    Candidate,
    History,
    MatchedGroup,
    MatchResult,
    Rules,
    Violation,
    Weights,
)
from bot.matching.weights import DEFAULT_WEIGHTS, PairScorer, last_met

logger = logging.getLogger(__name__)

#: Bonus (in weight units) for the pairs of the chosen round-robin round: a tie-break only.
TIE_BREAK = 1e-3
#: Up to this many members, every pair is a candidate and the round is solved exactly.
EXACT_LIMIT = 300
#: How many round-robin rounds are compared to pick the one that fits the history best
#: (small rounds, where repeats are hard to avoid; large rounds only look at a few).
FACTOR_CHOICES = 64
FACTOR_CHOICES_LARGE = 4
#: With an odd count and many members, this many members may be the trio's third member.
TRIO_SHORTLIST = 64
#: Odd rounds up to this size are solved by enumerating every grouping.
BRUTE_FORCE_LIMIT = 9
#: Other trios tried: triangles among each member's best few partners, this many of them
#: re-solved exactly in small rounds, or re-paired locally in large ones.
TRIO_NEIGHBOURS = 8
TRIO_NEIGHBOURS_MANY = 5  # rounds of more than TRIO_MANY_MEMBERS
TRIO_MANY_MEMBERS = 3000
TRIO_ALL_TRIANGLES = 100_000  # small rounds: consider every triangle up to this many
TRIO_EXACT_TRIES = 64
TRIO_LOCAL_TRIES = 64
TRIO_RESOLVE_BUDGET = 4000  # medium rounds re-solve about this / N of the best trios


@dataclass(frozen=True, slots=True)
class EngineParams:
    exact_limit: int = EXACT_LIMIT
    candidates: CandidateParams = field(default_factory=CandidateParams)
    solver: SolverParams = field(default_factory=SolverParams)
    weak_share: float = 0.25  # members in the weakest pairs get a second candidate search
    refine_passes: int = 1  # further searches among the weakest pairs of a solution...
    refine_limit: int = 3000  # ...for rounds up to this size (where they are cheap)
    groups: GroupParams = field(default_factory=GroupParams)  # group sizes 3 and more


def _dedupe_sorted(members: Sequence[Candidate]) -> list[Candidate]:
    ordered = sorted(members, key=lambda m: m.id)
    for a, b in pairwise(ordered):
        if a.id == b.id:
            raise ValueError(f"duplicate member id {a.id!r}")
    return ordered


def _tie_break_pairs(
    feats: Features, n_hist: int, seed: int, choices: int
) -> tuple[IntArray, IntArray]:
    """The round-robin round (over members + one ghost when odd) that fits history best.

    Pairs are node indices; the ghost is node n (the dummy of an odd round). The rounds
    compared start at (seed + number of past rounds), so with stable membership consecutive
    rounds walk through the factorisation whatever the seeds.
    """
    n = feats.n
    m = n + n % 2
    positions = np.concatenate((circle_order([c.id for c in feats.members]), [n]))[:m]
    rounds = m - 1
    first = (seed + n_hist) % rounds
    best: tuple[float, IntArray, IntArray] | None = None
    for k in range(min(rounds, choices)):
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
    if feats.rules.hard:
        u, v = _with_rule_ring(feats, seed, u, v)
    w = feats.pair_weights(u, v)
    keep = prune(n, u, v, w, cp.keep)
    u, v, w = u[keep], v[keep], w[keep]
    if params.weak_share <= 0:
        return u, v, w
    mate = np.array(greedy_matching(n, u, v, w))
    return _merge([(u, v, w), _weak_edges(feats, mate, seed + 1, params)], n)


#: With required rules, each member also gets this many neighbours on each side in a ring
#: ordered by location (partners that likely keep the rules, whatever the interests).
RULE_RING = 8


def _with_rule_ring(
    feats: Features, seed: int, u: IntArray, v: IntArray
) -> tuple[IntArray, IntArray]:
    n = feats.n
    rng = np.random.default_rng([seed, n, 0x5EED])
    loc = feats.location if feats.location is not None else np.zeros(n, dtype=np.int64)
    ring = np.lexsort((rng.random(n), loc))
    us, vs = [u], [v]
    for d in range(1, min(RULE_RING, n - 1) + 1):
        a, b = ring, np.roll(ring, -d)
        us.append(np.minimum(a, b))
        vs.append(np.maximum(a, b))
    keys = np.unique(np.concatenate(us) * n + np.concatenate(vs))
    return keys // n, keys % n


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
    keys, w = max_by_key(u * n_nodes + v, w)
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
    small = n <= params.exact_limit
    tu, tv = _tie_break_pairs(
        feats, n_hist, seed, FACTOR_CHOICES if small else FACTOR_CHOICES_LARGE
    )
    real = tv < n
    parts = []
    if small:
        parts.append(_complete_edges(feats))
    else:
        parts.append(_sparse_edges(feats, seed, params))
    parts.append((tu[real], tv[real], pairs(tu[real], tv[real])))
    if odd:
        allowed = _trio_allowed(feats)
        if small:
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
    del parts  # the merged edges replace them (memory of big rounds)

    def any_pairs(a: IntArray, b: IntArray) -> FloatArray:
        out = np.zeros(len(a))
        inner = (a < n) & (b < n)
        out[inner] = pairs(a[inner], b[inner])
        return out

    solver = params.solver
    if n_nodes <= params.exact_limit:
        solver = replace(solver, exact_limit=n_nodes)
    tie_keys = tu * n_nodes + tv

    def solve(u: IntArray, v: IntArray, w: FloatArray) -> Matching:
        bonus = np.isin(u * n_nodes + v, tie_keys)
        return max_weight_perfect_matching(
            n_nodes, u, v, w + TIE_BREAK * bonus, any_pairs, solver, want_duals=odd
        )

    mate = solve(u, v, w)
    if params.exact_limit < n_nodes <= params.refine_limit:
        for rep in range(params.refine_passes):
            extra = _weak_edges(feats, np.array(mate.mate[:n]), seed + 2 + rep, params)
            u, v, w = _merge([(u, v, w), extra], n_nodes)
            mate = solve(u, v, w)
    if not odd:
        return [sorted((x, mate.mate[x])) for x in range(n) if x < mate.mate[x]]
    groups = _insert_odd(feats, mate.mate, mate.mate[n])
    real_edges = (u[v < n], v[v < n], w[v < n])

    def resolve(trio: list[int]) -> list[list[int]]:
        return [sorted(trio), *_pairs_without(feats, trio, real_edges, any_pairs, solver)]

    medium = not small and n <= params.refine_limit
    return _better_trio(feats, groups, real_edges, mate.duals, resolve if medium else None, small)


def _pairs_without(
    feats: Features,
    trio: list[int],
    edges: tuple[IntArray, IntArray, FloatArray],
    pair_weights: PairWeights,
    solver: SolverParams,
) -> list[list[int]]:
    """Near-best pairs of everyone but `trio`, on the same candidate edges."""
    n = feats.n
    u, v, w = edges
    index = np.full(n + 1, -1, dtype=np.int64)
    rest = np.array([x for x in range(n) if x not in trio], dtype=np.int64)
    index[rest] = np.arange(len(rest))
    on = (index[u] >= 0) & (index[v] >= 0)

    def weights_of(a: IntArray, b: IntArray) -> FloatArray:
        return pair_weights(rest[a], rest[b])

    result = max_weight_perfect_matching(
        len(rest), index[u[on]], index[v[on]], w[on], weights_of, solver
    )
    return [sorted((int(rest[a]), int(rest[b]))) for a, b in enumerate(result.mate) if a < b]


def _better_trio(
    feats: Features,
    groups: list[list[int]],
    edges: tuple[IntArray, IntArray, FloatArray],
    duals: FloatArray | None,
    resolve: Callable[[list[int]], list[list[int]]] | None,
    exact: bool,
) -> list[list[int]]:
    """Try other trios, most promising first, keep the best grouping.

    With duals y of the pairs' relaxation (y_i + y_j >= w_ij), the whole round with trio T
    is worth at most w(T) + Σ y − y(T): triangles are tried in that order, and the search
    stops once no remaining triangle can beat the best grouping found. Each triangle tried
    is first judged by re-pairing only the people it displaces; `resolve` (when given)
    re-solves everyone else's pairs for the most promising few. Small rounds (`exact`)
    consider every triangle and re-solve each, so they find the best trio.
    """
    n = feats.n
    allowed = _trio_allowed(feats)
    y = np.zeros(n) if duals is None else duals[:n]
    t = _triangles(feats, edges, allowed, y, everyone=exact)
    if not len(t):
        return groups
    tw = (
        feats.pair_weights(t[:, 0], t[:, 1])
        + feats.pair_weights(t[:, 0], t[:, 2])
        + feats.pair_weights(t[:, 1], t[:, 2])
    )
    group_of, share = _shares(feats, groups)
    weights = _group_weights(feats, groups)
    old_trio = next(i for i, g in enumerate(groups) if len(g) == 3)
    base_total = float(weights.sum())
    if duals is None:
        bound = tw - share[t].sum(axis=1)  # a ranking only
        slack = np.inf
    else:
        bound = tw + y.sum() - y[t].sum(axis=1)
        slack = 1e-6 + n * 0.01
    order = np.lexsort((t[:, 2], t[:, 1], t[:, 0], -bound))
    best, best_total = groups, _total(feats, groups)
    tries = _trio_tries(n) if exact else TRIO_LOCAL_TRIES
    judged: list[tuple[float, int, list[int]]] = []
    for rank, idx in enumerate(order[:tries].tolist()):
        if np.isfinite(slack) and bound[idx] + slack <= best_total:
            break  # no remaining triangle can do better
        trio = t[idx].tolist()
        if exact:
            candidate = _with_trio_exact(feats, trio)
            total = _total(feats, candidate)
        else:
            gain, touched, made = _with_trio_local(feats, groups, group_of, weights, old_trio, trio)
            total = base_total + gain
            if total > best_total + 1e-9:
                dropped = set(touched)
                candidate = [g for i, g in enumerate(groups) if i not in dropped] + made
        judged.append((-total, rank, trio))
        if total > best_total + 1e-9:
            best, best_total = candidate, total
    if resolve is not None and not exact:
        # Everyone else's pairs re-solved around the best trios by local judgement, and
        # around the first one (whose pairs were solved with its host pair fixed).
        retry = [trio for _, _, trio in sorted(judged)[: _resolve_tries(n)]]
        retry.append(groups[old_trio])
        for trio in dict.fromkeys(tuple(sorted(x)) for x in retry):
            candidate = resolve(list(trio))
            total = _total(feats, candidate)
            if total > best_total + 1e-9:
                best, best_total = candidate, total
    return best


def _shares(feats: Features, groups: list[list[int]]) -> tuple[IntArray, FloatArray]:
    """Each member's group index, and what that group is worth to them."""
    group_of = np.zeros(feats.n, dtype=np.int64)
    share = np.zeros(feats.n)
    weight = _group_weights(feats, groups)
    for i, g in enumerate(groups):
        group_of[g] = i
        share[g] = weight[i] / (len(g) - 1)
    return group_of, share


def _triangles(
    feats: Features,
    edges: tuple[IntArray, IntArray, FloatArray],
    allowed: np.ndarray,
    y: FloatArray,
    everyone: bool,
) -> IntArray:
    """Candidate trios (rows a < b < c) of allowed members: every triangle when there are few,
    otherwise those within each member's best partners by reduced profit w_ab - (y_a + y_b)/2.
    """
    people = np.flatnonzero(allowed)
    k = len(people)
    if everyone and k * (k - 1) * (k - 2) // 6 <= TRIO_ALL_TRIANGLES:
        return np.array(list(combinations(people.tolist(), 3)), dtype=np.int64).reshape(-1, 3)
    u, v, w = edges
    on = allowed[u] & allowed[v]
    u, v, w = u[on], v[on], w[on]
    if not len(u):
        return np.zeros((0, 3), dtype=np.int64)
    ends = np.concatenate((u, v))
    nbrs = np.concatenate((v, u))
    profit = np.concatenate((w, w)) - (y[ends] + y[nbrs]) / 2.0
    order = np.lexsort((nbrs, -profit, ends))
    ends, nbrs = ends[order], nbrs[order]
    first = np.searchsorted(ends, ends)
    k = TRIO_NEIGHBOURS if feats.n <= TRIO_MANY_MEMBERS else TRIO_NEIGHBOURS_MANY
    top = (np.arange(len(ends)) - first) < k
    ends, nbrs = ends[top], nbrs[top]
    ptr = np.searchsorted(ends, np.arange(feats.n + 1))
    deg = np.diff(ptr)
    tri = [np.zeros((0, 3), dtype=np.int64)]
    for i in range(k):
        for j in range(i + 1, k):
            a = np.flatnonzero(deg > j)
            tri.append(np.stack((a, nbrs[ptr[a] + i], nbrs[ptr[a] + j]), axis=1))
    t = np.sort(np.concatenate(tri), axis=1)
    n = feats.n
    keys = np.unique((t[:, 0] * n + t[:, 1]) * n + t[:, 2])
    return np.stack((keys // (n * n), keys // n % n, keys % n), axis=1)


def _resolve_tries(n: int) -> int:
    """How many trios a medium round re-solves everyone else's pairs for."""
    return max(1, min(8, TRIO_RESOLVE_BUDGET // n))


def _trio_tries(n: int) -> int:
    """How many triangles a small round re-solves exactly (each solve costs ~n^2.5)."""
    return max(2, min(TRIO_EXACT_TRIES, int(2e6 / n**2.5)))


def _with_trio_exact(feats: Features, trio: list[int]) -> list[list[int]]:
    rest = np.array([x for x in range(feats.n) if x not in trio], dtype=np.int64)
    i, j = np.triu_indices(len(rest), 1)
    mate = exact_matching(len(rest), i, j, feats.pair_weights(rest[i], rest[j]))
    pairs = [[int(rest[a]), int(rest[b])] for a, b in enumerate(mate) if a < b]
    return [sorted(trio), *pairs]


def _with_trio_local(
    feats: Features,
    groups: list[list[int]],
    group_of: IntArray,
    weights: FloatArray,
    old_trio: int,
    trio: list[int],
) -> tuple[float, list[int], list[list[int]]]:
    """Make `trio` a group; the people it takes from their groups (and the old trio) pair up
    among themselves. Returns (the change in total weight, groups dissolved, groups made)."""
    touched = sorted({int(group_of[x]) for x in trio} | {old_trio})
    freed = sorted({x for i in touched for x in groups[i]} - set(trio))
    made = [sorted(trio), *_best_pairing(feats, freed)]
    gain = _total(feats, made) - float(weights[touched].sum())
    return gain, touched, made


def _best_pairing(feats: Features, people: list[int]) -> list[list[int]]:
    """Best pairing of a handful of people (exact, by rustworkx)."""
    if not people:
        return []
    arr = np.array(people, dtype=np.int64)
    i, j = np.triu_indices(len(arr), 1)
    mate = exact_matching(len(arr), i, j, feats.pair_weights(arr[i], arr[j]))
    return [sorted((int(arr[a]), int(arr[b]))) for a, b in enumerate(mate) if a < b]


def _group_weights(feats: Features, groups: list[list[int]]) -> FloatArray:
    """The weight of each group (a trio counts its three pairs)."""
    us, vs, gs = [], [], []
    for i, g in enumerate(groups):
        for a, b in combinations(g, 2):
            us.append(a)
            vs.append(b)
            gs.append(i)
    w = feats.pair_weights(np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64))
    return np.bincount(np.array(gs, dtype=np.int64), weights=w, minlength=len(groups))


def _total(feats: Features, groups: list[list[int]]) -> float:
    return float(_group_weights(feats, groups).sum())


def _violations(
    groups: Sequence[MatchedGroup], by_id: dict[str, Candidate], scorer: PairScorer
) -> tuple[Violation, ...]:
    """Each (rule, group) broken, with how many of the group's pairs break it."""
    out: list[Violation] = []
    for g in groups:
        counts: dict[str, int] = {}
        for a, b in combinations(g.members, 2):
            for rule in scorer.broken(by_id[a], by_id[b]):
                counts[rule] = counts.get(rule, 0) + 1
        out.extend(Violation(rule, g.members, c) for rule, c in sorted(counts.items()))  # type: ignore[arg-type]
    return tuple(out)


def match(
    members: Sequence[Candidate],
    history: History = (),
    weights: Weights = DEFAULT_WEIGHTS,
    seed: int = 0,
    params: EngineParams = EngineParams(),
    *,
    group_size: int = 2,
    rules: Rules = DEFAULT_RULES,
) -> MatchResult:
    """Group `members` for one round into groups of `group_size` (see `sizes.group_sizes`:
    for pairs, pairs plus exactly one trio when the count is odd), following `rules`.

    Required rules and exclusions are broken as few times as possible (zero when a valid
    grouping is found), then the weight is maximised; the result lists every group that
    breaks a rule in `violations`. Deterministic for (members, history, weights, seed,
    group_size, rules), whatever the order of `members`. Raises ValueError on duplicate ids
    or a group size outside 2..8.
    """
    if not MIN_GROUP_SIZE <= group_size <= MAX_GROUP_SIZE:
        raise ValueError(f"group size must be {MIN_GROUP_SIZE}..{MAX_GROUP_SIZE}, got {group_size}")
    ordered = _dedupe_sorted(members)
    n = len(ordered)
    logger.info(
        "matching %d members in groups of %d (seed %d, %d past rounds)",
        n,
        group_size,
        seed,
        len(history),
    )
    if n < 2:
        return MatchResult(seed=seed)
    met = last_met(history, (m.id for m in ordered))
    feats = build_features(ordered, history, weights, met, rules, group_size)
    if group_size == 2:
        groups = plan_groups(feats, len(history), seed, params)
    else:
        groups = plan_groups_k(feats, group_size, seed, params.groups)
    scorer = PairScorer(
        ordered,
        weights=weights,
        idf=dict(zip(feats.interest_names, feats.idf.tolist(), strict=True)),
        met=met,
        rules=rules,
    )
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
    check_groups([g.members for g in out], (m.id for m in ordered), group_size)
    broken = _violations(out, {m.id: m for m in ordered}, scorer) if rules.hard else ()
    result = MatchResult(seed=seed, groups=tuple(out), violations=broken)
    if broken:
        logger.info("%d group(s) break a rule", len({v.group for v in broken}))
    logger.info("matched %d members into %d groups, total %.3f", n, len(out), result.total_weight)
    return result
