"""Reading instances: validation, tag normalisation, weights."""

from __future__ import annotations

import pytest

from bot.matching.instance import InstanceError, instance_to_json, parse_instance
from bot.matching.types import Candidate, Weights


def test_full_member_and_defaults() -> None:
    inst = parse_instance(
        {
            "members": [
                {
                    "id": "U1",
                    "interests": ["Climbing", " JAZZ  club", "", "climbing"],
                    "offers": ["Python"],
                    "wants": ["Public  Speaking"],
                    "team": " platform ",
                    "utc_offset_hours": 5.5,
                },
                {"id": "U2", "team": "", "utc_offset_hours": None},
            ]
        }
    )
    assert inst.members == (
        Candidate(
            "U1",
            interests=frozenset({"climbing", "jazz club"}),
            offers=frozenset({"python"}),
            wants=frozenset({"public speaking"}),
            team="platform",
            utc_offset_hours=5.5,
        ),
        Candidate("U2"),
    )
    assert inst.history == ()
    assert inst.weights == Weights()


def test_history_and_weights() -> None:
    inst = parse_instance(
        {
            "members": [{"id": "a"}, {"id": "b"}],
            "history": [[["a", "b"]], [["a", "gone", "b"], []]],
            "weights": {"interest": 3, "repeat_decay": 0.5},
        }
    )
    assert inst.history == ((("a", "b"),), (("a", "gone", "b"), ()))
    assert inst.weights == Weights(interest=3.0, repeat_decay=0.5)


def test_round_trip() -> None:
    data = {
        "members": [{"id": "a", "interests": ["go"], "team": "x"}, {"id": "b"}],
        "history": [[["a", "b"]]],
        "weights": {"give": 1},
    }
    inst = parse_instance(data)
    assert parse_instance(instance_to_json(inst)) == inst


def test_unknown_member_fields_are_ignored() -> None:
    inst = parse_instance({"members": [{"id": "a", "nickname": "Al"}]})
    assert inst.members == (Candidate("a"),)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"members": [{"id": "a"}, {"id": "a"}]},
        {"members": [], "weights": {"interest": -0.5}},
        {"members": [{"id": "a", "utc_offset_hours": -13}]},
    ],
)
def test_errors_are_instance_errors(data: object) -> None:
    with pytest.raises(InstanceError) as info:
        parse_instance(data)
    assert "\n" not in str(info.value)
