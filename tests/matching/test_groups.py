"""Groups of any size and the rules: table tests, small exhaustive checks, properties."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.matching.check import check_groups
from bot.matching.engine import EngineParams, match
from bot.matching.explain import describe
from bot.matching.features import build_features
from bot.matching.groups import OFF_SIZE_PENALTY, GroupParams, dense_weights
from bot.matching.sizes import group_sizes
from bot.matching.types import Candidate, Rules
from bot.matching.weights import HARD_PENALTY, PairScorer

TEAM_REQUIRED = Rules(different_team="required")


def _plain(n: int, **kw: object) -> list[Candidate]:
    return [Candidate(id=f"U{i:02d}", **kw) for i in range(n)]  # type: ignore[arg-type]


def _sizes(result: object) -> list[int]:
    return sorted((len(g.members) for g in result.groups), reverse=True)  # type: ignore[attr-defined]


def _partitions(items: Sequence[int], sizes: Sequence[int]) -> Iterator[list[list[int]]]:
    """Every way to split `items` into groups of `sizes` (a multiset)."""
    if not items:
        yield []
        return
    head, rest = items[0], items[1:]
    for s in sorted(set(sizes)):
        left = list(sizes)
        left.remove(s)
        for mates in itertools.combinations(rest, s - 1):
            others = [x for x in rest if x not in mates]
            for more in _partitions(others, left):
                yield [[head, *mates], *more]


def _objective(members: list[Candidate], groups: Sequence[Sequence[str]], rules: Rules) -> float:
    """Weight minus HARD_PENALTY per pair breaking a rule (what the engine maximises)."""
    scorer = PairScorer(members, rules=rules)
    by_id = {m.id: m for m in members}
    total = 0.0
    for g in groups:
        for a, b in itertools.combinations(g, 2):
            total += scorer.weight(by_id[a], by_id[b])
            total -= HARD_PENALTY * len(scorer.broken(by_id[a], by_id[b]))
    return total


def _broken_pairs(result: object) -> int:
    return sum(v.pairs for v in result.violations)  # type: ignore[attr-defined]


@pytest.mark.parametrize("k", [3, 4, 5, 6, 8])
@pytest.mark.parametrize("n", [2, 3, 5, 7, 10, 13, 24])
def test_everyone_placed_once_in_the_sizes_of_the_rule(n: int, k: int) -> None:
    members = _plain(n)
    result = match(members, seed=1, group_size=k)
    check_groups([g.members for g in result.groups], [m.id for m in members], k)
    assert _sizes(result) == group_sizes(n, k)
    assert result.violations == ()


@pytest.mark.parametrize("group_size", [2, 3, 4])
@pytest.mark.parametrize("exact_limit", [300, 0])
def test_different_team_required_is_met_when_possible(group_size: int, exact_limit: int) -> None:
    # 12 people in 4 teams of 3, everyone in a team sharing an interest (so "preferred"
    # alone would happily group teammates).
    members = [
        Candidate(id=f"U{i:02d}", team=f"t{i % 4}", interests=frozenset({f"x{i % 4}"}))
        for i in range(12)
    ]
    params = EngineParams(exact_limit=exact_limit)
    teams = {m.id: m.team for m in members}
    free = match(members, seed=2, group_size=group_size, params=params)
    assert any(len({teams[x] for x in g.members}) < len(g.members) for g in free.groups)
    result = match(members, seed=2, group_size=group_size, rules=TEAM_REQUIRED, params=params)
    assert result.violations == ()
    for g in result.groups:
        assert len({teams[x] for x in g.members}) == len(g.members)


@pytest.mark.parametrize("group_size", [2, 3, 4])
def test_same_location_required_keeps_offices_apart(group_size: int) -> None:
    members = [
        Candidate(
            id=f"U{i:02d}",
            location="Berlin" if i < 12 else "Lisbon",
            # Everyone would rather meet someone in the other office.
            interests=frozenset({f"x{i % 12}"}),
        )
        for i in range(24)
    ]
    result = match(members, seed=0, group_size=group_size, rules=Rules(same_location="required"))
    assert result.violations == ()
    where = {m.id: m.location for m in members}
    for g in result.groups:
        assert len({where[x] for x in g.members}) == 1
        assert any(r.kind == "same_location" for r in g.reasons)


def test_same_location_preferred_adds_a_weight() -> None:
    a, b = Candidate("a", location="Oslo"), Candidate("b", location="Oslo")
    rules = Rules(same_location="preferred")
    assert PairScorer([a, b], rules=rules).weight(a, b) == rules.location_weight
    assert PairScorer([a, b]).weight(a, b) == 0.0
    members = [a, b, Candidate("c", location="Rome"), Candidate("d", location="Rome")]
    result = match(members, rules=rules)
    assert {g.members for g in result.groups} == {("a", "b"), ("c", "d")}
    assert result.total_weight == 2 * rules.location_weight


def test_different_team_off_ignores_teams() -> None:
    a, b = Candidate("a", team="x"), Candidate("b", team="y")
    assert PairScorer([a, b]).weight(a, b) == 5.0
    assert PairScorer([a, b], rules=Rules(different_team="off")).weight(a, b) == 0.0
    result = match([a, b], rules=Rules(different_team="off"))
    assert result.total_weight == 0.0
    assert not any(r.kind == "cross_team" for r in result.groups[0].reasons)


@pytest.mark.parametrize("group_size", [2, 3])
def test_excluded_pairs_are_never_grouped(group_size: int) -> None:
    love = frozenset({"jazz", "go", "chess"})
    members = [Candidate("a", interests=love), Candidate("b", interests=love), *_plain(4)]
    rules = Rules(exclude=frozenset({("b", "a")}))  # any order
    result = match(members, group_size=group_size, rules=rules)
    assert result.violations == ()
    assert not any({"a", "b"} <= set(g.members) for g in result.groups)


def test_different_manager_required() -> None:
    members = [Candidate(f"U{i}", manager=f"M{i % 3}", team="same") for i in range(9)]
    result = match(members, group_size=3, rules=Rules(different_manager="required"))
    assert result.violations == ()
    boss = {m.id: m.manager for m in members}
    assert all(len({boss[x] for x in g.members}) == 3 for g in result.groups)


@pytest.mark.parametrize(
    ("teams", "k", "rules"),
    [
        ("AAAAAABB", 4, TEAM_REQUIRED),  # one team is 75% of the channel
        ("AAAAABBC", 3, TEAM_REQUIRED),
        ("AAAABBBCC", 3, Rules(different_team="required", different_manager="required")),
        ("AAAAAAB", 2, TEAM_REQUIRED),
        ("ABCDEFG", 3, Rules(exclude=frozenset({("U0", "U1"), ("U0", "U2"), ("U1", "U2")}))),
    ],
)
def test_infeasible_rules_are_broken_as_few_times_as_possible(
    teams: str, k: int, rules: Rules
) -> None:
    rng = random.Random(len(teams) * k)
    tags = ["a", "b", "c", "d"]
    members = [
        Candidate(
            id=f"U{i}",
            team=t,
            manager=f"M{rng.randrange(3)}",
            interests=frozenset(rng.sample(tags, 2)),
        )
        for i, t in enumerate(teams)
    ]
    result = match(members, seed=5, group_size=k, rules=rules)
    sizes = group_sizes(len(members), k)
    best = max(
        _objective(members, [[members[i].id for i in g] for g in p], rules)
        for p in _partitions(list(range(len(members))), sizes)
    )
    got = _objective(members, [g.members for g in result.groups], rules)
    assert got == pytest.approx(best)
    fewest = round(-best // HARD_PENALTY + 1) if best < 0 else 0
    assert _broken_pairs(result) >= 1
    assert _broken_pairs(result) <= max(fewest, 1) + 1
    for v in result.violations:
        assert v.group in {g.members for g in result.groups}


@pytest.mark.parametrize("k", [3, 4, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_small_rounds_find_the_best_grouping(k: int, seed: int) -> None:
    rng = random.Random(seed * 10 + k)
    tags = ["a", "b", "c", "d", "e", "f"]
    members = [
        Candidate(
            id=f"U{i}",
            interests=frozenset(rng.sample(tags, rng.randint(0, 3))),
            offers=frozenset(rng.sample(["py", "sql"], rng.randint(0, 1))),
            wants=frozenset(rng.sample(["py", "sql"], rng.randint(0, 1))),
            team=rng.choice(["x", "y", None]),
        )
        for i in range(9)
    ]
    result = match(members, seed=seed, group_size=k)
    best = max(
        _objective(members, [[members[i].id for i in g] for g in p], Rules())
        for p in _partitions(list(range(9)), group_sizes(9, k))
    )
    assert result.total_weight == pytest.approx(best)


def test_groups_avoid_repeats_across_all_pairs() -> None:
    members = _plain(16)
    history: list = []
    seen: set[tuple[str, str]] = set()
    for r in range(3):  # 3 rounds of 4 groups of 4 without a repeat exist
        result = match(members, history, seed=r, group_size=4)
        for g in result.groups:
            for pair in itertools.combinations(g.members, 2):
                assert pair not in seen
                seen.add(pair)
        history.append([list(g.members) for g in result.groups])


@pytest.mark.parametrize(("n", "k"), [(7, 4), (10, 3), (13, 4)])
def test_nobody_in_an_off_size_group_twice_in_a_row(n: int, k: int) -> None:
    members = _plain(n)
    history: list = []
    for r in range(4):
        result = match(members, history, seed=r, group_size=k)
        if history:
            before = {p for g in history[-1] if len(g) != k for p in g}
            now = {p for g in result.groups if len(g.members) != k for p in g.members}
            assert not before & now
        history.append([list(g.members) for g in result.groups])


def test_reported_weights_exclude_the_penalty() -> None:
    members = [Candidate(f"U{i}", team="one", interests=frozenset({"go"})) for i in range(6)]
    result = match(members, group_size=3, rules=TEAM_REQUIRED)
    scorer = PairScorer(members)
    by_id = {m.id: m for m in members}
    for g in result.groups:
        assert g.weight == pytest.approx(scorer.group_weight([by_id[x] for x in g.members]))
    assert {v.rule for v in result.violations} == {"different_team"}
    assert _broken_pairs(result) == 6  # two trios of one team: 3 pairs each


def test_dense_block_weights_match_the_pair_weights() -> None:
    rng = random.Random(4)
    members = sorted(
        (
            Candidate(
                id=f"U{i:02d}",
                interests=frozenset(rng.sample("abcdefgh", rng.randint(0, 4))),
                offers=frozenset(rng.sample("pqr", rng.randint(0, 2))),
                wants=frozenset(rng.sample("pqr", rng.randint(0, 2))),
                team=rng.choice(["x", "y", None]),
                utc_offset_hours=rng.choice([None, -8.0, 0.0, 9.0]),
                location=rng.choice(["B", "L", None]),
                manager=rng.choice(["m", "n", None]),
            )
            for i in range(40)
        ),
        key=lambda m: m.id,
    )
    history = [[["U01", "U02"], ["U03", "U04", "U05"]], [["U01", "U03"]]]
    for rules in (
        Rules(),
        Rules(same_location="preferred", different_team="off"),
        Rules(
            different_team="required",
            different_manager="required",
            same_location="required",
            exclude=frozenset({("U01", "U09"), ("U07", "U30")}),
        ),
    ):
        feats = build_features(members, history, PairScorer(members).weights, rules=rules)
        idx = np.array([3, 1, 9, 30, 7, 2, 5, 4, 22])
        dense = dense_weights(feats, idx)
        iu, iv = np.triu_indices(len(idx), 1)
        expect = feats.pair_weights(idx[iu], idx[iv])
        assert np.allclose(dense[iu, iv], expect)
        assert np.allclose(dense[iv, iu], expect)
        scorer = PairScorer(members, history, rules=rules)
        for a, b in zip(idx[iu].tolist(), idx[iv].tolist(), strict=True):
            real = scorer.weight(members[a], members[b])
            bad = len(scorer.broken(members[a], members[b]))
            assert feats.pair_weights(np.array([a]), np.array([b]))[0] == pytest.approx(
                real - HARD_PENALTY * bad
            )
    assert OFF_SIZE_PENALTY < HARD_PENALTY


def test_group_reasons_name_who_shares_what() -> None:
    members = [
        Candidate("a", interests=frozenset({"jazz", "go"}), team="x"),
        Candidate("b", interests=frozenset({"jazz", "go"}), team="y", offers=frozenset({"py"})),
        Candidate("c", interests=frozenset({"jazz", "chess"}), team="z", wants=frozenset({"py"})),
        Candidate("d", interests=frozenset({"jazz", "chess"}), team="w"),
    ]
    result = match(members, group_size=4)
    (group,) = result.groups
    words = [describe(r) for r in group.reasons]
    assert words[:3] == [
        "you're all into jazz",
        "a and b are both into go",
        "c and d are both into chess",
    ]
    assert "b can help c with py" in words
    assert "different teams (w, x, y, z)" in words
    assert "first time you've been matched" in words


def test_group_size_is_checked() -> None:
    with pytest.raises(ValueError, match="group size"):
        match(_plain(4), group_size=9)


@pytest.mark.parametrize("k", [3, 4])
def test_many_blocks_keep_locations_and_rules(k: int) -> None:
    """The path of big rounds (several dense blocks), forced on a small one."""
    rng = random.Random(k)
    sizes = group_sizes(150, k)
    ids = [f"B{i:03d}" for i in range(150)]
    rng.shuffle(ids)
    members, at = [], 0
    for gi, s in enumerate(sizes):  # a planted grouping that keeps every rule
        for pos, p in enumerate(ids[at : at + s]):
            members.append(
                Candidate(
                    id=p,
                    team=f"t{pos}",
                    location=f"L{gi % 5}",
                    interests=frozenset(rng.sample("abcdefgh", 2)),
                )
            )
        at += s
    rules = Rules(different_team="required", same_location="required")
    params = EngineParams(groups=GroupParams(block=40, block_many=40))
    result = match(members, seed=1, group_size=k, rules=rules, params=params)
    check_groups([g.members for g in result.groups], ids, k)
    assert result.violations == ()
    assert match(list(reversed(members)), seed=1, group_size=k, rules=rules, params=params) == (
        result
    )


# -- properties -------------------------------------------------------------------------


@st.composite
def planted(draw: st.DrawFn) -> tuple[list[Candidate], int, Rules, int]:
    """A round where a grouping breaking no rule provably exists (it is planted)."""
    k = draw(st.integers(min_value=2, max_value=8))
    n = draw(st.integers(min_value=2, max_value=30))
    seed = draw(st.integers(min_value=0, max_value=2**16))
    rng = random.Random(seed)
    ids = [f"P{i:02d}" for i in range(n)]
    rng.shuffle(ids)
    sizes = group_sizes(n, k)
    plant, at = [], 0
    for s in sizes:
        plant.append(ids[at : at + s])
        at += s
    group_of = {p: gi for gi, g in enumerate(plant) for p in g}
    position = {p: i for g in plant for i, p in enumerate(g)}
    rules = Rules(
        different_team=draw(st.sampled_from(["required", "preferred", "off"])),
        different_manager=draw(st.sampled_from(["required", "off"])),
        same_location=draw(st.sampled_from(["required", "preferred", "off"])),
        exclude=frozenset(
            (a, b)
            for a, b in itertools.combinations(ids, 2)
            if group_of[a] != group_of[b] and rng.random() < 0.1
        ),
    )
    n_loc = draw(st.integers(min_value=1, max_value=3))
    members = [
        Candidate(
            id=p,
            # Inside a planted group, teams and managers all differ, the location is shared.
            team=f"t{position[p]}" if rng.random() < 0.9 else None,
            manager=f"m{(position[p] + 1) % 9}",
            location=f"L{group_of[p] % n_loc}",
            interests=frozenset(rng.sample("abcdef", rng.randint(0, 3))),
        )
        for p in ids
    ]
    return members, k, rules, seed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(planted())
def test_rules_are_met_whenever_a_valid_grouping_exists(
    data: tuple[list[Candidate], int, Rules, int],
) -> None:
    members, k, rules, seed = data
    result = match(members, seed=seed, group_size=k, rules=rules)
    check_groups([g.members for g in result.groups], [m.id for m in members], k)
    assert _sizes(result) == group_sizes(len(members), k)
    assert result.violations == ()
    # Deterministic by seed, whatever the order of the members.
    shuffled = list(members)
    random.Random(seed).shuffle(shuffled)
    assert match(shuffled, seed=seed, group_size=k, rules=rules) == result


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=3, max_value=8),
    st.integers(min_value=0, max_value=2**16),
)
def test_any_round_any_size_places_everyone_once(n: int, k: int, seed: int) -> None:
    rng = random.Random(seed)
    members = [
        Candidate(
            id=f"Q{i}",
            interests=frozenset(rng.sample("abcdefgh", rng.randint(0, 3))),
            team=rng.choice(["x", "y", "z", None]),
            location=rng.choice(["B", "L"]),
        )
        for i in range(n)
    ]
    history = [[[f"Q{i}", f"Q{i + 1}", f"Q{i + 2}"] for i in range(0, n - 2, 3)]]
    rules = Rules(different_team="required", same_location="required")
    result = match(members, history, seed=seed, group_size=k, rules=rules)
    check_groups([g.members for g in result.groups], [m.id for m in members], k)
    assert all(list(g.members) == sorted(g.members) for g in result.groups)
    assert all(g.reasons for g in result.groups)
    assert match(list(reversed(members)), history, seed=seed, group_size=k, rules=rules) == result


def _planted_big(n: int, k: int, seed: int) -> tuple[list[Candidate], Rules]:
    """Like the benchmark's planted rounds: k teams (one more for the groups of k + 1),
    nine managers and two offices follow a hidden grouping; every rule is required."""
    rng = random.Random(seed)
    ids = [f"U{i:05d}" for i in rng.sample(range(10 * n), n)]
    members, at = [], 0
    tags = [f"tag{i}" for i in range(60)]
    for gi, s in enumerate(group_sizes(n, k)):
        for pos, p in enumerate(ids[at : at + s]):
            members.append(
                Candidate(
                    id=p,
                    team=f"team-{pos}",
                    manager=f"boss-{(pos + gi) % 9}",
                    location=f"office-{gi % 2}",
                    interests=frozenset(rng.sample(tags, rng.randint(0, 5))),
                    utc_offset_hours=float(rng.choice([-5, 0, 1, 8])),
                )
            )
        at += s
    rules = Rules(different_team="required", different_manager="required", same_location="required")
    return members, rules


def test_rotations_mend_rules_that_swaps_and_moves_cannot() -> None:
    """Three teams in groups of three: only a rotation through three groups (or a chain
    that moves the group of four) mends a group once the local search has settled; before
    the repair phase this round kept broken groups although a valid grouping exists."""
    members, rules = _planted_big(1000, 3, 11)
    stuck = match(
        members,
        seed=0,
        group_size=3,
        rules=rules,
        params=EngineParams(groups=GroupParams(repair_rounds=0)),
    )
    result = match(members, seed=0, group_size=3, rules=rules)
    check_groups([g.members for g in result.groups], [m.id for m in members], 3)
    assert _sizes(result) == group_sizes(1000, 3)
    assert result.violations == ()
    assert stuck.violations != ()  # the case really needs the repair phase
