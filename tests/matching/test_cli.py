"""`warmintro match`: reads an instance, writes groups; bad input exits 2 with one line."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.matching.cli import EXIT_BAD_INPUT, main

ROOT = Path(__file__).resolve().parents[2]

INSTANCE: dict[str, Any] = {
    "members": [
        {
            "id": "U1",
            "interests": ["Climbing", "jazz"],
            "offers": ["python"],
            "team": "platform",
            "utc_offset_hours": 1,
        },
        {"id": "U2", "interests": ["  climbing "], "wants": ["Python"], "team": "design"},
        {"id": "U3", "interests": ["jazz"], "utc_offset_hours": -5},
        {"id": "U4"},
        {"id": "U5", "team": "design"},
    ],
    "history": [[["U1", "U3"], ["U2", "U4", "U5"]], [["U3", "GONE"], ["U1", "U2"]]],
    "weights": {"repeat": 50, "repeat_decay": 0.5},
}


def _run(tmp_path: Path, data: object, *args: str) -> tuple[int, str, str]:
    path = tmp_path / "instance.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return _main(["--input", str(path), *args])


def _main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_valid_run_prints_groups(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, INSTANCE)
    assert code == 0, err
    result = json.loads(out)
    assert result["seed"] == 0  # the default seed
    assert sorted(p for g in result["groups"] for p in g["members"]) == [
        "U1",
        "U2",
        "U3",
        "U4",
        "U5",
    ]
    assert sorted(len(g["members"]) for g in result["groups"]) == [2, 3]
    assert result["total_weight"] == pytest.approx(sum(g["weight"] for g in result["groups"]))
    for g in result["groups"]:
        assert g["reasons"] and all(isinstance(r, str) for r in g["reasons"])


def test_tags_are_normalised(tmp_path: Path) -> None:
    data = {
        "members": [
            {"id": "a", "interests": ["Rock  Climbing"], "offers": [" Python"]},
            {"id": "b", "interests": ["rock climbing "], "wants": ["PYTHON"]},
        ]
    }
    code, out, _ = _run(tmp_path, data)
    assert code == 0
    (group,) = json.loads(out)["groups"]
    assert group["reasons"][:2] == ["you're both into rock climbing", "a can help b with python"]


def test_seed_output_file_and_determinism(tmp_path: Path) -> None:
    out_file = tmp_path / "groups.json"
    code, out, _ = _run(tmp_path, INSTANCE, "--seed", "42", "--output", str(out_file))
    assert code == 0
    assert out == ""
    first = out_file.read_text()
    assert json.loads(first)["seed"] == 42
    assert _run(tmp_path, INSTANCE, "--seed", "42", "--output", str(out_file))[0] == 0
    assert out_file.read_text() == first


def test_history_ids_that_are_not_members_are_ignored(tmp_path: Path) -> None:
    data = {"members": [{"id": "a"}, {"id": "b"}], "history": [[["a", "zz"], ["b", "yy", "xx"]]]}
    code, out, _ = _run(tmp_path, data)
    assert code == 0
    assert json.loads(out)["groups"][0]["reasons"] == ["first time you've been matched"]


@pytest.mark.parametrize("members", [[], [{"id": "solo"}]])
def test_fewer_than_two_members(tmp_path: Path, members: list[dict[str, str]]) -> None:
    code, out, _ = _run(tmp_path, {"members": members})
    assert code == 0
    result = json.loads(out)
    assert result["groups"] == []
    assert result["total_weight"] == 0
    assert "fewer than two" in result["note"]


BAD_INPUTS: dict[str, tuple[object, str]] = {
    "malformed json": ('{"members": [', "malformed JSON"),
    "not an object": ("[1, 2]", "must be a JSON object"),
    "missing members": ({}, "missing members"),
    "members not a list": ({"members": {"id": "a"}}, "members: must be a list"),
    "member not an object": ({"members": ["a"]}, "members[0]: must be an object"),
    "missing id": ({"members": [{"id": "a"}, {"team": "x"}]}, "members[1]: missing id"),
    "id not a string": ({"members": [{"id": 7}]}, "members[0].id"),
    "blank id": ({"members": [{"id": "  "}]}, "members[0].id"),
    "duplicate id": ({"members": [{"id": "a"}, {"id": "b"}, {"id": "a"}]}, "duplicate id 'a'"),
    "interests not a list": ({"members": [{"id": "a", "interests": "jazz"}]}, "interests"),
    "tag not a string": ({"members": [{"id": "a", "offers": ["py", 3]}]}, "offers"),
    "team not a string": ({"members": [{"id": "a", "team": 3}]}, "team"),
    "offset not a number": ({"members": [{"id": "a", "utc_offset_hours": "1"}]}, "utc_offset"),
    "offset a boolean": ({"members": [{"id": "a", "utc_offset_hours": True}]}, "utc_offset"),
    "offset out of range": ({"members": [{"id": "a", "utc_offset_hours": 30}]}, "utc_offset"),
    "offset not finite": ('{"members": [{"id": "a", "utc_offset_hours": NaN}]}', "utc_offset"),
    "history not a list": ({"members": [], "history": {}}, "history"),
    "round not a list": ({"members": [], "history": ["a"]}, "history[0]"),
    "group of non-ids": ({"members": [], "history": [[["a", 1]]]}, "history[0][0]"),
    "weights not an object": ({"members": [], "weights": [1]}, "weights"),
    "unknown weight": ({"members": [], "weights": {"intrest": 1}}, "intrest"),
    "negative weight": ({"members": [], "weights": {"give": -1}}, "weights.give"),
    "non-numeric weight": ({"members": [], "weights": {"give": "15"}}, "weights.give"),
    "boolean weight": ({"members": [], "weights": {"repeat": True}}, "weights.repeat"),
    "infinite weight": ('{"members": [], "weights": {"repeat": Infinity}}', "weights.repeat"),
    "decay above one": ({"members": [], "weights": {"repeat_decay": 1.5}}, "repeat_decay"),
}


def _one_line_error(code: int, err: str) -> str:
    assert code == EXIT_BAD_INPUT
    assert err.endswith("\n")
    assert err.count("\n") == 1, err
    assert err.startswith("warmintro match: error: ")
    return err


@pytest.mark.parametrize(("data", "fragment"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_exits_2_with_one_line(tmp_path: Path, data: object, fragment: str) -> None:
    code, out, err = _run(tmp_path, data)
    assert fragment in _one_line_error(code, err)
    assert out == ""


def test_unreadable_files(tmp_path: Path) -> None:
    code, _, err = _main(["--input", str(tmp_path / "missing.json")])
    assert "missing.json" in _one_line_error(code, err)
    code, _, err = _main(["--input", str(tmp_path)])
    assert "cannot read" in _one_line_error(code, err)
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    code, _, err = _main(["--input", str(tmp_path / "bin.json")])
    _one_line_error(code, err)


def test_unwritable_output(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path, INSTANCE, "--output", str(tmp_path / "no" / "such" / "dir.json"))
    assert "cannot write" in _one_line_error(code, err)


@pytest.mark.parametrize(
    "argv", [[], ["--input"], ["--input", "x.json", "--seed", "one"], ["--bogus"]]
)
def test_usage_errors_are_one_line_too(argv: list[str]) -> None:
    code, _, err = _main(argv)
    _one_line_error(code, err)


def test_the_real_process(tmp_path: Path) -> None:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(INSTANCE))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "bot.matching.cli", "--input", str(path), "--seed", "7"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["seed"] == 7
    path.write_text("{oops")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1


def test_same_output_whatever_the_hash_seed(tmp_path: Path) -> None:
    path = tmp_path / "instance.json"
    members = [
        {"id": f"U{i}", "interests": [f"t{i % 5}", f"t{i % 7}"], "team": f"x{i % 3}"}
        for i in range(41)
    ]
    path.write_text(json.dumps({"members": members}))
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": hash_seed}
        cmd = [sys.executable, "-m", "bot.matching.cli", "--input", str(path)]
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
