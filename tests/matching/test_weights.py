"""The pair objective of DESIGN.md on hand-computed cases, scalar and vectorised."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching.features import build_features
from bot.matching.tags import normalize_tag, normalize_tags
from bot.matching.types import Candidate, Weights
from bot.matching.weights import PairScorer, circular_hours, last_met, pair_weight


def cand(member_id: str, **kw: object) -> Candidate:
    for key in ("interests", "offers", "wants"):
        if key in kw:
            kw[key] = frozenset(kw[key])
    return Candidate(member_id, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("Climbing", "climbing"),
        ("  Public   Speaking ", "public speaking"),
        ("Rock\\tand\\nRoll", "rock and roll"),
        ("JAZZ", "jazz"),
        ("", ""),
    ],
)
def test_normalize_tag(raw: str, tag: str) -> None:
    assert normalize_tag(raw.replace("\\t", "\t").replace("\\n", "\n")) == tag


def test_normalize_tags_drops_empty_and_merges_duplicates() -> None:
    assert normalize_tags(["Jazz", " jazz ", "  ", "Go"]) == frozenset({"jazz", "go"})


def test_shared_interests_weigh_by_rarity() -> None:
    a = cand("a", interests={"x", "y"})
    b = cand("b", interests={"x", "y"})
    c = cand("c", interests={"x"})
    d = cand("d")
    members = [a, b, c, d]
    # N = 4, df(x) = 3, df(y) = 2.
    s = math.log(1 + 4 / 3) + math.log(1 + 4 / 2)
    assert pair_weight(a, b, members) == pytest.approx(10 * s)
    assert pair_weight(a, c, members) == pytest.approx(10 * math.log(1 + 4 / 3))
    assert pair_weight(a, d, members) == 0.0


def test_give_counts_both_directions() -> None:
    a = cand("a", offers={"python", "sql"}, wants={"design"})
    b = cand("b", offers={"design"}, wants={"python", "go"})
    assert pair_weight(a, b, [a, b]) == pytest.approx(15 * 2)
    assert pair_weight(a, cand("c", wants={"sql"}), [a, b]) == 15


@pytest.mark.parametrize(
    ("team_a", "team_b", "x"),
    [("platform", "design", 1), ("platform", "platform", 0), (None, "design", 0), (None, None, 0)],
)
def test_cross_team(team_a: str | None, team_b: str | None, x: int) -> None:
    a, b = cand("a", team=team_a), cand("b", team=team_b)
    assert pair_weight(a, b, [a, b]) == 5 * x


@pytest.mark.parametrize(
    ("oa", "ob", "z"),
    [
        (0, 3, 0.0),
        (0, 5, 2.0),
        (-8, 5.5, 7.5),  # 13.5 h one way, 10.5 h the other
        (-11, 12, 0.0),  # 23 h one way, 1 h the other
        (-12, 0, 9.0),
        (None, 9, 0.0),
    ],
)
def test_time_zones(oa: float | None, ob: float | None, z: float) -> None:
    a, b = cand("a", utc_offset_hours=oa), cand("b", utc_offset_hours=ob)
    assert pair_weight(a, b, [a, b]) == pytest.approx(-2 * z)


def test_circular_hours() -> None:
    assert circular_hours(-8, 5.5) == 10.5
    assert circular_hours(14, -12) == 2
    assert circular_hours(1, 1) == 0


def test_repeat_penalty_decays_with_rounds() -> None:
    a, b, c, d = cand("a"), cand("b"), cand("c"), cand("d")
    members = [a, b, c, d]
    history = [[["a", "b"]], [["a", "c", "d"]], [["x", "y"]]]  # oldest first
    assert last_met(history, "abcd") == {("a", "b"): 3, ("a", "c"): 2, ("a", "d"): 2, ("c", "d"): 2}
    assert pair_weight(a, b, members, history) == pytest.approx(-100 * 0.7**2)
    assert pair_weight(c, d, members, history) == pytest.approx(-100 * 0.7)
    assert pair_weight(b, c, members, history) == 0.0
    assert pair_weight(a, b, members, [[["a", "b"]]]) == pytest.approx(-100)


def test_everything_together_with_custom_weights() -> None:
    a = cand("a", interests={"jazz"}, offers={"python"}, team="x", utc_offset_hours=0)
    b = cand("b", interests={"jazz"}, wants={"python"}, team="y", utc_offset_hours=7)
    members = [a, b]
    w = Weights(interest=1, give=2, cross_team=3, timezone=4, repeat=5, repeat_decay=0.5)
    history = [[["a", "b"]], []]
    expected = 1 * math.log(1 + 2 / 2) + 2 * 1 + 3 * 1 - 4 * (7 - 3) - 5 * 0.5
    assert pair_weight(a, b, members, history, w) == pytest.approx(expected)
    assert PairScorer(members, history, w).group_weight([a, b]) == pytest.approx(expected)


def test_trio_weight_is_sum_of_pairs() -> None:
    a = cand("a", interests={"jazz"}, team="x")
    b = cand("b", interests={"jazz"}, team="y")
    c = cand("c", team="x")
    scorer = PairScorer([a, b, c])
    total = scorer.weight(a, b) + scorer.weight(a, c) + scorer.weight(b, c)
    assert scorer.group_weight([a, b, c]) == pytest.approx(total)


TAGS = st.frozensets(st.sampled_from(["a", "b", "c", "d", "e", "f"]), max_size=4)


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Candidate], list[list[list[str]]]]:
    n = draw(st.integers(min_value=2, max_value=14))
    members = [
        Candidate(
            id=f"m{i:02d}",
            interests=draw(TAGS),
            offers=draw(TAGS),
            wants=draw(TAGS),
            team=draw(st.sampled_from([None, "x", "y", "z"])),
            utc_offset_hours=draw(st.sampled_from([None, -8.0, -5.0, 0.0, 5.5, 9.0, 13.0])),
        )
        for i in range(n)
    ]
    ids = [m.id for m in members] + ["gone"]
    history = draw(
        st.lists(
            st.lists(st.lists(st.sampled_from(ids), min_size=2, max_size=3), max_size=4),
            max_size=4,
        )
    )
    return members, history


@settings(max_examples=60, deadline=None)
@given(instances())
def test_vectorised_weights_agree_with_the_scalar_ones(
    data: tuple[list[Candidate], list[list[list[str]]]],
) -> None:
    members, history = data
    members = sorted(members, key=lambda m: m.id)
    feats = build_features(members, history, Weights())
    scorer = PairScorer(members, history)
    n = len(members)
    u, v = np.triu_indices(n, 1)
    got = feats.pair_weights(u, v)
    want = [scorer.weight(members[i], members[j]) for i, j in zip(u, v, strict=True)]
    assert got == pytest.approx(want, abs=1e-9)
    # Either order of a pair gives the same weight.
    assert feats.pair_weights(v, u) == pytest.approx(got, abs=1e-9)
