"""Slack, over real HTTP: meeting times in the intro, picks update it (chat.update), a settled
time uploads its calendar file into the thread (files.uploadV2), `/coffee hours`."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from icalendar import Calendar

from adapters.slack.oauth import BOT_SCOPES
from bot.slots import Person, fits, zone_of
from tests.slack.conftest import SlackWorld
from tests.slack.fake_slack import BOT_USER


def _buttons(post: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]


def _text(blocks: Any) -> str:
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return "\n".join(
        b["text"]["text"] for b in blocks if b.get("type") == "section" and b.get("text")
    )


async def _pair_in_two_zones(sw: SlackWorld) -> dict[str, Any]:
    sw.fake.users["U0001"].update(tz="Europe/Berlin", tz_offset=3600)
    sw.fake.users["U0002"].update(tz="America/New_York", tz_offset=-18000)
    sw.fake.channels["C0002"] = ["U0001", "U0002", BOT_USER]
    await sw.add_bot_to("C0002")
    sw.clock.advance(timedelta(days=3))  # the first round: Monday 10:00 UTC
    await sw.warm.tick()
    return next(p for p in sw.fake.posts if p["channel"].startswith("G"))


async def _press(sw: SlackWorld, user: str, action_id: str, channel: str) -> str:
    tag = await sw.slack.action(user, action_id, channel=channel)
    return str((await sw.slack.reply(tag))["text"])


async def test_slots_are_picked_updated_and_settled_with_a_calendar_file(sw: SlackWorld) -> None:
    assert "files:write" in BOT_SCOPES
    intro = await _pair_in_two_zones(sw)
    text = _text(intro["blocks"])
    assert "Times that suit you all" in text
    picks = [a for a in _buttons(intro) if a.startswith("slot:pick:")]
    assert 1 <= len(picks) <= 3
    # "Mon 23 Nov 15:30 for you, <@U0001>; 09:30 for you, <@U0002>"
    assert "for you, <@U0001>;" in text and "for you, <@U0002>" in text

    said = await _press(sw, "U0001", picks[0], intro["channel"])
    assert "Noted: time 1" in said
    update = await sw.fake.wait_for(lambda: sw.fake.called("chat.update"))
    assert update[-1].args["ts"] == intro["ts"] and update[-1].args["channel"] == intro["channel"]
    assert "Picked so far: <@U0001> → 1" in _text(update[-1].args["blocks"])
    posts_before = len(sw.fake.posts)
    # a double click: nothing new, nothing sent
    assert "already picked" in await _press(sw, "U0001", picks[0], intro["channel"])
    assert len(sw.fake.called("chat.update")) == 1

    said = await _press(sw, "U0002", picks[0], intro["channel"])
    assert "settled" in said
    settled = await sw.fake.wait_for(
        lambda: [p for p in sw.fake.posts if "It's settled" in (p["text"] or "")]
    )
    assert settled[0]["channel"] == intro["channel"] and len(sw.fake.posts) == posts_before + 1
    assert "Settled:" in _text(sw.fake.called("chat.update")[-1].args["blocks"])
    (shared,) = await sw.fake.wait_for(lambda: sw.fake.files)
    assert shared["channel"] == intro["channel"] and shared["thread_ts"] == settled[0]["ts"]
    assert shared["filename"] == "coffee-chat.ics"
    (event,) = Calendar.from_ical(shared["content"]).walk("VEVENT")
    start = event.decoded("dtstart")
    assert isinstance(start, datetime) and start > sw.clock.now()
    for zone in ("Europe/Berlin", "America/New_York"):
        assert fits(Person(zone, zone_of(zone, None)), start)


async def test_hours_over_slack_and_hostile_values(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    tag = await sw.slack.command("/coffee", "hours 08:30-16:30", "U0003", "C0001")
    assert "08:30–16:30" in (await sw.slack.reply(tag))["text"]
    for bad in ("hours 17:00-09:00", "hours <!channel>", "hours 9-5 *bold*"):
        tag = await sw.slack.command("/coffee", bad, "U0003", "C0001")
        reply = await sw.slack.reply(tag)
        assert "HH:MM" in reply["text"] or "midnight" in reply["text"], reply["text"]
        assert "<!channel>" not in reply["text"]  # typed text is escaped, never a ping
    tag = await sw.slack.command("/coffee", "hours", "U0003", "C0001")
    assert "08:30–16:30" in (await sw.slack.reply(tag))["text"]
