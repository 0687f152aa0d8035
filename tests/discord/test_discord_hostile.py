"""Hostile input and failing work on Discord: real interactions through discord.py.

Every string of the shared corpus goes through the slash commands' free-text options, button
custom ids, modal submits and DMs. Every interaction is answered, and nothing the bot sends can
ping: `allowed_mentions` never allows @everyone, @here or roles, names only the intended users,
and the content has no live broadcast or mention. When the work behind an interaction raises,
the person gets "Something went wrong on our side; nothing was changed." once: as the response
if none was sent yet, else as a follow-up; the log has the traceback.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
import pytest

from bot import wording
from tests.discord.fake_discord import FakeUser
from tests.discord.harness import Server
from tests.hostile import BROADCASTS, MARKUP, OVERFLOW_ACTIONS, SQLISH, UNICODE, discord_pings

FREE_TEXT = (
    ("coffee team", "name"),
    ("coffee timezone", "zone"),
    ("coffee interests", "topics"),
    ("coffee pause", "length"),
    ("coffee help", "command"),
)


def everything_sent(server: Server) -> list[dict[str, Any]]:
    """Every message the bot posted: in channels and DMs, as responses and follow-ups."""
    posted = [m for messages in server.fake.messages.values() for m in messages]
    followups = [m for messages in server.fake.followups.values() for m in messages]
    return posted + followups


def message_with_button(server: Server, channel: int, custom_id: str) -> dict[str, Any]:
    """A message of the bot's carrying one button with `custom_id` (as a forged press sees it)."""
    row = {"type": 1, "components": [{"type": 2, "style": 2, "label": "X", "custom_id": custom_id}]}
    return server.fake.message_payload(
        channel, server.fake.bot, {"content": "x", "components": [row]}
    )


async def press(server: Server, user: str, custom_id: str) -> dict[str, Any]:
    return await server.press(user, message_with_button(server, server.coffee, custom_id), "X")


async def submit_raw(
    server: Server, user: FakeUser, form_id: str, fields: dict[str, Any]
) -> dict[str, Any]:
    """A modal submit straight from the payload (as after a restart): any field values."""
    components = []
    for name, value in fields.items():
        if isinstance(value, list):
            component = {"type": 5, "custom_id": name, "values": value}
        else:
            component = {"type": 4, "custom_id": name, "value": value}
        components.append({"type": 18, "id": len(components) + 1, "component": component})
    payload = server._base(user, server.coffee, 5)
    custom_id = f"wi-form|{form_id}|{server.guild.id}|0000"
    payload["data"] = {"custom_id": custom_id[:100], "components": components}
    await server.event("INTERACTION_CREATE", payload)
    return server.reply(payload)


def _discord_can_send(text: str) -> bool:
    """Discord's gateway sends valid UTF-8 only, and discord.py parses frames with orjson when it
    is installed (it is: the matching engine uses it), which refuses a lone surrogate escape
    outright: such a frame never reaches us. Without orjson the core refuses the text
    (`bot.inbound`); the core tests cover that path for every platform."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return not discord.utils.HAS_ORJSON
    return True


@pytest.mark.parametrize(
    "strings",
    [
        BROADCASTS,
        MARKUP,
        tuple(
            s for s in UNICODE + SQLISH + ("x" * 5000, "nul\x00", "9" * 30) if _discord_can_send(s)
        ),
    ],
    ids=["broadcasts", "markup", "unicode-sql-sizes"],
)
async def test_hostile_corpus_through_commands_buttons_forms_and_dms(
    server: Server, strings: tuple[str, ...]
) -> None:
    await server.program(["sam"])
    maya, sam = server["maya"], server["sam"]
    intended = {str(maya.id), str(sam.id)}
    unanswered = []
    for h in strings:
        replies = [await server.command("maya", line, **{option: h}) for line, option in FREE_TEXT]
        replies += [
            await server.command("maya", "coffee config", key=h, value=h),
            await server.command("maya", "coffee config", key="purpose", value=h),
            await server.command("maya", "coffee setup", purpose=h, timezone=h),
            await server.command("maya", "thanks", person=sam, message=h),
        ]
        for custom_id in (h, f"checkin:{h}:met", f"thanks:start:{h}", f"interview:skip:{h}"):
            replies.append(await press(server, "maya", custom_id[:100]))
        replies += [
            await submit_raw(
                server, maya, "profile", dict.fromkeys(("interests", "offers", "wants", "team"), h)
            ),
            await submit_raw(server, maya, "thanks:1", {"recipients": [str(sam.id)], "message": h}),
            await submit_raw(server, maya, "thanks:1", {"recipients": [h], "message": "hi"}),
            await submit_raw(server, maya, h[:40], {"message": h}),
        ]
        for reply in replies:
            if reply["type"] is None or (reply["type"] == "deferred" and not reply["text"]):
                unanswered.append((h[:30], reply))
        await server.dm("maya", h)
    assert not unanswered, unanswered[:3]
    pings = [
        (m.get("content", "")[:80], discord_pings(m, intended)) for m in everything_sent(server)
    ]
    assert not [p for p in pings if p[1]], [p for p in pings if p[1]][:5]


async def test_overflowing_and_malformed_button_ids_expire(server: Server) -> None:
    await server.program(["sam"])
    for custom_id in OVERFLOW_ACTIONS:
        reply = await press(server, "sam", custom_id[:100])
        assert "That button has expired" in reply["text"], (custom_id, reply)


# --- one guard around every interaction ------------------------------------------------------


async def _broken(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("the core fell over")


async def test_a_failing_command_gets_one_follow_up_after_its_deferral(
    server: Server, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await server.program(["sam"])
    monkeypatch.setattr(server.app, "run", _broken)
    with caplog.at_level(logging.ERROR):
        reply = await server.command("sam", "coffee status")
    assert reply["type"] == "deferred" and reply["text"] == wording.SOMETHING_WENT_WRONG
    assert len(reply["messages"]) == 1 and reply["messages"][0]["flags"] & 64
    [record] = [r for r in caplog.records if r.exc_info]
    assert "the core fell over" in str(record.exc_info[1])


async def test_a_failing_button_gets_the_answer_as_its_response(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    await server.program(["sam"])
    monkeypatch.setattr(server.app, "action", _broken)
    reply = await press(server, "sam", "checkin:1:met")
    assert reply["type"] == "message" and reply["ephemeral"]
    assert reply["text"] == wording.SOMETHING_WENT_WRONG


async def test_a_failing_form_and_a_failing_dm_are_answered(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    await server.program(["sam"])
    monkeypatch.setattr(server.app, "form_submitted", _broken)
    reply = await submit_raw(server, server["sam"], "profile", {"interests": "chess"})
    assert reply["text"] == wording.SOMETHING_WENT_WRONG
    # the modal path too: a form this process opened
    opened = await press(server, "sam", "profile:edit")
    assert opened["type"] == "modal"
    failed = await server.submit("sam", opened["modal"], interests="go")
    assert failed["text"] == wording.SOMETHING_WENT_WRONG
    monkeypatch.setattr(server.app, "direct_message", _broken)
    [answer] = await server.dm("sam", "hello")
    assert answer["content"] == wording.SOMETHING_WENT_WRONG
    assert answer["allowed_mentions"]["parse"] == [] and not answer["allowed_mentions"].get("users")


async def test_a_failing_event_handler_is_logged_not_fatal(
    server: Server, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await server.program(["sam"])
    monkeypatch.setattr(server.app, "bot_removed", _broken)
    with caplog.at_level(logging.ERROR):
        await server.event("CHANNEL_DELETE", dict(server.fake.channels[server.kudos]))
    [record] = [r for r in caplog.records if "on_guild_channel_delete" in r.getMessage()]
    assert record.exc_info and "the core fell over" in str(record.exc_info[1])
    # the client carries on
    assert "Colleagues met so far" in (await server.command("sam", "coffee status"))["text"]


def test_short_ids_in_typed_mentions_are_defused_too() -> None:
    from adapters.discord.render import escape_user_text

    for typed in ("<@&123>", "<#42>", "<@!5>", "<@7>"):
        escaped = escape_user_text(typed)
        assert escaped != typed and "\u200b" in escaped
        assert not discord_pings({"content": escaped, "allowed_mentions": {"parse": []}}, set())
