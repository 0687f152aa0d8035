"""Benchmark of groups (3+) and rules: prints every target of issue 11 beside its figure.

    python -m bench.bench_groups [--quick]

Needs the ``bench`` extra (HiGHS, for the exact references). Sections:

1. groups of 3, 4, 5 with up to 24 members: the engine against the exact optimum, an ILP
   (set partitioning over every possible group, solved by HiGHS) — target >= 0.995;
2. groups of 4 at 2,000 members: against a strong slow reference (the block local search
   from many random starts with many perturbation rounds) — target >= 0.99;
3. 10,000 members in groups of 4, the real ``warmintro match`` process — target <= 10 s and
   <= 1 GiB peak RSS;
4. required rules on instances where a valid grouping provably exists (planted) — target
   zero violations; and on small infeasible instances, the fewest possible (ILP);
5. repeats over 12 rounds with no interests: the engine against a simple history-aware
   local search written here — target: no more repeated pairs.

``--quick`` skips the slow reference of section 2 and the largest planted instances.
Nothing is asserted; the machine may be shared, so timings are noisy.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from bench.bench_matching import run_cli_cpu
from bench.instances import generate
from bot.matching.engine import match
from bot.matching.features import build_features
from bot.matching.groups import OFF_SIZE_PENALTY, GroupParams, _Block, dense_weights, solve_block
from bot.matching.instance import parse_instance
from bot.matching.sizes import group_sizes
from bot.matching.types import Candidate, Rules
from bot.matching.weights import HARD_PENALTY, last_met

logger = logging.getLogger(__name__)

#: Time limit of one ILP; past it, the ratio is taken against HiGHS' bound (marked "bound").
ILP_SECONDS = 90.0

ALL_REQUIRED = Rules(
    different_team="required", different_manager="required", same_location="required"
)


# -- the exact reference ------------------------------------------------------------------


def _features(members: Sequence[Candidate], history: Any, weights: Any, rules: Rules, k: int):
    ordered = sorted(members, key=lambda m: m.id)
    met = last_met(history, (m.id for m in ordered))
    return build_features(ordered, history, weights, met, rules, k)


def fewest_off_size(feats: Any, k: int) -> int:
    """The fewest members who were in an off-size group last round and are again (without
    rules any member can take any place, so: off-size places minus the others)."""
    sizes = group_sizes(feats.n, k)
    places = sum(s for s in sizes if s != k)
    return max(0, places - int((~feats.prev_trio).sum()))


def exact_groups(feats: Any, k: int, lexicographic: bool = False) -> tuple[float, list[list[int]]]:
    """The best grouping by the engine's objective (weights, rule penalties, off-size
    penalty), as an ILP over every possible group: choose groups covering everyone once,
    with as many groups of each size as the size rule says.

    `lexicographic` (no rules only): the off-size penalty becomes a constraint at its
    minimum, and the objective is the weight alone (HiGHS proves that much faster)."""
    import highspy

    n = feats.n
    w = dense_weights(feats, np.arange(n))
    sizes = group_sizes(n, k)
    prev = feats.prev_trio.astype(np.float64)
    distinct = sorted(set(sizes))
    cols: list[np.ndarray] = []
    values: list[np.ndarray] = []
    off_count: list[np.ndarray] = []
    for s in distinct:
        combos = np.array(list(itertools.combinations(range(n), s)), dtype=np.int64)
        value = np.zeros(len(combos))
        for a, b in itertools.combinations(range(s), 2):
            value += w[combos[:, a], combos[:, b]]
        off = prev[combos].sum(axis=1) if s != k else np.zeros(len(combos))
        if not lexicographic:
            value -= OFF_SIZE_PENALTY * off
        cols.append(combos)
        values.append(value)
        off_count.append(off)
    lp = highspy.HighsLp()
    total_cols = sum(len(c) for c in cols)
    extra = 1 if lexicographic else 0
    lp.num_col_ = total_cols
    lp.num_row_ = n + len(distinct) + extra
    lp.col_cost_ = np.concatenate(values)
    lp.col_lower_ = np.zeros(total_cols)
    lp.col_upper_ = np.ones(total_cols)
    need = [float(sizes.count(s)) for s in distinct]
    cap = [float(fewest_off_size(feats, k))] * extra
    lp.row_lower_ = np.array([1.0] * n + need + [0.0] * extra)
    lp.row_upper_ = np.array([1.0] * n + need + cap)
    index, value_list, per_col = [], [], []
    for si, combos in enumerate(cols):
        rows = [combos, np.full((len(combos), 1), n + si)]
        vals = [np.ones(combos.shape), np.ones((len(combos), 1))]
        if extra:
            rows.append(np.full((len(combos), 1), n + len(distinct)))
            vals.append(off_count[si][:, None])
        index.append(np.concatenate(rows, axis=1).ravel())
        value_list.append(np.concatenate(vals, axis=1).ravel())
        per_col.append(np.full(len(combos), combos.shape[1] + 1 + extra))
    index_all = np.concatenate(index)
    per = np.concatenate(per_col)
    starts = np.concatenate(([0], np.cumsum(per)[:-1]))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.append(starts, len(index_all)).astype(np.int32)
    lp.a_matrix_.index_ = index_all.astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate(value_list)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * total_cols
    lp.sense_ = highspy.ObjSense.kMaximize
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("time_limit", ILP_SECONDS)
    h.passModel(lp)
    h.run()
    x = np.array(h.getSolution().col_value)
    chosen = np.flatnonzero(x > 0.5)
    all_combos = [c for combos in cols for c in combos.tolist()]
    groups = [all_combos[i] for i in chosen.tolist()]
    info = h.getInfo()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        # Not proven within the time limit: the dual bound is an upper bound on the
        # optimum, so a ratio against it is conservative.
        return float(info.mip_dual_bound), []
    return float(info.objective_function_value), groups


def weight_and_off_size(feats: Any, k: int, groups: Sequence[Sequence[int]]) -> tuple[float, int]:
    """A grouping's weight (rule penalties included) and its off-size repeaters."""
    w = dense_weights(feats, np.arange(feats.n))
    total, off = 0.0, 0
    for g in groups:
        total += sum(w[a, b] for a, b in itertools.combinations(g, 2))
        if len(g) != k:
            off += int(feats.prev_trio[list(g)].sum())
    return total, off


def _indices(feats: Any, result: Any) -> list[list[int]]:
    index = {m.id: i for i, m in enumerate(feats.members)}
    return [[index[x] for x in g.members] for g in result.groups]


def section_exact(seeds: int) -> None:
    print("1. groups vs the exact optimum (ILP, HiGHS)  target >= 0.995")
    print("   (both with the fewest off-size repeaters; 'off' counts the engine's extra ones)")
    print(
        f"{'k':>3} {'N':>4} {'seed':>4} {'engine':>10} {'exact':>10} {'ratio':>8} {'ilp s':>6}"
        f" {'off':>4}"
    )
    worst = 1.0
    for k in (3, 4, 5):
        for n in (12, 18, 24):
            for s in range(seeds):
                inst = parse_instance(generate(n, 100 + s))
                feats = _features(inst.members, inst.history, inst.weights, Rules(), k)
                result = match(inst.members, inst.history, inst.weights, seed=s, group_size=k)
                got, off = weight_and_off_size(feats, k, _indices(feats, result))
                off -= fewest_off_size(feats, k)
                t0 = time.perf_counter()
                best, groups = exact_groups(feats, k, lexicographic=True)
                spent = time.perf_counter() - t0
                ratio = _ratio(got, best)
                worst = min(worst, ratio)
                kind = "" if groups else "  bound"
                print(
                    f"{k:>3} {n:>4} {s:>4} {got:>10.2f} {best:>10.2f} {ratio:>8.5f} {spent:>6.1f}"
                    f" {off:>4}{kind}"
                )
    print(f"   worst ratio {worst:.5f} (target >= 0.995)\n", flush=True)


def _ratio(got: float, best: float) -> float:
    if abs(best - got) < 1e-9:
        return 1.0
    if not np.isfinite(best) or best <= 0:
        return float("nan")
    return got / best


# -- the strong slow reference at 2,000 ----------------------------------------------------


def _Block_value(feats: Any, k: int, groups: Sequence[Sequence[int]]) -> float:
    """The engine's objective (off-size penalty included) of a grouping of everyone."""
    w = dense_weights(feats, np.arange(feats.n))
    group_of = np.zeros(feats.n, dtype=np.int64)
    for i, g in enumerate(groups):
        group_of[list(g)] = i
    state = _Block(w, [len(g) for g in groups], k, feats.prev_trio)
    state.load(group_of)
    return state.value()


def section_large(quick: bool) -> None:
    print("2. groups of 4 at 2,000 members vs a strong slow reference  target >= 0.99")
    inst = parse_instance(generate(2000, 7))
    k = 4
    feats = _features(inst.members, inst.history, inst.weights, Rules(), k)
    t0 = time.perf_counter()
    result = match(inst.members, inst.history, inst.weights, seed=0, group_size=k)
    spent = time.perf_counter() - t0
    got = _Block_value(feats, k, _indices(feats, result))
    print(f"   engine: {got:.1f} in {spent:.1f} s (in process)")
    if quick:
        print("   reference skipped (--quick)\n")
        return
    w = dense_weights(feats, np.arange(feats.n))
    sizes = group_sizes(feats.n, k)
    strong = GroupParams(restarts_small=6, small=10**9, kicks=60, medium=10**9)
    t0 = time.perf_counter()
    best = -np.inf
    for start in range(2):
        rng = np.random.default_rng(1000 + start)
        g = solve_block(w, sizes, k, feats.prev_trio, rng, strong)
        state = _Block(w, sizes, k, feats.prev_trio)
        state.load(g)
        best = max(best, state.value())
    spent = time.perf_counter() - t0
    print(f"   reference (12 starts, 120 kick rounds): {best:.1f} in {spent:.0f} s")
    print(f"   ratio {_ratio(got, best):.5f} (target >= 0.99)\n", flush=True)


# -- 10,000 in groups of 4, the real process ------------------------------------------------


def section_process(tmp: Path) -> None:
    print("3. warmintro match, groups of 4, real process  target <= 10 s and <= 1024 MiB")
    for n in (2000, 10000):
        data = generate(n, 1)
        data["group_size"] = 4
        path = tmp / f"groups-{n}.json"
        path.write_text(json.dumps(data))
        seconds, cpu, rss, out = run_cli_cpu(path, 0, tmp / f"out-{n}.json")
        print(
            f"   N={n:>6}: {seconds:6.2f} s ({cpu:.2f} s CPU), {rss:6.0f} MiB peak RSS, "
            f"total {out['total_weight']:.1f}, {len(out['groups'])} groups"
        )
    print(flush=True)


# -- rules ------------------------------------------------------------------------------------


def planted(n: int, k: int, seed: int, exclusions: int) -> tuple[list[Candidate], Any, Rules]:
    """A realistic instance whose team, manager and location follow a hidden grouping of the
    right sizes, so that a grouping breaking no rule exists."""
    inst = parse_instance(generate(n, seed))
    rng = random.Random(seed)
    ids = [m.id for m in inst.members]
    rng.shuffle(ids)
    group_of, position, at = {}, {}, 0
    for gi, s in enumerate(group_sizes(n, k)):
        for p, member in enumerate(ids[at : at + s]):
            group_of[member], position[member] = gi, p
        at += s
    offices = max(1, n // 400)
    members = [
        replace(
            m,
            team=f"team-{position[m.id]:02d}",
            manager=f"boss-{(position[m.id] + group_of[m.id]) % 9}",
            location=f"office-{group_of[m.id] % offices}",
        )
        for m in inst.members
    ]
    pairs = set()
    while len(pairs) < exclusions:
        a, b = rng.sample(ids, 2)
        if group_of[a] != group_of[b]:
            pairs.add((a, b))
    return members, inst.history, replace(ALL_REQUIRED, exclude=frozenset(pairs))


def section_rules(quick: bool) -> None:
    print("4a. required rules where a valid grouping exists (planted)  target 0 violations")
    print(f"{'k':>3} {'N':>6} {'violations':>10} {'seconds':>8}")
    sizes = (24, 200, 2000) if quick else (24, 200, 2000, 10000)
    for n in sizes:
        for k in (2, 3, 4, 5):
            members, history, rules = planted(n, k, 11, exclusions=n // 4)
            t0 = time.perf_counter()
            result = match(members, history, seed=0, group_size=k, rules=rules)
            spent = time.perf_counter() - t0
            broken = sum(v.pairs for v in result.violations)
            print(f"{k:>3} {n:>6} {broken:>10} {spent:>8.2f}", flush=True)
    print()
    print("4b. rules that cannot all be met: fewest broken pairs  target = ILP minimum")
    print(f"{'k':>3} {'N':>4} {'engine':>7} {'ILP':>5}")
    for n, k in ((12, 3), (12, 4), (14, 3), (16, 4), (15, 5)):
        rng = random.Random(n * k)
        inst = parse_instance(generate(n, 3))
        members = [
            replace(
                m,
                team="big" if rng.random() < 0.7 else f"t{rng.randrange(3)}",
                manager=f"b{rng.randrange(3)}",
            )
            for m in inst.members
        ]
        rules = Rules(different_team="required", different_manager="required")
        result = match(members, inst.history, seed=0, group_size=k, rules=rules)
        feats = _features(members, inst.history, inst.weights, rules, k)
        _, groups = exact_groups(feats, k)
        fewest = 0
        for g in groups:
            a, b = zip(*itertools.combinations(g, 2), strict=True)
            fewest += int(feats.violations(np.array(a), np.array(b)).sum())
        got = sum(v.pairs for v in result.violations)
        ilp = str(fewest) if groups else "?"  # "?": not proven within the time limit
        print(f"{k:>3} {n:>4} {got:>7} {ilp:>5}", flush=True)
    print()


# -- repeats ------------------------------------------------------------------------------------


def simple_local_search(n: int, k: int, history: list[list[list[str]]], seed: int) -> list:
    """A plain history-aware local search: random groups, then swaps while they lower the
    number of pairs that have met before (most recent meetings weigh most)."""
    rng = random.Random(seed)
    ids = [f"P{i:04d}" for i in range(n)]
    met: dict[tuple[str, str], int] = {}
    for ago, round_ in enumerate(reversed(history), start=1):
        for g in round_:
            for a, b in itertools.combinations(sorted(g), 2):
                met.setdefault((a, b), ago)

    def cost(group: list[str]) -> float:
        return sum(
            0.7 ** (met[(a, b)] - 1) for a, b in itertools.combinations(sorted(group), 2)
            if (a, b) in met
        )  # fmt: skip

    people = ids[:]
    rng.shuffle(people)
    groups, at = [], 0
    for s in group_sizes(n, k):
        groups.append(people[at : at + s])
        at += s
    improved = True
    while improved:
        improved = False
        for gi, gj in itertools.combinations(range(len(groups)), 2):
            for x in range(len(groups[gi])):
                for y in range(len(groups[gj])):
                    a, b = groups[gi], groups[gj]
                    before = cost(a) + cost(b)
                    a2 = [*a[:x], b[y], *a[x + 1 :]]
                    b2 = [*b[:y], a[x], *b[y + 1 :]]
                    if cost(a2) + cost(b2) < before - 1e-12:
                        groups[gi], groups[gj] = a2, b2
                        improved = True
    return groups


def _count_repeats(rounds: list[list[list[str]]]) -> int:
    seen: set[tuple[str, str]] = set()
    repeats = 0
    for round_ in rounds:
        for g in round_:
            for pair in itertools.combinations(sorted(g), 2):
                repeats += pair in seen
                seen.add(pair)
    return repeats


def section_repeats() -> None:
    print("5. repeated pairs over 12 rounds, no interests  target: engine <= simple search")
    print(f"{'k':>3} {'N':>4} {'engine':>7} {'simple':>7}")
    for k in (3, 4, 5):
        for n in (12, 20, 50):
            members = [Candidate(id=f"P{i:04d}") for i in range(n)]
            ours: list[list[list[str]]] = []
            theirs: list[list[list[str]]] = []
            for r in range(12):
                result = match(members, ours, seed=r, group_size=k)
                ours.append([list(g.members) for g in result.groups])
                theirs.append(simple_local_search(n, k, theirs, r))
            mine, simple = _count_repeats(ours), _count_repeats(theirs)
            print(f"{k:>3} {n:>4} {mine:>7} {simple:>7}", flush=True)
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_groups", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the slowest references")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        section_process(Path(tmp))
    section_exact(1 if args.quick else 3)
    section_large(args.quick)
    section_rules(args.quick)
    section_repeats()
    print(f"(HARD_PENALTY per broken pair: {HARD_PENALTY:g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
