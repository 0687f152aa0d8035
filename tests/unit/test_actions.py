"""Typed actions: ids captured from buttons the previous version sent still decode, and every
action encodes back to the same id."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.actions import (
    Checkin,
    CheckinAnswer,
    EditProfile,
    JoinProgram,
    ProfileForm,
    SkipQuestion,
    StartThanks,
    ThanksForm,
    decode_action,
    decode_form,
    kind_of,
    opens_form,
)

# Ids exactly as commit 448b294 (before typed actions) put them on buttons and forms.
CAPTURED = [
    ("checkin:12:scheduled", Checkin(12, CheckinAnswer.SCHEDULED)),
    ("checkin:12:met", Checkin(12, CheckinAnswer.MET)),
    ("checkin:7:skipped", Checkin(7, CheckinAnswer.SKIPPED)),
    ("thanks:start:31", StartThanks(31)),
    ("interview:skip:interests", SkipQuestion("interests")),
    ("interview:skip:offers", SkipQuestion("offers")),
    ("interview:skip:wants", SkipQuestion("wants")),
    ("program:join", JoinProgram()),
    ("profile:edit", EditProfile()),
]


@pytest.mark.parametrize(("wire", "action"), CAPTURED)
def test_ids_already_sent_keep_working(wire: str, action: object) -> None:
    assert decode_action(wire) == action
    assert action.encode() == wire  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("wire", "form"),
    [("profile", ProfileForm()), ("thanks", ThanksForm()), ("thanks:31", ThanksForm(31))],
)
def test_form_ids_round_trip(wire: str, form: object) -> None:
    assert decode_form(wire) == form
    assert form.encode() == wire  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "wire",
    [
        "",
        "checkin",
        "checkin:12",
        "checkin:12:maybe",
        "checkin:99999999999999999999:met",  # would overflow a database integer
        "checkin:2147483648:met",
        "checkin:-1:met",
        "checkin:012:met",
        "checkin:12:met:extra",
        "thanks:start:",
        "thanks:start:abc",
        "interview:skip:<!channel>",
        "program:join ",
        "PROFILE:EDIT",
        "x" * 300,
        None,
        12,
    ],
)
def test_anything_else_is_not_an_action(wire: object) -> None:
    assert decode_action(wire) is None
    assert kind_of(wire) is None and not opens_form(wire)


@pytest.mark.parametrize("wire", ["", "thanks:", "thanks:0", "thanks:x", "profile:1", None])
def test_anything_else_is_not_a_form(wire: object) -> None:
    assert decode_form(wire) is None


def test_routing_kinds_and_forms() -> None:
    assert kind_of("checkin:1:met") == "checkin"
    assert opens_form("thanks:start:3") and opens_form("profile:edit")
    assert not opens_form("checkin:1:met") and not opens_form("program:join")


@given(st.integers(1, 2**31 - 1), st.sampled_from(list(CheckinAnswer)))
def test_checkins_round_trip(group: int, answer: CheckinAnswer) -> None:
    action = Checkin(group, answer)
    assert decode_action(action.encode()) == action


@given(st.text(max_size=300))
def test_decoding_never_raises(text: str) -> None:
    action = decode_action(text)
    assert action is None or action.encode() == text
    form = decode_form(text)
    assert form is None or form.encode() == text
