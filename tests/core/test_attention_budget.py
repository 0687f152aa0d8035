"""The attention budget: at most 4 bot messages to a member per round, over many rounds.

Issue 13: intro, midway check-in (or the settled notice in its place), end check-in, thanks
nudge — and picks update the intro instead of adding messages. Counted for every member of the
console workspace (a quarter of weekly rounds) and of a generated 200-member program across eight
time zones (a month), with people
pressing every button that makes the bot say something: half the groups pick the same time
(settled), everyone in a group presses "We met" after the end check-in (a nudge each).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from adapters.console.platform import ConsoleUser, WorkspaceData
from bot.actions import decode_action
from tests.conftest import World

BUDGET = 4
MONTH, QUARTER = 4, 13  # weekly rounds
TO_MONDAY = timedelta(days=2, hours=22)  # Fri 12:00 → Mon 10:00: the first round starts
ZONES = (
    "America/Los_Angeles",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
)
TOPICS = ("python", "design", "sql", "jazz", "climbing", "go", "hiring", "cooking", "rust")


def generated_workspace(people: int, seed: int = 13) -> WorkspaceData:
    """`people` members spread over eight UTC offsets, with a few interests each."""
    rng = random.Random(seed)
    users = {
        f"u{i:03d}": ConsoleUser(
            id=f"u{i:03d}",
            name=f"Person {i:03d}",
            team=f"Team {i % 9}",
            timezone=ZONES[i % len(ZONES)],
            interests=rng.sample(TOPICS, 3),
            offers=rng.sample(TOPICS, 1),
            wants=rng.sample(TOPICS, 1),
        )
        for i in range(people)
    }
    users["admin"] = ConsoleUser(id="admin", name="Admin", admin=True)
    channels = {"coffee": {"id": "coffee", "name": "coffee"}}
    return WorkspaceData("gen", "Generated", users, channels)


def use_workspace(world: World, data: WorkspaceData) -> None:
    world.data = world.platform.data = data
    world.workspace = data.id


def _counts(world: World, start: int, end: int) -> Counter[str]:
    counted: Counter[str] = Counter()
    for posted in world.platform.sent[start:end]:
        if posted.ref.conversation_id.startswith("E-"):
            continue  # an ephemeral answer to the person's own click
        for user in posted.audience:
            counted[user] += 1
    return counted


async def _press_everything(world: World, start: int, stage: str) -> int:
    """Press what makes the bot speak: slot 1 by everyone (even groups), or "We met"."""
    pressed = 0
    intros = [
        p
        for p in world.platform.sent[start:]
        if p.target.kind == "group" and "matched for a coffee chat" in p.message.plain()
    ]
    for index, intro in enumerate(intros):
        for user in intro.target.user_ids:  # type: ignore[attr-defined]
            wanted = None
            for button in intro.message.buttons:
                action = decode_action(button.action_id)
                kind = getattr(action, "kind", None)
                if stage == "pick" and index % 2 == 0 and kind == "slot":
                    wanted = button if button.action_id.endswith(":1") else wanted
                if stage == "met" and button.action_id.endswith(":met"):
                    wanted = button
            if wanted is not None:
                reply = await world.app.action(world.actor(user), wanted.action_id)
                assert reply.ok, reply.text
                pressed += 1
    await world.settle()
    return pressed


async def _rounds(world: World, users: list[str], rounds: int) -> tuple[int, Counter[str]]:
    await world.program(users)
    await world.advance(TO_MONDAY - timedelta(hours=2), step=timedelta(hours=2))  # Mon 08:00
    worst = 0
    kinds: Counter[str] = Counter()
    for _ in range(rounds):
        start = len(world.platform.sent)
        await world.advance(timedelta(hours=2), step=timedelta(hours=2))  # Mon 10:00: a round
        kinds["picks"] += await _press_everything(world, start, "pick")
        await world.advance(timedelta(days=6, hours=2), step=timedelta(hours=2))  # Sun 12:00
        kinds["met"] += await _press_everything(world, start, "met")
        await world.advance(timedelta(hours=20), step=timedelta(hours=2))  # Mon 08:00
        end = len(world.platform.sent)
        for posted in world.platform.sent[start:end]:
            text = posted.message.plain()
            kinds["intros"] += "matched for a coffee chat" in text
            kinds["settled"] += "It's settled" in text
            kinds["nudges"] += "Glad you met" in text
            kinds["midway"] += "Halfway through" in text
        worst = max(worst, *_counts(world, start, end).values())
    return worst, kinds


async def test_console_workspace_stays_within_four_messages_per_round(world: World) -> None:
    worst, kinds = await _rounds(world, world.people(), QUARTER)
    assert worst <= BUDGET, worst
    # the month really exercised every kind of message (not a vacuous count)
    assert kinds["intros"] and kinds["settled"] and kinds["nudges"] and kinds["midway"]


async def test_a_200_member_program_stays_within_four_messages_per_round(world: World) -> None:
    use_workspace(world, generated_workspace(200))
    users = [u for u in world.data.users if u != "admin"]
    worst, kinds = await _rounds(world, users, MONTH)
    assert worst <= BUDGET, worst
    assert kinds["intros"] and kinds["settled"] and kinds["nudges"] and kinds["midway"]
