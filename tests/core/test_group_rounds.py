"""A round of groups of four on the console, end to end: intro and its reasons, check-ins
asked as a group, thanks nudges, stats, status and history."""

from __future__ import annotations

from datetime import timedelta

from bot.intros import MAX_PARTIAL_REASONS
from tests.conftest import World


async def test_groups_of_four_from_intro_to_thanks(world: World) -> None:
    await world.program()
    assert (await world.coffee("maya", "config size 4")).ok
    await world.advance(timedelta(days=3))
    intros = world.intros()
    assert sorted(len(p.target.user_ids) for p in intros) == [4, 4, 4]
    intro = next(p for p in intros if "maya" in p.target.user_ids)
    group = list(intro.target.user_ids)
    text = intro.message.plain()
    assert "@" + group[0] + ", @" + group[1] + ", @" + group[2] + " and @" + group[3] in text
    why = text.split("*Why you:* ")[1].split("\n")[0]
    assert why.count(" can help ") <= MAX_PARTIAL_REASONS
    assert why.count(" are both into ") <= MAX_PARTIAL_REASONS + 1
    await world.advance(timedelta(days=4))
    checkins = [
        p for p in world.sent("conversation") if p.ref.conversation_id == intro.ref.conversation_id
    ]
    assert checkins and "has your group found a time to meet?" in checkins[0].message.plain()
    for user in group:
        assert (await world.press(user, "We met")).ok
    nudge = next(
        p
        for p in world.sent("dm")
        if p.target.user_id == group[0] and "Glad you met" in p.message.plain()
    )
    others = group[1:]
    said = nudge.message.plain()
    assert said.count(", @") == 1 and said.count(" and @") == 1
    assert all(f"@{u}" in said for u in others)
    assert (await world.press(group[0], "Send thanks")).form is not None
    stats = (await world.coffee("maya", "stats")).text
    assert "Groups: 3" in stats and "Groups that met: 1 (33%); 1 group answered" in stats
    status = (await world.coffee(group[0], "status")).text
    assert all(f"@{u}" in status for u in others)
    assert "Colleagues met so far: 3" in status
    # Someone in another group (which hasn't said it met) sees their own group, nobody met.
    other = next(p for p in intros if "maya" not in p.target.user_ids).target.user_ids
    status = (await world.coffee(other[0], "status")).text
    assert all(f"@{u}" in status for u in other[1:]) and not any(f"@{u}" in status for u in group)
    assert "Colleagues met so far: 0" in status


async def test_the_last_check_in_of_a_group_asks_if_the_group_met(world: World) -> None:
    await world.program(world.people()[:6])
    assert (await world.coffee("maya", "config size 3")).ok
    await world.advance(timedelta(days=10), step=timedelta(hours=4))
    texts = [p.message.plain() for p in world.sent("conversation")]
    assert any("Did your group meet?" in t for t in texts)
    assert not any("have you found a time" in t for t in texts)
