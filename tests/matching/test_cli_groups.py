"""`warmintro match` with group_size, rules, location and manager (the extended format)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bot.matching.instance import instance_to_json, parse_instance
from bot.matching.types import Rules
from tests.matching.test_cli import _one_line_error, _run

INSTANCE: dict[str, Any] = {
    "members": [
        {
            "id": f"U{i}",
            "team": f"t{i % 3}",
            "location": "Berlin" if i < 6 else "Lisbon",
            "manager": f"M{i % 2}",
            "interests": ["jazz"] if i % 3 == 0 else ["go"],
        }
        for i in range(12)
    ],
    "group_size": 3,
    "rules": {
        "different_team": "required",
        "same_location": "required",
        "exclude": [["U0", "U4"]],
    },
}


def _json(tmp_path: Path, data: object) -> dict[str, Any]:
    import json

    code, out, err = _run(tmp_path, data)
    assert code == 0, err
    return json.loads(out)


def test_groups_rules_and_violations_in_the_output(tmp_path: Path) -> None:
    result = _json(tmp_path, INSTANCE)
    assert set(result) == {"seed", "total_weight", "violations", "groups"}
    assert result["violations"] == []
    members = {m["id"]: m for m in INSTANCE["members"]}
    assert sorted(len(g["members"]) for g in result["groups"]) == [3, 3, 3, 3]
    for g in result["groups"]:
        assert set(g) == {"members", "weight", "reasons"}
        assert len({members[x]["team"] for x in g["members"]}) == 3
        assert len({members[x]["location"] for x in g["members"]}) == 1
        assert not {"U0", "U4"} <= set(g["members"])
        assert any(r.startswith("you're all in ") for r in g["reasons"])


def test_violations_are_listed_when_rules_cannot_all_be_met(tmp_path: Path) -> None:
    data = copy.deepcopy(INSTANCE)
    data["rules"] = {"different_manager": "required"}  # two managers, groups of three
    result = _json(tmp_path, data)
    assert result["violations"]
    groups = {tuple(g["members"]) for g in result["groups"]}
    for v in result["violations"]:
        assert v["rule"] == "different_manager"
        assert tuple(v["group"]) in groups
        assert v["pairs"] == 1  # one pair per trio shares a manager: the fewest possible
    assert len(result["violations"]) == 4


def test_pairs_stay_the_default(tmp_path: Path) -> None:
    data = {"members": INSTANCE["members"]}
    result = _json(tmp_path, data)
    assert sorted(len(g["members"]) for g in result["groups"]) == [2] * 6
    assert result["violations"] == []


def test_instance_round_trip_keeps_groups_and_rules() -> None:
    inst = parse_instance(INSTANCE)
    assert inst.group_size == 3
    assert inst.rules == Rules(
        different_team="required", same_location="required", exclude=frozenset({("U0", "U4")})
    )
    assert inst.members[0].location == "Berlin" and inst.members[0].manager == "M0"
    assert parse_instance(instance_to_json(inst)) == inst


BAD: dict[str, tuple[object, str]] = {
    "size too big": ({"members": [], "group_size": 9}, "group_size: must be a whole number"),
    "size one": ({"members": [], "group_size": 1}, "group_size"),
    "size text": ({"members": [], "group_size": "4"}, "group_size"),
    "size bool": ({"members": [], "group_size": True}, "group_size"),
    "rules not object": ({"members": [], "rules": ["x"]}, "rules: must be an object"),
    "unknown rule": ({"members": [], "rules": {"same_team": "off"}}, "unknown key(s) same_team"),
    "bad rule value": (
        {"members": [], "rules": {"different_manager": "preferred"}},
        "rules.different_manager: must be one of required, off",
    ),
    "exclude not list": ({"members": [], "rules": {"exclude": "U1"}}, "rules.exclude: must be"),
    "exclude triple": (
        {"members": [], "rules": {"exclude": [["U1", "U2", "U3"]]}},
        "rules.exclude[0]: must be a pair",
    ),
    "exclude self": ({"members": [], "rules": {"exclude": [["U1", "U1"]]}}, "themselves"),
    "location number": ({"members": [{"id": "U1", "location": 3}]}, "members[0].location"),
    "manager list": ({"members": [{"id": "U1", "manager": ["a"]}]}, "members[0].manager"),
}


@pytest.mark.parametrize(("data", "fragment"), BAD.values(), ids=BAD.keys())
def test_bad_input_exits_2_with_one_line(tmp_path: Path, data: object, fragment: str) -> None:
    code, out, err = _run(tmp_path, data)
    assert fragment in _one_line_error(code, err)
    assert out == ""
