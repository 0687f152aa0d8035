"""Sparse candidate generation and the quality of the large-round path."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bot.matching.candidates import CandidateParams, generate_candidates, prune
from bot.matching.engine import EngineParams, match
from bot.matching.features import Features, build_features
from bot.matching.types import Candidate, Weights


def _features(members: list[Candidate]) -> Features:
    return build_features(sorted(members, key=lambda m: m.id), (), Weights())


def _pairs(u: np.ndarray, v: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(u.tolist(), v.tolist(), strict=True))


def test_candidates_are_unique_ordered_pairs() -> None:
    feats = _features(
        [
            Candidate(f"m{i:03d}", interests=frozenset({f"t{i % 7}", f"s{i % 3}"}))
            for i in range(300)
        ]
    )
    u, v = generate_candidates(feats, seed=1)
    assert (u < v).all()
    keys = u * feats.n + v
    assert (np.diff(keys) > 0).all()
    # Everyone has candidates (at least the background ones).
    assert set(u.tolist()) | set(v.tolist()) == set(range(feats.n))


def test_every_pair_sharing_a_rare_interest_or_a_small_skill_is_a_candidate() -> None:
    members = [Candidate(f"m{i:03d}") for i in range(400)]
    rare = [3, 50, 120, 399]
    givers, takers = [10, 20], [30, 40, 41]
    for i in rare:
        members[i] = Candidate(members[i].id, interests=frozenset({"origami"}))
    for i in givers:
        members[i] = Candidate(members[i].id, offers=frozenset({"rust"}))
    for i in takers:
        members[i] = Candidate(members[i].id, wants=frozenset({"rust"}))
    feats = _features(members)
    found = _pairs(*generate_candidates(feats, seed=0, params=CandidateParams(background=1)))
    assert set(itertools.combinations(rare, 2)) <= found
    assert {(g, t) for g in givers for t in takers} <= found


def test_restricted_search_stays_among_the_chosen() -> None:
    feats = _features(
        [Candidate(f"m{i:03d}", interests=frozenset({f"t{i % 5}"})) for i in range(200)]
    )
    only = np.zeros(feats.n, dtype=bool)
    only[::3] = True
    u, v = generate_candidates(feats, seed=0, only=only)
    assert len(u) > 0
    assert only[u].all() and only[v].all()


def test_prune_keeps_each_members_best() -> None:
    rng = np.random.default_rng(0)
    n = 60
    keys = np.unique(rng.integers(0, n * n, 800))
    u, v = keys // n, keys % n
    ok = u < v
    u, v = u[ok], v[ok]
    w = rng.random(len(u))
    mask = prune(n, u, v, w, keep=3)
    for x in range(n):
        mine = np.flatnonzero((u == x) | (v == x))
        best = mine[np.argsort(-w[mine])][:3]
        assert mask[best].all()
    # A pair is kept only if it is among the best of one of its members.
    for e in np.flatnonzero(mask):
        ranks = []
        for x in (u[e], v[e]):
            mine = np.flatnonzero((u == x) | (v == x))
            ranks.append(int((w[mine] > w[e]).sum()))
        assert min(ranks) < 3


def _realistic(n: int, seed: int) -> tuple[list[Candidate], list[list[tuple[str, ...]]]]:
    """Skewed interests and skills, teams, clustered offsets, two past rounds."""
    rng = np.random.default_rng(seed)
    p_tag = 1 / np.arange(1, 81)
    p_tag /= p_tag.sum()
    p_skill = 1 / np.arange(1, 21)
    p_skill /= p_skill.sum()

    def some(p: np.ndarray, k: int, prefix: str) -> frozenset[str]:
        return frozenset(f"{prefix}{i}" for i in rng.choice(len(p), size=k, replace=False, p=p))

    members = [
        Candidate(
            f"m{i:04d}",
            interests=some(p_tag, int(rng.integers(0, 7)), "t"),
            offers=some(p_skill, int(rng.integers(0, 3)), "s"),
            wants=some(p_skill, int(rng.integers(0, 3)), "s"),
            team=f"team{rng.integers(0, 6)}",
            utc_offset_hours=float(rng.choice([-8.0, -5.0, 0.0, 1.0, 5.5])),
        )
        for i in range(n)
    ]
    history = []
    for _ in range(2):
        order = [members[i].id for i in rng.permutation(n)]
        history.append([tuple(order[i : i + 2]) for i in range(0, n - 1, 2)])
    return members, history


@pytest.mark.parametrize("n", [360, 361])
def test_large_round_path_is_near_exact(n: int) -> None:
    members, history = _realistic(n, seed=n)
    exact = match(members, history, params=EngineParams(exact_limit=10_000))
    sparse = match(members, history, params=EngineParams(exact_limit=0))
    assert sparse.total_weight >= 0.999 * exact.total_weight
