"""Discord's limits hold for every message kind, whatever its size or what people typed."""

from __future__ import annotations

import pytest

from adapters.discord.components import FormModal, build_view, render_reply
from adapters.discord.render import (
    MAX_BUTTONS,
    MAX_CONTENT,
    MAX_LABEL,
    MAX_MODAL_LABEL,
    MAX_MODAL_TITLE,
    MAX_PARTS,
    MAX_TEXT_INPUT,
    split_content,
)
from bot.messages import Form, FormField, Message, UserRef
from tests.huge import BIG, INTERESTS, hostile_messages

SNOWFLAKE = "123456789012345678"


def as_discord(message: Message) -> Message:
    """The same message with Discord-sized user ids (18-digit snowflakes)."""
    return Message(
        tuple(
            tuple(UserRef(SNOWFLAKE) if isinstance(s, UserRef) else s for s in line)
            for line in message.lines
        ),
        message.buttons,
        message.mentions,
    )


def trailing_backslashes(text: str) -> int:
    return len(text) - len(text.rstrip("\\"))


@pytest.mark.parametrize("kind", sorted(hostile_messages()))
def test_every_message_kind_with_huge_hostile_input_fits_discord(kind: str) -> None:
    message = as_discord(hostile_messages()[kind])
    parts = render_reply(message, None)
    assert 1 <= len(parts) <= MAX_PARTS
    for part in parts:
        content = part["content"]
        assert 0 < len(content) <= MAX_CONTENT and content.strip()
        assert trailing_backslashes(content) % 2 == 0  # no escape cut in two
        if kind != "help":  # help echoes the unknown topic: the escaping helper's part
            assert "@everyone" not in content and "@here" not in content
        assert part["allowed_mentions"].everyone is False
    view = parts[-1].get("view")
    if message.buttons:
        assert view is not None and len(view.children) <= MAX_BUTTONS
        for item in view.children:
            assert 0 < len(item.item.label) <= MAX_LABEL
        view.to_components()  # discord.py builds the payload without complaint
    else:
        assert view is None


def test_more_than_five_messages_worth_ends_with_what_is_left_out() -> None:
    text = "\n".join(f"line {i} " + "x" * 300 for i in range(200))
    parts = split_content(text)
    assert len(parts) == MAX_PARTS and all(len(p) <= MAX_CONTENT for p in parts)
    assert parts[0].startswith("line 0 ") and "more lines not shown here" in parts[-1]
    shown = sum(p.count("line ") for p in parts)
    hidden = int(parts[-1].rsplit("and ", 1)[1].split(" more")[0].replace(",", ""))
    assert shown + hidden == 200


def test_a_long_line_is_cut_at_a_space_and_never_inside_a_mention_or_escape() -> None:
    line = ("word \\* " * 300) + f"<@{SNOWFLAKE}> " * 100
    for limit in range(40, 200, 7):
        parts = split_content(line, limit=limit, max_parts=10_000)
        assert "".join(parts) == line
        for part in parts:
            assert len(part) <= limit and trailing_backslashes(part) % 2 == 0
            assert part.count("<@") == part.count(">")  # whole mentions only


def test_modal_titles_labels_and_inputs_stay_under_limits() -> None:
    form = Form(
        "profile",
        "A very long dialog title that Discord would refuse, surely",
        (
            FormField("interests", "What are you into? " * 10, "text", ", ".join(INTERESTS), 500),
            FormField("offers", "Help? " * 20, "text", "python", 500),
            FormField("wants", "Learn? " * 20, "text", BIG, 2000),
            FormField("team", "Team", "text", None, 60),
            FormField("recipients", "Who " * 30, "users", [SNOWFLAKE] * 40),
            FormField("sixth", "Too many", "text"),
        ),
    )
    payload = FormModal(form, "1").to_dict()
    assert len(payload["title"]) <= MAX_MODAL_TITLE and payload["title"].endswith("…")
    assert len(payload["components"]) == 5
    for row in payload["components"]:
        assert 0 < len(row["label"]) <= MAX_MODAL_LABEL
        component = row["component"]
        if component["type"] == 4:  # text input
            assert component["max_length"] <= MAX_TEXT_INPUT
            assert len(component.get("value") or "") <= component["max_length"]
    interests = payload["components"][0]["component"]
    # the current value is not cut to the field's 500: the input makes room (up to 4,000)
    assert interests["max_length"] == MAX_TEXT_INPUT and len(interests["value"]) == MAX_TEXT_INPUT
    team = payload["components"][3]["component"]
    assert team["max_length"] == 60 and "value" not in team


def test_buttons_beyond_discord_limits_are_dropped_and_labels_clipped() -> None:
    message = hostile_messages()["buttons"]
    view = build_view(message)
    assert view is not None and len(view.children) == MAX_BUTTONS
    labels = [item.item.label for item in view.children]
    assert all(len(label) == MAX_LABEL and label.endswith("…") for label in labels)
