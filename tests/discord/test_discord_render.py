"""Rendering core messages for Discord: markup, mentions, escaping, custom ids. Pure."""

from __future__ import annotations

import discord
import pytest

from adapters.discord.components import FormModal, build_view, render_reply
from adapters.discord.custom_ids import decode_button, decode_form, encode_button, encode_form
from adapters.discord.render import (
    allowed_mentions,
    bot_markup,
    escape_user_text,
    nonce_for,
    render_text,
    split_content,
)
from bot.messages import Button, ChannelRef, Form, FormField, Message, UserRef, UserText

USER = "123456789012345678"


@pytest.mark.parametrize(
    ("copy", "discord_text"),
    [
        ("*Hi, I'm WarmIntro!* ☕", "**Hi, I'm WarmIntro!** ☕"),
        ("• *cadence*: weekly", "• **cadence**: weekly"),
        ("*1/3* What are you into?", "**1/3** What are you into?"),
        ("_italic_ stays", "_italic_ stays"),
        ("2 * 3 * 4", "2 * 3 * 4"),
        ("`/coffee config [a|b]`", "`/coffee config [a|b]`"),
        ("**already bold**", "**already bold**"),
    ],
)
def test_bot_copy_becomes_discord_markdown(copy: str, discord_text: str) -> None:
    assert bot_markup(copy) == discord_text


@pytest.mark.parametrize(
    "hostile",
    [
        "@everyone",
        "@here",
        f"<@{USER}>",
        f"<@!{USER}>",
        f"<@&{USER}>",
    ],
)
def test_user_text_never_pings(hostile: str) -> None:
    escaped = escape_user_text(f"hi {hostile}!")
    assert hostile not in escaped and "\u200b" in escaped


def test_user_text_markup_is_neutralised() -> None:
    escaped = escape_user_text(
        "**big** _it_ ~~x~~ ||spoiler|| `code` [click](https://evil.example)"
    )
    for raw in ("**big**", "_it_", "~~x~~", "||spoiler||", "`code`"):
        assert raw not in escaped
    assert "\\[click\\](https://" in escaped  # a masked link is shown, not followed


def test_spans_render_as_discord_mentions() -> None:
    message = Message(
        (("Hi ", UserRef(USER), " in ", ChannelRef("42"), ": ", UserText("@everyone *wow*")),)
    )
    assert render_text(message) == f"Hi <@{USER}> in <#42>: @\u200beveryone \\*wow\\*"


def test_allowed_mentions_only_the_intended_users() -> None:
    mentions = allowed_mentions([USER, USER, "not-an-id"]).to_dict()
    assert mentions == {"parse": [], "users": [int(USER)]}
    assert allowed_mentions().to_dict()["users"] == []


def test_custom_ids_carry_the_guild_only_for_dms() -> None:
    assert encode_button("checkin:12:met") == "checkin:12:met"
    assert encode_button("checkin:12:met", "9876") == "checkin:12:met|9876"
    assert decode_button("checkin:12:met|9876") == ("checkin:12:met", "9876")
    assert decode_button("thanks:start:12") == ("thanks:start:12", None)
    assert decode_button("odd|id") == ("odd|id", None)
    with pytest.raises(ValueError):
        encode_button("x" * 100, "1")


def test_long_messages_are_split_at_line_breaks() -> None:
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(60))
    parts = split_content(text)
    assert all(len(p) <= 2000 for p in parts) and "\n".join(parts) == text
    assert split_content("y" * 4500) == ["y" * 2000, "y" * 2000, "y" * 500]


def test_buttons_ride_on_the_last_part_only() -> None:
    lines = tuple((f"line {i} " + "z" * 150,) for i in range(30))
    message = Message(lines, buttons=(Button("checkin:1:met", "We met", "primary"),))
    parts = render_reply(message, None)
    assert len(parts) > 1 and all("view" not in p for p in parts[:-1])
    [item] = parts[-1]["view"].children
    assert item.custom_id == "checkin:1:met" and item.item.style is discord.ButtonStyle.primary


def test_a_view_holds_at_most_25_buttons() -> None:
    message = Message((("pick",),), buttons=tuple(Button(f"a:{i}", str(i)) for i in range(30)))
    view = build_view(message)
    assert view is not None and len(view.children) == 25


def test_nonces_are_stable_and_distinct() -> None:
    assert nonce_for("1", ["a", 0]) == nonce_for("1", ["a", 0])
    assert nonce_for("1", ["a", 0]) != nonce_for("2", ["a", 0])
    assert len(nonce_for("1", ["a" * 500])) <= 25


async def test_forms_become_modals() -> None:
    form = Form(
        "thanks:7",
        "Send thanks",
        (
            FormField("recipients", "Who would you like to thank?", "users", [USER]),
            FormField("message", "What are you thankful for?", "text", None, 2000),
            FormField("private", "Send privately (only they see it)", "checkbox", False),
        ),
    )
    modal = FormModal(form, "1")
    payload = modal.to_dict()
    assert payload["title"] == "Send thanks" and payload["custom_id"].startswith(
        "wi-form|thanks:7|"
    )
    kinds = [c["component"]["type"] for c in payload["components"]]
    assert kinds == [5, 4, 23]  # user select, paragraph text, checkbox
    # Submits are read from their payload (`submitted_values`, below), never from the modal.


def test_every_masked_link_on_a_line_is_defused() -> None:
    text = "thanks! [docs](https://ok.example) [free nitro](https://evil.example)"
    escaped = escape_user_text(text)
    assert "\\[docs\\](https://ok.example)" in escaped
    assert "\\[free nitro\\](https://evil.example)" in escaped


def test_a_form_submit_can_be_answered_from_its_payload_alone() -> None:
    from adapters.discord.components import submitted_values

    custom_id = encode_form("thanks:7", "1234")
    assert decode_form(custom_id) == ("thanks:7", "1234")
    assert decode_form("someone-else:thing") is None
    payload = {
        "custom_id": custom_id,
        "components": [
            {"type": 18, "component": {"type": 5, "custom_id": "recipients", "values": ["42"]}},
            {"type": 18, "component": {"type": 4, "custom_id": "message", "value": "Thanks!"}},
            {"type": 18, "component": {"type": 23, "custom_id": "private", "value": True}},
        ],
    }
    assert submitted_values(payload) == {
        "recipients": ["42"],
        "message": "Thanks!",
        "private": True,
    }
