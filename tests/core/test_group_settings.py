"""Program settings for groups and rules: `size`, `rule.<name>`; rounds follow them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import combinations

import pytest

from bot.program_settings import apply_setting, max_size_on, program_rules
from bot.text import InputError
from storage.models import Program
from tests.conftest import World


async def test_size_and_rules_are_set_and_shown(world: World) -> None:
    await world.program(["maya", "li"])
    shown = (await world.coffee("maya", "config")).text
    assert "size*: 2" in shown and "rule.different_team*: preferred" in shown
    assert "rule.different_manager*: off" in shown and "rule.same_location*: off" in shown
    for text in ("size 4", "rule.different_team required", "rule.same_location preferred"):
        reply = await world.coffee("maya", "config " + text)
        assert reply.ok and "Saved" in reply.text, reply.text
    shown = (await world.coffee("maya", "config")).text
    assert "size*: 4" in shown and "rule.different_team*: required" in shown
    assert "rule.same_location*: preferred" in shown
    assert "required" in (await world.coffee("maya", "config rule.different_team")).text


BAD = [
    ("config size 1", "from 2 to 8"),
    ("config size 9", "from 2 to 8"),
    ("config size four", "from 2 to 8"),
    ("config rule.different_team maybe", "one of: `preferred`, `required`, `off`"),
    ("config rule.different_manager preferred", "one of: `off`, `required`"),
    ("config rule.colour required", "Rules are: `rule.different_team`"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[t for t, _ in BAD])
async def test_bad_group_settings_change_nothing(world: World, text: str, message: str) -> None:
    await world.program(["maya"])
    before = await world.snapshot()
    reply = await world.coffee("maya", text)
    assert not reply.ok and message in reply.text, reply.text
    assert await world.snapshot() == before


async def test_only_admins_set_the_size(world: World) -> None:
    await world.program(["maya", "li"])
    reply = await world.coffee("li", "config size 4")
    assert not reply.ok and "admins" in reply.text


def test_a_platform_with_small_group_conversations_caps_the_size() -> None:
    class Slackish:
        max_group_members = 8

    assert max_size_on(Slackish()) == 7 and max_size_on(object()) == 8
    program = Program(group_size=2)
    now = datetime(2026, 11, 30, tzinfo=UTC)
    assert apply_setting(program, "size", "7", now, 7) == "7"
    with pytest.raises(InputError) as caught:
        apply_setting(program, "size", "8", now, 7)
    assert "at most 8 people" in str(caught.value) and "at most 7" in str(caught.value)
    assert program.group_size == 7


def test_unset_rules_are_the_engine_defaults() -> None:
    rules = program_rules(Program(rules=None))
    assert (rules.different_team, rules.different_manager, rules.same_location) == (
        "preferred",
        "off",
        "off",
    )
    assert program_rules(Program(rules={"different_team": "off"})).different_team == "off"


async def test_a_round_of_size_four_makes_groups_of_four(any_world: World) -> None:
    w = any_world
    await w.program()
    assert (await w.coffee("maya", "config size 4")).ok
    await w.advance(timedelta(days=3))
    intros = w.intros()
    assert sorted(len(p.target.user_ids) for p in intros) == [4, 4, 4]  # 12 people
    placed = Counter(u for p in intros for u in p.target.user_ids)
    assert set(placed) == set(w.people()) and set(placed.values()) == {1}
    assert all("all four of you" in p.message.plain() or "Why" in p.message.plain() for p in intros)


async def test_required_different_team_keeps_teammates_apart(world: World) -> None:
    await world.program()
    assert (await world.coffee("maya", "config size 3")).ok
    assert (await world.coffee("maya", "config rule.different_team required")).ok
    await world.advance(timedelta(days=3))
    team = {u.id: u.team for u in world.data.users.values()}
    intros = world.intros()
    assert sorted(len(p.target.user_ids) for p in intros) == [3, 3, 3, 3]
    for posted in intros:
        for a, b in combinations(posted.target.user_ids, 2):
            assert team[a] != team[b], posted.target.user_ids


async def test_preview_says_which_rules_break_and_why(world: World) -> None:
    await world.program(["maya", "tom", "li", "jonas", "sam"])  # Platform ×2, Design ×2, Sales
    assert "Rule violations" not in (await world.coffee("maya", "preview")).text
    assert (await world.coffee("maya", "config rule.different_team required")).ok
    assert (await world.coffee("maya", "config size 5")).ok  # one group: teammates together
    text = (await world.coffee("maya", "preview")).text
    assert "Rule violations" in text
    assert "1 group puts teammates together (rule.different_team is required)" in text
    assert "(2 pairs break rule.different_team)" in text
    assert "no grouping of these people keeps them all" in text
    assert (await world.coffee("li", "avoid <@jonas>")).ok
    text = (await world.coffee("maya", "preview")).text
    assert "a pair that is kept apart together" in text and "1 pair breaks kept-apart" in text
