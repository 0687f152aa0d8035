"""What counts as naming a forgotten person, in free text and in keys and references."""

from __future__ import annotations

import pytest

from bot.forget import Traces

ZED = Traces("zed42", "Zebulon Quillfeather")
LI = Traces("li", "Li Wei")

IN_TEXT = [
    (ZED, "thanks <@zed42>!", True),
    (ZED, "zed42 helped", True),
    (ZED, "zed421 helped", False),
    (ZED, "great pairing with zebulon", True),
    (ZED, "ZEBULON QUILLFEATHER rocks", True),
    (ZED, "the Zebulonian empire", False),
    (LI, "climbing and linting", False),
    (LI, "thanks Wei!", True),
    (LI, "thanks <@li|li>", True),
]


@pytest.mark.parametrize(("traces", "text", "expected"), IN_TEXT)
def test_in_text(traces: Traces, text: str, expected: bool) -> None:
    assert traces.in_text(text) is expected


IN_REF = [
    (ZED, "thanks:5:dm:zed42", True),
    (ZED, "dms_closed:zed42:2026-11-23", True),
    (LI, "G-li-maya/3", True),
    (LI, "r3:alone:olivia", False),
    (LI, "C-coffee/12", False),
    (LI, None, False),
]


@pytest.mark.parametrize(("traces", "value", "expected"), IN_REF)
def test_in_ref(traces: Traces, value: str | None, expected: bool) -> None:
    assert traces.in_ref(value) is expected


def test_short_name_parts_are_not_matched_alone() -> None:
    assert LI.names() == ["Li Wei", "Wei"]
    assert LI.id_in_json({"lines": [[{"user": "li"}]]})
    assert not LI.id_in_json({"lines": [[{"text": "Li Wei likes jazz"}]]})
    assert LI.in_json({"lines": [[{"text": "Li Wei likes jazz"}]]})
