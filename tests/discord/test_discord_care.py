"""Discord: the ghost question's buttons in a DM (the DM is edited to show the answer), the
pause after no answer and `/coffee resume`, and a rescue pair in a new private thread."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from tests.discord.harness import Server, buttons
from tests.hostile import discord_pings

PEOPLE = ["li", "sam", "noor", "ola"]
TO_MONDAY = timedelta(days=2, hours=23)  # Fri 12:00 → Mon 11:00: the first round has run


def _intros(server: Server, since: int = 0) -> list[tuple[dict[str, Any], list[str]]]:
    """Each round's intro with its members' names, oldest first."""
    ids = {p.id: name for name, p in server.people.items()}
    found = []
    for thread in server.fake.threads(server.coffee)[since:]:
        members = server.fake.thread_members[int(thread["id"])] - {server.fake.bot.id}
        intro = server.fake.posted(thread["id"])[0]
        found.append((intro, sorted(ids[m] for m in members)))
    return found


async def _round(server: Server, quiet: str | None, delta: timedelta) -> list[Any]:
    """Move to the next round; in each new group someone other than `quiet` says scheduled."""
    before = len(server.fake.threads(server.coffee))
    await server.advance(delta, step=timedelta(hours=6))
    intros = _intros(server, before)
    for intro, members in intros:
        speaker = next(m for m in members if m != quiet)
        reply = await server.press(speaker, intro, "We've scheduled it")
        assert "enjoy the chat" in reply["text"]
    return intros


def _dm(server: Server, name: str, needle: str) -> list[dict[str, Any]]:
    return [m for m in server.fake.dms(server[name]) if needle in m["content"]]


async def test_ghost_question_on_discord(server: Server) -> None:
    await server.program(PEOPLE)
    reply = await server.command("maya", "coffee config", key="ghost_after", value="1")
    assert "ghost_after" in reply["text"]
    await _round(server, "sam", TO_MONDAY)
    await _round(server, "sam", timedelta(days=7))  # round 2: sam is asked
    (question,) = _dm(server, "sam", "Still up for coffee chats?")
    as_sent = copy.deepcopy(question)  # the fake edits messages in place
    assert [b["label"] for b in buttons(question)] == ["Keep me in", "Pause for a month", "Leave"]
    assert "partner" not in question["content"].lower()
    answer = await server.press("sam", question, "Keep me in")
    assert answer["ephemeral"] and "you're in for the next round" in answer["text"]
    (edited,) = [m for m in server.fake.dms(server["sam"]) if m["id"] == question["id"]]
    assert edited["edited_timestamp"] and "you're in" in edited["content"]
    assert not buttons(edited)
    # someone else pressing it changes nothing
    other = await server.press("li", as_sent, "Leave")
    assert "someone else" in other["text"]


async def test_no_answer_pauses_and_resume_brings_back_on_discord(server: Server) -> None:
    await server.program(PEOPLE)
    await server.command("maya", "coffee config", key="ghost_after", value="1")
    await _round(server, "sam", TO_MONDAY)
    await _round(server, "sam", timedelta(days=7))  # asked
    intros = await _round(server, "sam", timedelta(days=7))  # round 3: paused, told once
    (told,) = _dm(server, "sam", "paused your coffee chats")
    assert "/coffee resume" in told["content"]
    assert all("sam" not in members for _, members in intros)
    reply = await server.command("sam", "coffee resume")
    assert "Welcome back" in reply["text"]
    intros = await _round(server, None, timedelta(days=7))
    assert any("sam" in members for _, members in intros)
    assert len(_dm(server, "sam", "paused your coffee chats")) == 1


async def test_rescue_pair_on_discord(server: Server) -> None:
    await server.program(PEOPLE)
    await server.advance(TO_MONDAY)
    (first, a_members), (second, b_members) = _intros(server)
    a, b = a_members[0], b_members[0]
    for name, intro in ((a, first), (b, second)):
        assert "No problem" in (await server.press(name, intro, "Can't this time"))["text"]
        (offer,) = _dm(server, name, "Want a new match this round?")
        await server.press(name, offer, "Yes, find me someone")
    await server.advance(timedelta(hours=1))
    rescues = [(i, m) for i, m in _intros(server, 2) if "rescue match" in i["content"]]
    assert [m for _, m in rescues] == [sorted([a, b])]
    assert [b["label"] for b in buttons(rescues[0][0])][1] == "We met"


async def test_monthly_digest_on_discord(server: Server) -> None:
    await server.program(PEOPLE, purpose="connect the new office")
    await server.advance(TO_MONDAY)  # round 1: Mon 23 Nov
    (met, x_y), (_other, u_v) = _intros(server)
    x, y = x_y
    await server.press(x, met, "We met")
    hostile = "@everyone <@&123> **bold** [free](https://evil.example)"
    reply = await server.command(x, "thanks", person=server[y], message=f"great chat {hostile}")
    assert "Thanks sent" in reply["text"], reply
    await server.advance(timedelta(days=8), step=timedelta(hours=6))  # past Tue 1 Dec 10:00
    digests = [m for m in server.fake.posted(server.coffee) if "📬" in m["content"]]
    assert len(digests) == 1
    (digest,) = digests
    content = digest["content"]
    assert "November 2026" in content and "2 people met" in content
    assert "great chat" in content and "connect the new office" in content
    assert discord_pings(digest, set()) == []
    for nobody in u_v:
        assert str(server[nobody].id) not in content and server[nobody].name not in content
    await server.advance(timedelta(days=2), step=timedelta(hours=6))
    assert len([m for m in server.fake.posted(server.coffee) if "📬" in m["content"]]) == 1
