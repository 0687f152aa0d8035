"""The attention budget: over a quarter of weekly rounds, with people answering at random
(meeting, scheduling, "Can't this time", taking rescues, ignoring the ghost question), nobody
ever gets more than four bot messages in a round."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from bot.attention import BUDGET
from storage.models import Round
from tests.conftest import World

CHOICES = ("We met", "We've scheduled it", "Can't this time", None, None)
QUIET = {"kenji", "nora", "diego"}  # never answer a check-in


async def _rounds(w: World) -> int:
    async with w.db.session() as s:
        return int((await s.execute(select(func.count(Round.id)))).scalar_one())


async def _behave(w: World, rng: random.Random) -> None:
    """Everyone glances at their messages once a day and maybe presses something."""
    for user in w.people():
        choice = None if user in QUIET else rng.choice(CHOICES)
        if choice and w.platform.find_button(user, None, choice):
            await w.press(user, choice)
        if rng.random() < 0.7 and w.platform.find_button(user, None, "Yes, find me someone"):
            await w.press(user, "Yes, find me someone")
        if rng.random() < 0.3 and w.platform.find_button(user, None, "Keep me in"):
            await w.press(user, rng.choice(["Keep me in", "Pause for a month"]))


async def test_a_quarter_of_rounds_stays_within_four_messages_a_round(world: World) -> None:
    w = world
    rng = random.Random(13)
    await w.program()
    await w.coffee("maya", "config ghost_after 1")  # ghost questions as often as can be
    windows: list[int] = []  # where each round's messages start in the platform's log
    seen = 0
    for _day in range(7 * 13):
        for _tick in range(8):  # the scheduler's ticks, every three hours
            w.clock.advance(timedelta(hours=3))
            before = len(w.sent())
            await w.app.tick()
            rounds = await _rounds(w)
            if rounds > seen:  # a round starts: its messages (and its eve's) count from here
                windows += [before] * (rounds - seen)
                seen = rounds
        await _behave(w, rng)
    sent = w.sent()
    assert seen >= 12
    worst: Counter[str] = Counter()
    for start, end in zip(windows, [*windows[1:], len(sent)], strict=True):
        per_user = Counter(u for p in sent[start:end] for u in p.audience)
        for user, count in per_user.items():
            worst[user] = max(worst[user], count)
    assert max(worst.values()) <= BUDGET, worst
    # the quarter did exercise what the budget is about
    # (a question answered by a button shows the answer now: its key says what it was)
    assert any(re.fullmatch(r"ghost:p\d+:m\d+:r\d+", p.key or "") for p in sent)
    assert any(re.fullmatch(r"r\d+:rescue:m\d+", p.key or "") for p in sent)
    log = "\n".join(p.message.plain() for p in sent)
    for expected in ("A rescue match", "Glad you met"):
        assert expected in log, expected
