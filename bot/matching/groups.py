"""Groups of three or more: sizes fixed first, then a fast local search on dense blocks.

The size structure comes from `sizes.group_sizes`. The objective is the sum of the weights
of all pairs inside each group (`Features.pair_weights`, which already charges
`HARD_PENALTY` for each pair breaking a required rule or an exclusion), minus
`OFF_SIZE_PENALTY` for each member who was in an off-size group last round and is in one
again.

- Members are cut into blocks of at most `BLOCK` (ordered so that people who may share a
  location and a rare interest are in the same block; with a location rule on, each
  location gets group sizes that fit its count when the size structure allows); each
  block's pair weights are one dense matrix, computed with matrix products
  (`dense_weights`).
- In a block, a greedy start (seed a group, add whoever adds most to it) is improved by a
  local search whose moves are evaluated for every member at once with numpy: *swap* two
  members of different groups, *move* a member to a group one smaller (which keeps the size
  structure). `M[a, g]` — what member a would add to group g — is kept up to date, so one
  sweep scores all B² swaps in a few array operations, then applies as many improving,
  non-overlapping moves as it finds, best first.
- Every block then runs an iterated local search (kick: a few random swaps; descend; keep
  when no worse); small blocks do so from many starts, half of them uniformly random.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

import numpy as np

from bot.matching.features import Features, FloatArray, IntArray
from bot.matching.sizes import group_sizes
from bot.matching.weights import HARD_PENALTY, TIMEZONE_FREE_HOURS

logger = logging.getLogger(__name__)

#: Most members in one dense block (a B×B float64 matrix: 2,500 members = 50 MB).
BLOCK = 2500
#: Block size once a round needs several blocks (smaller blocks: faster sweeps).
BLOCK_MANY = 1250
#: Charged per member in an off-size group twice in a row (below HARD_PENALTY, above weights).
OFF_SIZE_PENALTY = 1e4
#: Improvements smaller than this are ignored (floating-point noise).
EPS = 1e-9


@dataclass(frozen=True, slots=True)
class GroupParams:
    block: int = BLOCK
    block_many: int = BLOCK_MANY
    restarts_small: int = 20  # starts (half from random groupings) up to `small` members...
    small: int = 64
    kicks_small: int = 20  # ...each followed by this many perturbation rounds
    kicks: int = 200  # perturbation rounds for blocks up to `medium` members
    medium: int = 400
    kicks_large: int = 3  # perturbation rounds for larger blocks
    max_sweeps: int = 400
    repair_rounds: int = 200  # rotations (ejection chains) tried to mend broken rules


def dense_weights(feats: Features, idx: IntArray) -> FloatArray:
    """The matrix of `feats.pair_weights` among members `idx` (diagonal 0), by products."""
    idx = np.asarray(idx, dtype=np.int64)
    b = len(idx)
    w = feats.weights
    out = np.zeros((b, b))
    if w.interest and len(feats.interest_names):
        x = _one_hot(feats.interests, idx)
        out += w.interest * ((x * feats.idf) @ x.T)
    if w.give and len(feats.skill_names):
        offers = _one_hot(feats.offers, idx)
        wants = _one_hot(feats.wants, idx)
        g = offers @ wants.T
        out += w.give * (g + g.T)
    if w.cross_team:
        t = feats.team[idx]
        out += w.cross_team * ((t[:, None] >= 0) & (t[None, :] >= 0) & (t[:, None] != t[None, :]))
    if w.timezone:
        tz = feats.tz[idx]
        d = np.abs(tz[:, None] - tz[None, :]) % 24.0
        z = np.nan_to_num(np.maximum(np.minimum(d, 24.0 - d) - TIMEZONE_FREE_HOURS, 0.0), nan=0.0)
        out -= w.timezone * z
    rules = feats.rules
    loc = feats.location[idx] if feats.location is not None else np.full(b, -1)
    if rules.same_location == "preferred" and rules.location_weight:
        out += rules.location_weight * _same(loc)
    if rules.hard:
        bad = np.zeros((b, b))
        if rules.different_team == "required":
            bad += _same(feats.team[idx])
        if rules.different_manager == "required" and feats.manager is not None:
            bad += _same(feats.manager[idx])
        if rules.same_location == "required":
            bad += (loc[:, None] >= 0) & (loc[None, :] >= 0) & (loc[:, None] != loc[None, :])
        out -= HARD_PENALTY * bad
    pos = np.full(feats.n, -1, dtype=np.int64)
    pos[idx] = np.arange(b)
    n = feats.n
    if w.repeat and len(feats.met_keys):
        u, v = pos[feats.met_keys // n], pos[feats.met_keys % n]
        on = (u >= 0) & (v >= 0)
        pen = w.repeat * np.power(w.repeat_decay, feats.met_ago[on] - 1.0)
        out[u[on], v[on]] -= pen
        out[v[on], u[on]] -= pen
    if rules.hard and feats.excluded is not None and len(feats.excluded):
        u, v = pos[feats.excluded // n], pos[feats.excluded % n]
        on = (u >= 0) & (v >= 0)
        out[u[on], v[on]] -= HARD_PENALTY
        out[v[on], u[on]] -= HARD_PENALTY
    np.fill_diagonal(out, 0.0)
    return out


def _same(values: IntArray) -> np.ndarray:
    return (values[:, None] >= 0) & (values[:, None] == values[None, :])


def _one_hot(table: object, idx: IntArray) -> FloatArray:
    ptr, tags, size = table.ptr, table.tags, table.size  # type: ignore[attr-defined]
    start, deg = ptr[idx], ptr[idx + 1] - ptr[idx]
    rows = np.repeat(np.arange(len(idx)), deg)
    pos = np.repeat(start - np.cumsum(deg) + deg, deg) + np.arange(int(deg.sum()))
    out = np.zeros((len(idx), size))
    out[rows, tags[pos]] = 1.0
    return out


class _Block:
    """Local search state for one dense block."""

    def __init__(self, w: FloatArray, sizes: list[int], k: int, prev_off: np.ndarray) -> None:
        self.w = w
        self.b = len(w)
        self.k = k
        self.pen = OFF_SIZE_PENALTY * prev_off.astype(np.float64)  # per member
        self.size0 = np.array(sizes, dtype=np.int64)

    # -- state ------------------------------------------------------------------------
    def load(self, group_of: IntArray) -> None:
        self.g = group_of.copy()
        self.sz = np.bincount(self.g, minlength=len(self.size0))
        self.off = (self.sz != self.k).astype(np.float64)
        order = np.argsort(self.g, kind="stable")
        starts = np.searchsorted(self.g[order], np.arange(len(self.sz)))
        self.m = np.add.reduceat(self.w[:, order], starts, axis=1)

    def value(self) -> float:
        own = self.m[np.arange(self.b), self.g]
        return float(own.sum() / 2.0 - (self.pen * self.off[self.g]).sum())

    # -- construction -----------------------------------------------------------------
    def greedy(self, rng: np.random.Generator, randomised: bool) -> IntArray:
        """Fill groups (largest first): a seed, then whoever adds most to the group."""
        b, w = self.b, self.w
        group_of = np.full(b, -1, dtype=np.int64)
        free = np.ones(b, dtype=bool)
        best = w.max(axis=1) if b > 1 else np.zeros(b)
        order = rng.permutation(b) if randomised else np.argsort(-best, kind="stable")
        cursor = 0
        for gi in np.argsort(-self.size0, kind="stable").tolist():
            while not free[order[cursor]]:
                cursor += 1
            seed = int(order[cursor])
            free[seed] = False
            group_of[seed] = gi
            gain = w[seed].copy()
            for _ in range(int(self.size0[gi]) - 1):
                cand = np.where(free, gain, -np.inf)
                if randomised:
                    cand = cand + rng.random(b) * 1e-6
                x = int(np.argmax(cand))
                free[x] = False
                group_of[x] = gi
                gain += w[x]
        return group_of

    # -- local search -----------------------------------------------------------------
    def descend(self, max_sweeps: int) -> int:
        """Apply improving swaps and moves until none is left; returns the sweeps made."""
        b = self.b
        ar = np.arange(b)
        w = self.w
        for sweep in range(max_sweeps):
            g = self.g
            pen_here = self.pen * self.off[g]
            own = self.m[ar, g] - pen_here
            # gain[a, x] = what a would get in x's group (a not counted in it).
            gain = self.m[:, g] - self.pen[:, None] * self.off[g][None, :]
            delta = gain + gain.T - 2.0 * w - own[:, None] - own[None, :]
            delta[g[:, None] == g[None, :]] = -np.inf
            partner = np.argmax(delta, axis=1)
            swap_gain = delta[ar, partner]
            # moves: a to a group exactly one smaller than its own.
            # The two groups trade sizes (and off-size flags): a keeps its own penalty.
            movable = self.sz[None, :] == (self.sz[g] - 1)[:, None]
            move = np.where(movable, self.m, -np.inf) - self.m[ar, g][:, None]
            target = np.argmax(move, axis=1)
            move_gain = move[ar, target]
            move_gain += self._move_side_effect(ar, target)
            cands = []
            for a in np.flatnonzero(swap_gain > EPS).tolist():
                cands.append((float(swap_gain[a]), 0, a, int(partner[a])))
            for a in np.flatnonzero(move_gain > EPS).tolist():
                cands.append((float(move_gain[a]), 1, a, int(target[a])))
            if not cands:
                return sweep
            cands.sort(key=lambda c: (-c[0], c[1], c[2], c[3]))
            touched: set[int] = set()
            applied = 0
            for _, kind, a, x in cands:
                ga = int(self.g[a])
                gx = int(self.g[x]) if kind == 0 else x
                if ga in touched or gx in touched:
                    continue
                touched.update((ga, gx))
                if kind == 0:
                    self._swap(a, x)
                else:
                    if self._move_delta(a, x) <= EPS:
                        continue
                    self._move(a, x)
                applied += 1
            if not applied:
                return sweep
        return max_sweeps

    def _move_side_effect(self, a: IntArray, target: IntArray) -> FloatArray:
        """Off-size penalty change for the other members when a's group and `target` trade
        sizes (their off-size flags trade too)."""
        if not self.pen.any():
            return np.zeros(len(a))
        ga = self.g[a]
        pen_by_group = np.bincount(self.g, weights=self.pen, minlength=len(self.sz))
        off_a, off_t = self.off[ga], self.off[target]
        rest_a = pen_by_group[ga] - self.pen[a]
        # After the move: group ga has size of target (flag off_t), target has flag off_a.
        return -(rest_a * (off_t - off_a) + pen_by_group[target] * (off_a - off_t))

    def _move_delta(self, a: int, h: int) -> float:
        ga = int(self.g[a])
        before = self._group_value(ga) + self._group_value(h)
        self._move(a, h)
        after = self._group_value(ga) + self._group_value(h)
        self._move(a, ga)
        return after - before

    def _group_value(self, gi: int) -> float:
        members = np.flatnonzero(self.g == gi)
        inner = float(self.m[members, gi].sum() / 2.0)
        return inner - float(self.pen[members].sum() * self.off[gi])

    def _swap(self, a: int, b: int) -> None:
        ga, gb = int(self.g[a]), int(self.g[b])
        diff = self.w[:, b] - self.w[:, a]
        self.m[:, ga] += diff
        self.m[:, gb] -= diff
        self.g[a], self.g[b] = gb, ga

    def _move(self, a: int, h: int) -> None:
        ga = int(self.g[a])
        self.m[:, ga] -= self.w[:, a]
        self.m[:, h] += self.w[:, a]
        self.g[a] = h
        self.sz[ga] -= 1
        self.sz[h] += 1
        self.off[ga] = float(self.sz[ga] != self.k)
        self.off[h] = float(self.sz[h] != self.k)

    # -- repair -----------------------------------------------------------------------
    def broken(self) -> IntArray:
        """Members who share their group with someone they must not meet (a required rule
        or an exclusion), most such group-mates first."""
        bad = (self.w <= -HARD_PENALTY / 2) & (self.g[:, None] == self.g[None, :])
        count = bad.sum(axis=1)
        who = np.flatnonzero(count)
        return who[np.argsort(-count[who], kind="stable")]

    def repair(self, max_rounds: int, max_sweeps: int) -> int:
        """Ejection chains of length three for the members who break a rule: a goes to b's
        group, b to c's group, c to a's (sizes unchanged), the best such rotation over all
        b, c at once; then descend again. Swaps and moves alone get stuck when a rule
        leaves few valid partners (three teams in groups of three: only a rotation through
        three groups mends a group). Returns the rotations applied."""
        applied = 0
        for _ in range(max_rounds):
            who = self.broken()
            if not len(who):
                break
            if not self._rotate_one(who):
                break
            applied += 1
            self.descend(max_sweeps)
        return applied

    def _rotate_one(self, who: IntArray) -> bool:
        g, w, ar = self.g, self.w, np.arange(self.b)
        value = self.m - self.pen[:, None] * self.off[None, :]  # x's value in group h
        own = value[ar, g]
        # y[b, c]: b takes c's place in c's group (c leaves it).
        y = value[:, g] - w - own[None, :]
        y[g[:, None] == g[None, :]] = -np.inf
        for a in who.tolist():
            ga = int(g[a])
            x = value[a, g] - w[a] - own  # a takes b's place
            x[g == ga] = -np.inf
            # A chain: a takes b's place, b joins a group h one smaller than a's (the two
            # groups trade sizes).
            fits = (self.sz == self.sz[ga] - 1) & (np.arange(len(self.sz)) != ga)
            if fits.any():
                e = np.where(fits[None, :], value, -np.inf)
                e[ar, g] = -np.inf
                e = x[:, None] + e - own[a]
                b, h = np.unravel_index(int(np.argmax(e)), e.shape)
                if e[b, h] > EPS and self._try([(a, int(g[b])), (int(b), int(h))]):
                    return True
            # A rotation: a takes b's place, b takes c's, c takes a's.
            z = value[:, ga] - w[:, a] - own[a]
            z[g == ga] = -np.inf
            d = x[:, None] + y + z[None, :]
            b, c = divmod(int(np.argmax(d)), self.b)
            if d[b, c] > EPS and self._try([(a, int(g[b])), (b, int(g[c])), (c, ga)]):
                return True
        return False

    def _try(self, moves: list[tuple[int, int]]) -> bool:
        """Apply the moves (member, group) in order; undo them unless the value improves."""
        before = self.value()
        back = [(a, int(self.g[a])) for a, _ in moves]
        for a, h in moves:
            self._move(a, h)
        if self.value() > before + EPS:
            return True
        for a, h in reversed(back):
            self._move(a, h)
        return False

    def kick(self, rng: np.random.Generator, strength: int) -> None:
        """Random swaps between random groups (a perturbation)."""
        for _ in range(strength):
            a, b = rng.integers(self.b, size=2).tolist()
            if self.g[a] != self.g[b]:
                self._swap(a, b)


def solve_block(
    w: FloatArray,
    sizes: list[int],
    k: int,
    prev_off: np.ndarray,
    rng: np.random.Generator,
    params: GroupParams,
) -> IntArray:
    """The group index of each member of one block (groups of `sizes`).

    Iterated local search: from each start (greedy first, then alternately randomised
    greedy and uniformly random groupings), descend, then repeat "kick (a few random swaps),
    descend" keeping the result when it is no worse; the best grouping over all starts wins.
    """
    state = _Block(w, sizes, k, prev_off)
    b = len(w)
    if b <= params.small:
        starts, kicks = params.restarts_small, params.kicks_small
    else:
        starts, kicks = 1, params.kicks if b <= params.medium else params.kicks_large
    best_g: IntArray | None = None
    best = -np.inf
    for start in range(starts):
        if start % 2:  # a uniformly random grouping of the right sizes
            state.load(np.repeat(np.arange(len(sizes)), sizes)[rng.permutation(b)])
        else:
            state.load(state.greedy(rng, randomised=start > 0))
        state.descend(params.max_sweeps)
        current_g, current = state.g.copy(), state.value()
        for kick in range(kicks):
            strength = 2 + kick % max(1, min(8, b // 4))
            state.load(current_g)
            state.kick(rng, strength)
            state.load(state.g)  # recompute sizes-dependent caches exactly
            state.descend(params.max_sweeps)
            value = state.value()
            if value >= current - EPS:
                current_g, current = state.g.copy(), value
        if current > best + EPS:
            best, best_g = current, current_g
    assert best_g is not None
    if (w <= -HARD_PENALTY / 2).any():
        state.load(best_g)
        if state.repair(params.repair_rounds, params.max_sweeps):
            state.load(state.g)
            if state.value() > best + EPS:
                best_g = state.g.copy()
    return best_g


def _block_order(feats: Features) -> IntArray:
    """Members ordered so that a contiguous block holds people who are likely to match:
    by location when it matters, then by their rarest interest, then by team."""
    n = feats.n
    table = feats.interests
    deg = table.degree()
    rarest = np.full(n, len(feats.interest_names), dtype=np.int64)
    if len(table.tags):
        owner = np.repeat(np.arange(n), deg)
        df = feats.df[table.tags]
        # Rarest interest shared with someone (df >= 2); ties by tag index.
        score = np.where(df >= 2, df, np.iinfo(np.int64).max // 4) * (len(df) + 1) + table.tags
        best = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(best, owner, score)
        has = best < np.iinfo(np.int64).max // 8
        rarest[has] = best[has] % (len(df) + 1)
    loc = feats.location if feats.location is not None else np.zeros(n, dtype=np.int64)
    if feats.rules.same_location == "off":
        loc = np.zeros(n, dtype=np.int64)
    return np.lexsort((np.arange(n), feats.team, rarest, loc))


def _location_key(feats: Features) -> IntArray:
    """What blocks keep together: the location when a location rule is on."""
    if feats.rules.same_location == "off" or feats.location is None:
        return np.zeros(feats.n, dtype=np.int64)
    return feats.location


def _sizes_for(m: int, pool: Counter[int], k: int) -> list[int]:
    """Group sizes from `pool` (taken out of it) for `m` members: exactly m when the pool
    allows (k's plus k+1's, or k's plus k-1's), else the fewest sizes reaching m."""
    for extra, size in (((m % k), k + 1), ((-m) % k, k - 1)):
        rest = m - extra * size
        if extra <= pool[size] and rest >= 0 and rest % k == 0 and rest // k <= pool[k]:
            out = [size] * extra + [k] * (rest // k)
            pool.subtract(out)
            return sorted(out, reverse=True)
    out: list[int] = []
    for size in sorted(pool, key=lambda x: (x != k, -x)):
        while pool[size] > 0 and sum(out) < m:
            out.append(size)
            pool[size] -= 1
    return out


def _cut_blocks(
    order: IntArray, loc: IntArray, sizes: list[int], k: int, limit: int
) -> list[tuple[IntArray, list[int]]]:
    """Blocks of about `limit` members along `order`, each with the group sizes it makes.

    Every location (a run of `loc` along `order`) gets sizes of its own that fit its count
    when the size structure allows, so a required `same_location` rule can be met in every
    block; locations bigger than `limit` are split into equal pieces.
    """
    n = len(order)
    runs = np.flatnonzero(np.concatenate(([True], loc[1:] != loc[:-1], [True])))
    ends: list[int] = []
    for a, b in zip(runs[:-1].tolist(), runs[1:].tolist(), strict=True):
        pieces = -(-(b - a) // limit)
        ends.extend(a + (b - a) * (i + 1) // pieces for i in range(pieces))
    pool: Counter[int] = Counter(sizes)
    parts: list[tuple[int, int, list[int]]] = []
    cursor = 0
    for e in ends[:-1]:
        if e <= cursor:
            continue
        got = _sizes_for(e - cursor, pool, k)
        parts.append((cursor, cursor + sum(got), got))
        cursor += sum(got)
    rest = sorted(pool.elements(), reverse=True)
    if rest:
        parts.append((cursor, n, rest))
    blocks: list[tuple[IntArray, list[int]]] = []
    start, end = 0, 0
    current: list[int] = []
    for a, b, got in parts:
        if current and b - start > limit:
            blocks.append((order[start:end], current))
            start, current = a, []
        current = [*current, *got]
        end = b
    if current:
        blocks.append((order[start:end], current))
    return blocks


def plan_groups_k(
    feats: Features, k: int, seed: int, params: GroupParams = GroupParams()
) -> list[list[int]]:
    """Groups of member indices (sorted inside) for group size `k` (any k; used for k >= 3)."""
    n = feats.n
    sizes = group_sizes(n, k)
    if len(sizes) <= 1:
        return [list(range(n))] if sizes else []
    rng = np.random.default_rng([seed, n, k])
    if n <= params.block:
        blocks = [(np.arange(n), sizes)]
    else:
        order = _block_order(feats)
        loc = _location_key(feats)[order]
        blocks = _cut_blocks(order, loc, sizes, k, params.block_many)
    out: list[list[int]] = []
    for idx, bsizes in blocks:
        w = dense_weights(feats, idx)
        group_of = solve_block(w, bsizes, k, feats.prev_trio[idx], rng, params)
        order = np.argsort(group_of, kind="stable")
        bounds = np.searchsorted(group_of[order], np.arange(len(bsizes) + 1))
        for i in range(len(bsizes)):
            out.append(sorted(idx[order[bounds[i] : bounds[i + 1]]].tolist()))
        logger.debug("block of %d members: %d groups", len(idx), len(bsizes))
    return out
