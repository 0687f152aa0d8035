"""Basic contract of `bot.matching.engine.match`."""

from __future__ import annotations

import math

import pytest

from bot.matching.engine import match
from bot.matching.explain import describe
from bot.matching.types import Candidate, Reason, Weights


def _ids(n: int) -> list[Candidate]:
    return [Candidate(id=f"U{i:02d}") for i in range(n)]


def _placed(result) -> list[str]:
    return sorted(p for g in result.groups for p in g.members)


@pytest.mark.parametrize("n", [0, 1])
def test_fewer_than_two_members_gives_no_groups(n: int) -> None:
    assert match(_ids(n)).groups == ()


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7, 10, 11])
def test_everyone_placed_once_pairs_plus_one_trio_when_odd(n: int) -> None:
    members = _ids(n)
    result = match(members, seed=3)
    assert _placed(result) == sorted(m.id for m in members)
    sizes = sorted(len(g.members) for g in result.groups)
    assert sizes == [2] * (n // 2 - 1) + ([3] if n % 2 else [2])


def test_best_pairs_are_chosen_and_weights_reported() -> None:
    members = [
        Candidate("a", interests=frozenset({"climbing", "jazz"})),
        Candidate("b", interests=frozenset({"climbing", "jazz"})),
        Candidate("c", offers=frozenset({"python"})),
        Candidate("d", wants=frozenset({"python"})),
    ]
    result = match(members)
    groups = {g.members: g for g in result.groups}
    assert set(groups) == {("a", "b"), ("c", "d")}
    # S = 2 · ln(1 + 4/2); G = 1.
    assert groups[("a", "b")].weight == pytest.approx(10 * 2 * math.log(3))
    assert groups[("c", "d")].weight == pytest.approx(15.0)
    assert result.total_weight == pytest.approx(20 * math.log(3) + 15)
    assert groups[("a", "b")].reasons[0] == Reason("shared_interest", tags=("climbing", "jazz"))
    assert groups[("c", "d")].reasons[0] == Reason(
        "give", tags=("python",), giver="c", receiver="d"
    )


def test_trio_weight_is_sum_of_its_pairs() -> None:
    members = [
        Candidate("a", team="x"),
        Candidate("b", team="y"),
        Candidate("c", team="z"),
    ]
    (group,) = match(members).groups
    assert group.members == ("a", "b", "c")
    assert group.weight == pytest.approx(15.0)


def test_deterministic_and_order_independent() -> None:
    members = [
        Candidate(f"U{i}", interests=frozenset({f"t{i % 3}"}), team=f"team{i % 4}")
        for i in range(13)
    ]
    first = match(members, seed=7)
    assert match(list(reversed(members)), seed=7) == first
    assert match(members, seed=7) == first


def test_avoids_repeating_last_round() -> None:
    members = _ids(4)
    history = [[["U00", "U01"], ["U02", "U03"]]]
    result = match(members, history, Weights())
    assert {g.members for g in result.groups}.isdisjoint({("U00", "U01"), ("U02", "U03")})


def test_duplicate_ids_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        match([Candidate("a"), Candidate("a")])


def test_describe_examples() -> None:
    names = {"m": "Maya", "l": "Li"}.__getitem__
    assert describe(Reason("shared_interest", tags=("climbing", "jazz"))) == (
        "you're both into climbing and jazz"
    )
    assert describe(Reason("give", tags=("python",), giver="m", receiver="l"), names) == (
        "Maya can help Li with python"
    )
    assert describe(Reason("cross_team", teams=("platform", "design"))) == (
        "different teams (platform, design)"
    )
    assert describe(Reason("first_meeting")) == "first time you've been matched"
    assert describe(Reason("met_before", rounds_ago=3)) == "last met 3 rounds ago"
    assert describe(Reason("timezone", hours=5.0)) == "5 hours apart — pick a time that suits both"
