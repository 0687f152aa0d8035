"""Why a group was matched: structured reasons, best first, and their wording."""

from __future__ import annotations

import pytest

from bot.matching.engine import match
from bot.matching.explain import describe, describe_all, join_words
from bot.matching.reasons import group_reasons
from bot.matching.types import Candidate, Reason, Weights
from bot.matching.weights import PairScorer

NAMES = {"m": "Maya", "l": "Li", "s": "Sam"}.__getitem__


def _cand(member_id: str, **kw: object) -> Candidate:
    for key in ("interests", "offers", "wants"):
        if key in kw:
            kw[key] = frozenset(kw[key])  # type: ignore[arg-type]
    return Candidate(member_id, **kw)  # type: ignore[arg-type]


def _everyone() -> list[Candidate]:
    maya = _cand(
        "m",
        interests={"climbing", "jazz", "go"},
        offers={"python"},
        wants={"public speaking"},
        team="platform",
        utc_offset_hours=-5,
    )
    li = _cand(
        "l",
        interests={"climbing", "jazz", "go"},
        offers={"public speaking", "sql"},
        wants={"python", "sql"},
        team="design",
        utc_offset_hours=1,
    )
    # Others make "go" rare, "jazz" commoner and "climbing" commonest.
    others = [
        _cand("o1", interests={"climbing", "jazz"}),
        _cand("o2", interests={"climbing", "jazz"}),
        _cand("o3", interests={"climbing"}),
    ]
    return [maya, li, *others]


def test_reasons_in_order_best_first() -> None:
    members = _everyone()
    scorer = PairScorer(members, [[["m", "l"]], [["m", "o1"]], [["x", "y"]]])
    reasons = group_reasons(members[:2], scorer)
    assert [r.kind for r in reasons] == [
        "shared_interest",
        "give",
        "give",
        "cross_team",
        "met_before",
        "timezone",
    ]
    assert reasons[0].tags == ("go", "jazz", "climbing")  # rarest first
    # Who helps whom with what; the bigger help first.
    assert (reasons[1].giver, reasons[1].receiver, reasons[1].tags) == (
        "l",
        "m",
        ("public speaking",),
    )
    assert (reasons[2].giver, reasons[2].receiver, reasons[2].tags) == ("m", "l", ("python",))
    assert reasons[3].teams == ("design", "platform")
    assert reasons[4].rounds_ago == 3
    assert reasons[5].hours == 6
    assert describe_all(reasons, NAMES) == [
        "you're both into go, jazz and climbing",
        "Li can help Maya with public speaking",
        "Maya can help Li with python",
        "different teams (design, platform)",
        "last met 3 rounds ago",
        "6 hours apart — pick a time that suits both",
    ]


def test_no_self_help_and_first_meeting() -> None:
    li = _cand("l", offers={"sql"}, wants={"sql"})
    sam = _cand("s")
    reasons = group_reasons([li, sam], PairScorer([li, sam]))
    assert [r.kind for r in reasons] == ["first_meeting"]
    assert describe(reasons[0]) == "first time you've been matched"


def test_terms_weighted_zero_are_not_mentioned() -> None:
    members = _everyone()
    weights = Weights(interest=0, give=0, cross_team=0, timezone=0)
    reasons = group_reasons(members[:2], PairScorer(members, weights=weights))
    assert [r.kind for r in reasons] == ["first_meeting"]


def test_small_time_zone_gaps_are_not_mentioned() -> None:
    a = _cand("a", utc_offset_hours=0)
    b = _cand("b", utc_offset_hours=3)
    assert [r.kind for r in group_reasons([a, b], PairScorer([a, b]))] == ["first_meeting"]


def test_trio_reasons_name_who_shares_what() -> None:
    m = _cand("m", interests={"jazz", "go"}, team="a")
    li = _cand("l", interests={"jazz", "go"}, team="b")
    s = _cand("s", interests={"jazz"}, team="a")
    scorer = PairScorer([m, li, s], [[["l", "s"]]])
    reasons = group_reasons([m, li, s], scorer)
    assert reasons[0] == Reason("shared_interest", tags=("jazz",), group_size=3)
    assert reasons[1] == Reason("shared_interest", tags=("go",), members=("m", "l"), group_size=3)
    assert describe_all(reasons, NAMES) == [
        "you're all into jazz",
        "Maya and Li are both into go",
        "different teams (a, b)",
        "Li and Sam met last round",
    ]


def test_match_attaches_reasons_to_every_group() -> None:
    members = [*_everyone(), _cand("o4")]
    result = match(members, seed=5)
    by_members = {g.members: g for g in result.groups}
    assert ("l", "m") in by_members
    assert by_members[("l", "m")].reasons[0].kind == "shared_interest"
    assert all(g.reasons for g in result.groups)


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        (
            Reason("shared_interest", tags=("climbing", "jazz")),
            "you're both into climbing and jazz",
        ),
        (Reason("give", tags=("python",), giver="m", receiver="l"), "Maya can help Li with python"),
        (
            Reason("give", tags=("python", "sql"), giver="l", receiver="s"),
            "Li can help Sam with python and sql",
        ),
        (Reason("cross_team", teams=("platform", "design")), "different teams (platform, design)"),
        (Reason("first_meeting", group_size=3), "first time you've been matched"),
        (Reason("met_before", rounds_ago=1), "met last round"),
        (Reason("met_before", rounds_ago=3), "last met 3 rounds ago"),
        (Reason("timezone", hours=5.0), "5 hours apart — pick a time that suits both"),
        (
            Reason("timezone", hours=4.5, group_size=3),
            "4.5 hours apart — pick a time that suits all of you",
        ),
    ],
)
def test_describe(reason: Reason, text: str) -> None:
    assert describe(reason, NAMES) == text


def test_join_words() -> None:
    assert join_words([]) == ""
    assert join_words(["a"]) == "a"
    assert join_words(["a", "b"]) == "a and b"
    assert join_words(["a", "b", "c"]) == "a, b and c"
