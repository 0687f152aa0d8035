"""`/coffee preview` at any size: every group for a small program, a summary beyond."""

from __future__ import annotations

import re

from bot import wording
from bot.matching.types import MatchedGroup, MatchResult, Reason
from bot.messages import UserRef, UserText
from bot.rounds import Plan, describe_plan
from storage.models import Member


def group(i: int, weight: float, size: int = 2, met: bool = False) -> wording.PreviewGroup:
    members = tuple(f"U{i:03d}{k}" for k in range(size))
    return wording.PreviewGroup(members, weight, (f"you're both into topic {i}",), met)


def test_up_to_20_groups_lists_every_group() -> None:
    groups = [group(i, float(i)) for i in range(wording.PREVIEW_LIST_ALL)]
    text = wording.preview_message(groups).plain()
    assert f"({wording.PREVIEW_LIST_ALL} groups, not saved)" in text
    assert all(f"@U{i:03d}0 + @U{i:03d}1 — score {i:.1f}" in text for i in range(20))
    assert "Best" not in text


def test_beyond_20_groups_a_summary_with_the_trio_extremes_and_counts() -> None:
    groups = [group(i, float(i % 37) - 10, met=i % 4 == 0) for i in range(300)]
    groups[123] = group(123, 5.5, size=3)
    message = wording.preview_message(groups)
    text = message.plain()
    assert "601 members in 300 groups — 299 pairs and 1 trio" in text
    assert "• Trio: @U1230 + @U1231 + @U1232" in text
    weights = [g.weight for g in groups]
    mean = sum(weights) / len(weights)
    assert (
        f"Scores: average {mean:.1f}, lowest {min(weights):.1f}, highest {max(weights):.1f}" in text
    )
    repeats = sum(g.met_before for g in groups)
    assert f"{300 - repeats} groups meet for the first time, {repeats} have met before" in text
    assert "• Rule violations: none" in text
    best, worst = text.split("*Best 5 groups:*")[1].split("*Lowest 5 groups:*")
    best_scores = [float(s) for s in re.findall(r"score (-?[\d.]+)", best)]
    assert best_scores == sorted(weights, reverse=True)[:5]
    assert [float(s) for s in re.findall(r"score (-?[\d.]+)", worst)] == sorted(weights)[:5]
    assert len(message.lines) < 25  # not a wall of 300 lines


def test_rule_violations_have_their_place() -> None:
    broken = [("same team: ", UserRef("U0010"), " and ", UserRef("U0011"))]
    summary = wording.preview_message([group(i, 1.0) for i in range(30)], broken).plain()
    assert "Rule violations (1):" in summary and "same team: @U0010 and @U0011" in summary
    assert "Rule violations: none" not in summary
    small = wording.preview_message([group(i, 1.0) for i in range(3)], broken).plain()
    assert "Rule violations (1):" in small
    assert "Rule violations" not in wording.preview_message([group(1, 1.0)]).plain()


def test_reasons_are_cut_before_escaping_and_stay_typed_text() -> None:
    hostile = "<!channel> & " * 500
    groups = [wording.PreviewGroup(("U1", "U2"), 1.0, (hostile,))] * 30
    for message, limit in (
        (wording.preview_message(groups), wording.REASONS_SHOWN_SUMMARY),
        (wording.preview_message(groups[:3]), wording.REASONS_SHOWN),
    ):
        spans = [s for line in message.lines for s in line if isinstance(s, UserText)]
        assert spans and all(len(s.text) <= limit and s.text.endswith("…") for s in spans)
        assert all(
            isinstance(s, UserText | UserRef) or "<!" not in s
            for line in message.lines
            for s in line
        )


def test_describe_plan_counts_repeats_and_names_people() -> None:
    members = {
        i: Member(id=i, external_id=f"U{i}", display_name=f"Person {i}", workspace_id=1)
        for i in range(1, 6)
    }
    result = MatchResult(
        seed=1,
        groups=(
            MatchedGroup(("1", "2"), 12.0, (Reason("give", ("python",), "1", "2"),)),
            MatchedGroup(
                ("3", "4", "5"), -90.0, (Reason("met_before", rounds_ago=1, members=("3", "4")),)
            ),
        ),
    )
    described = describe_plan(Plan(1, 1, 1, members, result))
    assert described[0] == wording.PreviewGroup(
        ("U1", "U2"), 12.0, ("Person 1 can help Person 2 with python",), False
    )
    assert described[1].members == ("U3", "U4", "U5") and described[1].met_before
