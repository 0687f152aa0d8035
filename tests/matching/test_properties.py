"""Property tests: validity, determinism and input-order independence of `match`."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.matching.check import check_groups
from bot.matching.engine import EngineParams, match
from bot.matching.types import Candidate, Weights

TAGS = st.frozensets(st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "h"]), max_size=4)
SKILLS = st.frozensets(st.sampled_from(["py", "sql", "ux", "talk"]), max_size=2)


@st.composite
def rounds(draw: st.DrawFn, max_members: int = 24) -> tuple[list[Candidate], list, int]:
    n = draw(st.integers(min_value=0, max_value=max_members))
    ids = draw(
        st.lists(
            st.text("abcdefghijklmnop", min_size=1, max_size=4), min_size=n, max_size=n, unique=True
        )
    )
    members = [
        Candidate(
            id=i,
            interests=draw(TAGS),
            offers=draw(SKILLS),
            wants=draw(SKILLS),
            team=draw(st.sampled_from([None, "x", "y", "z"])),
            utc_offset_hours=draw(st.sampled_from([None, -8.0, 0.0, 1.0, 9.0])),
        )
        for i in ids
    ]
    pool = [*ids, "left-us"]
    history = draw(
        st.lists(
            st.lists(st.lists(st.sampled_from(pool), min_size=2, max_size=3), max_size=5),
            max_size=3,
        )
    )
    seed = draw(st.integers(min_value=0, max_value=2**31))
    return members, history, seed


SPARSE = EngineParams(exact_limit=0)  # force the large-round path on small rounds


def _check(members: list[Candidate], history: list, seed: int, params: EngineParams) -> None:
    result = match(members, history, seed=seed, params=params)
    check_groups([g.members for g in result.groups], [m.id for m in members])
    assert all(list(g.members) == sorted(g.members) for g in result.groups)
    assert result.seed == seed
    for g in result.groups:
        assert g.reasons, "every group says why"
    # Deterministic, and independent of the order of the members.
    assert match(members, history, seed=seed, params=params) == result
    shuffled = list(members)
    random.Random(seed).shuffle(shuffled)
    assert match(shuffled, history, seed=seed, params=params) == result
    assert match(list(reversed(members)), history, seed=seed, params=params) == result


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds())
def test_small_rounds_are_valid_and_deterministic(data: tuple[list[Candidate], list, int]) -> None:
    _check(*data, EngineParams())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rounds(max_members=40))
def test_large_round_path_is_valid_and_deterministic(
    data: tuple[list[Candidate], list, int],
) -> None:
    _check(*data, SPARSE)


@settings(max_examples=30, deadline=None)
@given(rounds(max_members=12), st.floats(min_value=0, max_value=50))
def test_any_non_negative_weights(data: tuple[list[Candidate], list, int], x: float) -> None:
    members, history, seed = data
    weights = Weights(interest=x, give=0, cross_team=x / 2, timezone=0, repeat=x, repeat_decay=1)
    result = match(members, history, weights, seed)
    check_groups([g.members for g in result.groups], [m.id for m in members])
    assert match(list(reversed(members)), history, weights, seed) == result
