"""Slack, over real HTTP: the ghost question's buttons (the message is updated with the
answer), the pause after no answer and `/coffee resume`, a rescue pair, and the monthly digest
(public thanks escaped, nobody named who didn't meet) posted once."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from tests.hostile import slack_pings
from tests.slack.conftest import PEOPLE, SlackWorld

HOSTILE = "<!channel> *bold* <https://evil.example|click> <!here>"


def _intros(sw: SlackWorld) -> list[dict[str, Any]]:
    return [p for p in sw.fake.posts if p["channel"].startswith("G") and "matched" in p["text"]]


def _members(post: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(re.findall(r"<@(U\w+)>", post["text"])))


def _button(post: dict[str, Any], label: str) -> str:
    return next(
        e["action_id"]
        for b in post["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == label
    )


def _dms(sw: SlackWorld, user: str, needle: str) -> list[dict[str, Any]]:
    return [p for p in sw.fake.posts_to("D" + user) if needle in (p["text"] or "")]


async def _press(sw: SlackWorld, user: str, post: dict[str, Any], label: str) -> str:
    tag = await sw.slack.action(user, _button(post, label), channel=post["channel"])
    text = str((await sw.slack.reply(tag))["text"])
    await sw.settle()  # what the answer queued goes out after it
    return text


async def _coffee(sw: SlackWorld, user: str, text: str) -> str:
    return str((await sw.slack.reply(await sw.slack.command("/coffee", text, user)))["text"])


async def _next_round(sw: SlackWorld, quiet: str | None, days: int = 7) -> list[dict[str, Any]]:
    """Tick into the next round; everyone but `quiet` says their group scheduled a chat."""
    before = len(_intros(sw))
    sw.clock.advance(timedelta(days=days))
    await sw.warm.tick()
    intros = _intros(sw)[before:]
    for intro in intros:
        for user in _members(intro):
            if user != quiet:
                await _press(sw, user, intro, "We've scheduled it")
                break
    return intros


async def test_ghost_question_buttons_pause_and_resume_on_slack(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    assert "1" in await _coffee(sw, "U0001", "config ghost_after 1")
    quiet = "U0003"
    await _next_round(sw, quiet, days=3)
    assert not _dms(sw, quiet, "Still up for coffee chats?")
    await _next_round(sw, quiet)  # round 2: asked
    (question,) = _dms(sw, quiet, "Still up for coffee chats?")
    labels = [e["text"]["text"] for b in question["blocks"] if b["type"] == "actions"
              for e in b["elements"]]  # fmt: skip
    assert labels == ["Keep me in", "Pause for a month", "Leave"]
    await _next_round(sw, quiet)  # round 3: no answer → paused, told once
    (told,) = _dms(sw, quiet, "paused your coffee chats")
    assert "/coffee resume" in told["text"]
    intros = await _next_round(sw, quiet)
    assert all(quiet not in _members(i) for i in intros)
    assert "Welcome back" in await _coffee(sw, quiet, "resume")
    intros = await _next_round(sw, None)
    assert any(quiet in _members(i) for i in intros)
    # a late "Keep me in" on the old question still works, and replaces its buttons
    answer = await _press(sw, quiet, question, "Keep me in")
    assert "you're in for the next round" in answer
    (update,) = [c.args for c in sw.fake.called("chat.update") if c.args["ts"] == question["ts"]]
    assert update["channel"] == question["channel"] and "you're in" in update["text"]
    assert "actions" not in str(update.get("blocks"))
    assert "Quiet members" in await _coffee(sw, "U0001", "stats")


async def test_rescue_pair_on_slack(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    sw.clock.advance(timedelta(days=3))
    await sw.warm.tick()
    first, second = _intros(sw)
    a, b = _members(first)[0], _members(second)[0]
    for user, intro in ((a, first), (b, second)):
        assert "No problem" in await _press(sw, user, intro, "Can't this time")
        (offer,) = _dms(sw, user, "Want a new match this round?")
        await _press(sw, user, offer, "Yes, find me someone")
    await sw.fake.wait_for(lambda: [p for p in sw.fake.posts if "rescue match" in p["text"]])
    (rescue,) = [p for p in sw.fake.posts if "rescue match" in p["text"]]
    assert sorted(_members(rescue)) == sorted([a, b])
    assert _button(rescue, "We met")


async def test_monthly_digest_on_slack_is_escaped_and_names_only_who_met(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    sw.clock.advance(timedelta(days=3))  # round 1: Mon 23 Nov
    await sw.warm.tick()
    met, other = _intros(sw)
    x, y = _members(met)
    u, v = _members(other)
    await _press(sw, x, met, "We met")
    for user, text in ((x, f"<@{y}> {HOSTILE}"), (u, f"<@{v}> SECRET-NOTE --private")):
        reply = await sw.slack.reply(await sw.slack.command("/thanks", text, user))
        assert "Thanks sent" in reply["text"]
    sw.clock.advance(timedelta(days=8))  # Tue 1 Dec, 12:00
    await sw.warm.tick()
    sw.clock.advance(timedelta(hours=1))
    await sw.warm.tick()
    digests = [p for p in sw.fake.posts_to("C0001") if "📬" in (p["text"] or "")]
    assert len(digests) == 1
    digest = digests[0]
    body = str(digest["text"]) + str(digest["blocks"])
    assert "November 2026" in body and "2 people met" in body
    assert "&lt;!channel&gt;" in body and "SECRET-NOTE" not in body
    assert slack_pings(digest, set()) == []
    for nobody in (u, v):
        assert nobody not in body and PEOPLE[nobody] not in body
