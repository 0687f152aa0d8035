"""Exclusions: `/coffee avoid` (private), `unavoid`, admins' `keep-apart`; rounds respect them;
forget-me deletes the pairs by and about the person."""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations

import pytest
from sqlalchemy import select

from bot import commands as cmd
from storage.models import AvoidPair
from tests.conftest import World, dump_database


def _together(world: World) -> set[frozenset[str]]:
    return {frozenset(p) for i in world.intros() for p in combinations(i.target.user_ids, 2)}


async def test_avoid_is_private_listed_and_undone(world: World) -> None:
    await world.program(["maya", "li", "sam"])
    sent = len(world.platform.sent)
    saved = await world.coffee("li", "avoid <@sam>")
    assert saved.ok and "won't be grouped with" in saved.text and "Only you know" in saved.text
    assert len(world.platform.sent) == sent  # nobody is told anything
    assert "already asked" in (await world.coffee("li", "avoid <@sam>")).text
    listed = await world.coffee("li", "avoid")
    assert "never grouped with: " in listed.text and "sam" in listed.text
    assert "haven't asked to avoid anyone" in (await world.coffee("sam", "avoid")).text
    assert "haven't asked" in (await world.coffee("maya", "avoid")).text
    assert "again" in (await world.coffee("li", "unavoid <@sam>")).text
    assert "nothing changed" in (await world.coffee("li", "unavoid <@sam>")).text
    assert "haven't asked to avoid anyone" in (await world.coffee("li", "avoid")).text


BAD = [
    ("avoid <@li>", "yourself"),
    ("avoid @nobody", "Mention one person"),
    ("avoid <@sam> <@maya>", "Mention one person"),
    ("avoid <@ghost>", "can't find"),
    ("avoid <@warmintro>", "Bots are never in a group"),
    ("unavoid", "Mention one person"),
    ("keep-apart <@sam>", "Mention two different people"),
    ("keep-apart <@sam> <@sam>", "Mention two different people"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[t for t, _ in BAD])
async def test_bad_avoids_change_nothing(world: World, text: str, message: str) -> None:
    await world.program(["maya", "li", "sam"])
    before = await world.snapshot()
    reply = await world.coffee("li", text)
    assert not reply.ok and message in reply.text, reply.text
    assert await world.snapshot() == before


async def test_keep_apart_is_for_admins_and_listed(world: World) -> None:
    await world.program(["maya", "li", "sam"])
    assert "admins" in (await world.coffee("li", "keep-apart <@sam> <@maya>")).text
    assert "No pairs" in (await world.coffee("maya", "keep-apart")).text
    saved = await world.coffee("maya", "keep-apart <@sam> <@li>")
    assert saved.ok and "never grouped together" in saved.text
    assert "already" in (await world.coffee("maya", "keep-apart <@li> <@sam>")).text
    listed = (await world.coffee("maya", "keep-apart")).text
    assert "li" in listed and "sam" in listed
    assert (await world.coffee("li", "avoid <@tom>")).ok  # a private avoid is not listed
    assert "tom" not in (await world.coffee("maya", "keep-apart")).text
    assert "no longer" in (await world.coffee("maya", "keep-apart remove <@li> <@sam>")).text
    assert "No pairs" in (await world.coffee("maya", "keep-apart")).text


def test_the_parser_reads_avoid_and_keep_apart() -> None:
    today = __import__("datetime").date(2026, 11, 30)
    assert cmd.parse_coffee("avoid", today) == cmd.Avoid()
    assert cmd.parse_coffee("avoid <@U1>", today) == cmd.Avoid("U1")
    assert cmd.parse_coffee("unavoid <@U1|ann>", today) == cmd.Unavoid("U1")
    assert cmd.parse_coffee("keep-apart", today) == cmd.KeepApart()
    assert cmd.parse_coffee("keep_apart <@U1> <@U2>", today) == cmd.KeepApart(("U1", "U2"))
    remove = cmd.parse_coffee("keep-apart remove <@U1> <@U2>", today)
    assert remove == cmd.KeepApart(("U1", "U2"), remove=True)


async def test_rounds_never_group_avoided_pairs(any_world: World) -> None:
    w = any_world
    await w.program()
    assert (await w.coffee("maya", "config size 4")).ok
    people = w.people()
    avoided = [(people[0], people[1]), (people[2], people[3]), (people[4], people[5])]
    for a, b in avoided[:2]:
        assert (await w.coffee(a, f"avoid <@{b}>")).ok
    assert (await w.coffee("maya", f"keep-apart <@{avoided[2][0]}> <@{avoided[2][1]}>")).ok
    await w.advance(timedelta(days=15), step=timedelta(hours=6))  # two weekly rounds
    assert len(w.intros()) == 6
    assert not {frozenset(p) for p in avoided} & _together(w)


async def test_forget_me_deletes_pairs_by_and_about_the_person(world: World) -> None:
    await world.program(["maya", "li", "sam", "tom"])
    assert (await world.coffee("li", "avoid <@sam>")).ok
    assert (await world.coffee("sam", "avoid <@tom>")).ok
    assert (await world.coffee("tom", "avoid <@li>")).ok
    assert (await world.coffee("maya", "keep-apart <@sam> <@maya>")).ok
    assert (await world.coffee("sam", "forget-me confirm")).ok
    async with world.db.session() as s:
        rows = (await s.execute(select(AvoidPair))).scalars().all()
    assert len(rows) == 1  # tom's avoid of li: nothing to do with sam
    dump = await dump_database(world.db)
    assert len(dump["avoid_pairs"]) == 1
