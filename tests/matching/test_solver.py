"""The matching solver: auction relaxation, rounding, polishing, fallbacks."""

from __future__ import annotations

import numpy as np
import pytest

from bot.matching.auction import AuctionFailed, AuctionParams, auction_assignment
from bot.matching.roundrobin import circle_order, circle_round
from bot.matching.solver import (
    SolverParams,
    _double_cover,
    _round_cycles,
    exact_matching,
    greedy_matching,
    max_weight_perfect_matching,
)

FAR = -50.0  # weight of any pair that is not an edge


def _graph(seed: int, n: int, degree: int, ties: bool) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    m = n * degree
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    ring = rng.permutation(n)  # so that a perfect matching exists
    u, v = np.concatenate((u, ring)), np.concatenate((v, np.roll(ring, 1)))
    keep = u != v
    keys = np.unique(np.minimum(u[keep], v[keep]) * n + np.maximum(u[keep], v[keep]))
    u, v = keys // n, keys % n
    w = rng.integers(0, 6, len(u)) * 10.0 if ties else rng.random(len(u)) * 120 - 20
    return u, v, w


def _far(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.full(len(a), FAR)


def _value(n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray, mate: list[int]) -> float:
    weight = dict(zip((u * n + v).tolist(), w.tolist(), strict=True))
    return sum(weight.get(min(i, j) * n + max(i, j), FAR) for i, j in enumerate(mate) if i < j)


def _is_perfect(mate: list[int]) -> bool:
    return all(mate[j] == i and i != j for i, j in enumerate(mate))


@pytest.mark.parametrize("seed", range(8))
def test_near_exact_on_random_graphs(seed: int) -> None:
    n = 100 + 40 * seed
    u, v, w = _graph(seed, n, 3 + seed, ties=seed % 2 == 1)
    exact = _value(n, u, v, w, exact_matching(n, u, v, w))
    result = max_weight_perfect_matching(n, u, v, w, _far, SolverParams(exact_limit=0))
    assert _is_perfect(result.mate)
    assert _value(n, u, v, w, result.mate) >= exact - 1e-3 * abs(exact)
    # The duals bound the optimum from above and are feasible on every edge.
    assert result.duals is not None
    assert (result.duals[u] + result.duals[v] >= w - 1e-9).all()
    assert result.duals.sum() >= exact - 1e-6


def test_auction_solves_the_assignment_relaxation() -> None:
    n = 120
    u, v, w = _graph(3, n, 5, ties=False)
    ptr, obj, val = _double_cover(n, u, v, w)
    sigma, _ = auction_assignment(n, ptr, obj, val)
    assert sorted(sigma.tolist()) == list(range(n))  # a permutation...
    assert (sigma != np.arange(n)).all()  # ...along edges
    weight = dict(zip((u * n + v).tolist(), w.tolist(), strict=True))
    relaxation = sum(weight[min(i, s) * n + max(i, s)] for i, s in enumerate(sigma.tolist())) / 2
    assert relaxation >= _value(n, u, v, w, exact_matching(n, u, v, w)) - n * 4e-3


def test_auction_fails_cleanly_without_a_complete_assignment() -> None:
    # A star: the centre cannot be everyone's object.
    u = np.zeros(5, dtype=np.int64)
    v = np.arange(1, 6, dtype=np.int64)
    ptr, obj, val = _double_cover(6, u, v, np.ones(5))
    with pytest.raises(AuctionFailed):
        auction_assignment(6, ptr, obj, val)


def test_solver_falls_back_when_the_candidates_cannot_cover_everyone() -> None:
    n = 500
    u = np.zeros(n - 1, dtype=np.int64)
    v = np.arange(1, n, dtype=np.int64)
    w = np.arange(n - 1, dtype=np.float64)
    result = max_weight_perfect_matching(n, u, v, w, _far, SolverParams(exact_limit=0))
    assert _is_perfect(result.mate)
    assert result.mate[0] == n - 1  # the heaviest edge of the star


def test_exact_path_pairs_members_the_candidates_leave_out() -> None:
    u, v, w = np.array([0]), np.array([1]), np.array([5.0])
    result = max_weight_perfect_matching(4, u, v, w, _far)
    assert result.mate == [1, 0, 3, 2]


def test_rounding_cycles() -> None:
    weights = {(0, 1): 5.0, (1, 2): 1.0, (0, 2): 1.0, (3, 4): 2.0, (4, 5): 9.0, (5, 6): 2.0}
    weights |= {(3, 6): 9.0}

    def weight(a: int, b: int) -> float:
        return weights[(min(a, b), max(a, b))]

    # 0 -> 1 -> 2 -> 0 (odd: one left over), 3 -> 4 -> 5 -> 6 -> 3 (even), 7 <-> 8.
    sigma = [1, 2, 0, 4, 5, 6, 3, 8, 7]
    mate, left = _round_cycles(9, sigma, weight)
    assert left == [2]
    assert (mate[0], mate[1]) == (1, 0)
    assert {(3, mate[3]), (4, mate[4])} == {(3, 6), (4, 5)}
    assert (mate[7], mate[8]) == (8, 7)


def test_rounding_paths_of_a_partial_assignment() -> None:
    weights = {(0, 1): 1.0, (1, 2): 8.0, (2, 3): 1.0, (3, 4): 8.0, (5, 6): 3.0, (6, 7): 4.0}

    def weight(a: int, b: int) -> float:
        return weights[(min(a, b), max(a, b))]

    # Paths 0 -> 1 -> 2 -> 3 -> 4 (4 unassigned; odd: one left over, the heavy edges kept)
    # and 5 -> 6 -> 7 (7 unassigned); 8 alone (nobody holds it and it holds nothing).
    sigma = [1, 2, 3, 4, -1, 6, 7, -1, -1]
    mate, left = _round_cycles(9, sigma, weight)
    assert sorted(left) == [0, 5, 8]
    assert (mate[1], mate[3]) == (2, 4)
    assert (mate[6], mate[7]) == (7, 6)
    assert mate[0] == mate[5] == mate[8] == -1


def test_auction_may_stop_before_its_long_tail() -> None:
    n = 4000
    u, v, w = _graph(5, n, 6, ties=False)
    ptr, obj, val = _double_cover(n, u, v, w)
    sigma, _ = auction_assignment(n, ptr, obj, val, AuctionParams(leave_share=1e-3))
    held = sigma[sigma >= 0]
    assert len(set(held.tolist())) == len(held)  # still an assignment...
    assert (sigma < 0).sum() <= 4  # ...of all but at most 0.1% of the people
    # The solver rounds it (paths too) and polishes it into a near-best perfect matching.
    result = max_weight_perfect_matching(n, u, v, w, _far, SolverParams(exact_limit=0))
    assert _is_perfect(result.mate)
    exact = _value(n, u, v, w, exact_matching(n, u, v, w))
    assert _value(n, u, v, w, result.mate) >= exact - 1e-3 * abs(exact)


def test_greedy_takes_heaviest_edges_first() -> None:
    u, v, w = np.array([0, 1, 2]), np.array([1, 2, 3]), np.array([2.0, 3.0, 2.0])
    assert greedy_matching(4, u, v, w) == [-1, 2, 1, -1]


@pytest.mark.parametrize("m", [2, 4, 10, 16])
def test_circle_method_is_a_one_factorisation(m: int) -> None:
    seen = set()
    for f in range(m - 1):
        a, b = circle_round(m, f)
        assert sorted(np.concatenate((a, b)).tolist()) == list(range(m))
        seen |= {(min(x, y), max(x, y)) for x, y in zip(a.tolist(), b.tolist(), strict=True)}
    assert len(seen) == m * (m - 1) // 2


def test_circle_order_depends_on_ids_only() -> None:
    ids = ["b", "a", "c", "d"]
    order = circle_order(ids)
    assert [ids[i] for i in order] == [ids[i] for i in circle_order(ids)]
    assert sorted(ids[i] for i in order) == sorted(ids)
    again = ["d", "c", "b", "a"]
    assert [again[i] for i in circle_order(again)] == [ids[i] for i in order]
