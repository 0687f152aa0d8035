"""Repeat avoidance over many rounds, and trio rotation."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from bot.matching.engine import EngineParams, match
from bot.matching.types import Candidate, MatchResult

PairsOf = Callable[[object], set[tuple[str, str]]]

ROUNDS = 12
DEFAULT_PARAMS = EngineParams()


def _plain(n: int) -> list[Candidate]:
    return [Candidate(id=f"P{i:03d}") for i in range(n)]


def _run(
    members: list[Candidate],
    rounds: int,
    seed: Callable[[int], int],
    params: EngineParams = DEFAULT_PARAMS,
) -> tuple[int, list[MatchResult]]:
    """Play `rounds` rounds, each appended to the history; count repeated pairs."""
    history: list[list[tuple[str, ...]]] = []
    seen: set[tuple[str, str]] = set()
    repeats = 0
    results = []
    for r in range(rounds):
        result = match(members, history, seed=seed(r), params=params)
        results.append(result)
        for g in result.groups:
            for pair in itertools.combinations(g.members, 2):
                repeats += pair in seen
                seen.add(pair)
        history.append([g.members for g in result.groups])
    return repeats, results


SEEDS: dict[str, Callable[[int], int]] = {
    "same seed": lambda r: 0,
    "new seed each round": lambda r: 7919 * r + 13,
}


@pytest.mark.parametrize("n", [10, 14, 20, 50])
@pytest.mark.parametrize("seeds", SEEDS.values(), ids=SEEDS.keys())
def test_twelve_rounds_reach_the_minimum_number_of_repeats(
    n: int, seeds: Callable[[int], int]
) -> None:
    repeats, _ = _run(_plain(n), ROUNDS, seeds)
    assert repeats == max(0, ROUNDS * n // 2 - n * (n - 1) // 2)


def test_large_round_path_avoids_repeats_too() -> None:
    repeats, _ = _run(_plain(64), ROUNDS, lambda r: r, EngineParams(exact_limit=0))
    assert repeats == 0


def test_a_full_round_robin_meets_everyone_once(pairs_of: PairsOf) -> None:
    n = 14
    _, results = _run(_plain(n), n - 1, lambda r: 3)
    met = [pairs_of(g.members for g in res.groups) for res in results]
    assert sum(len(m) for m in met) == n * (n - 1) // 2
    assert len(set().union(*met)) == n * (n - 1) // 2


def _trio(result: MatchResult) -> set[str]:
    (trio,) = [g.members for g in result.groups if len(g.members) == 3]
    return set(trio)


@pytest.mark.parametrize("n", [7, 9, 11, 15, 21, 41])
def test_nobody_from_the_last_trio_is_in_the_next_one(n: int) -> None:
    _, results = _run(_plain(n), 8, lambda r: r)
    for before, after in itertools.pairwise(results):
        assert not _trio(before) & _trio(after)


def test_trio_rotation_beats_a_strong_trio() -> None:
    # a, b and c share rare interests: the best trio by weight, every round.
    fans = [Candidate(x, interests=frozenset({"go", "chess", "jazz"})) for x in "abc"]
    others = [Candidate(f"o{i}", team=f"t{i % 3}") for i in range(8)]
    members = fans + others
    first = match(members, seed=1)
    assert _trio(first) == {"a", "b", "c"}
    second = match(members, [[g.members for g in first.groups]], seed=1)
    assert not _trio(second) & {"a", "b", "c"}


def test_trio_rotation_when_it_cannot_be_avoided() -> None:
    members = _plain(5)
    history = [[("P000", "P001", "P002"), ("P003", "P004")]]
    trio = _trio(match(members, history))
    # Only two people were not in the last trio: the new trio has just one repeat.
    assert {"P003", "P004"} <= trio
    assert len(trio & {"P000", "P001", "P002"}) == 1


def test_recent_meetings_weigh_more_than_old_ones() -> None:
    members = _plain(4)
    # (P000, P001) met 1 round ago, (P000, P002) 2 rounds ago, (P000, P003) 3 rounds ago.
    history = [
        [("P000", "P003"), ("P001", "P002")],
        [("P000", "P002"), ("P001", "P003")],
        [("P000", "P001"), ("P002", "P003")],
    ]
    groups = {g.members for g in match(members, history).groups}
    assert groups == {("P000", "P003"), ("P001", "P002")}
