"""Rescue pairs: "Can't this time" (or a partner who left) → one offer of a new match this
round; people who accept in the same round are paired among themselves, exactly once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from storage.models import Group, Rescue
from tests.conftest import World

OFFER = "Want a new match this round?"


def _offers(w: World, user: str | None = None) -> list[object]:
    return [
        p
        for p in w.sent("dm")
        if OFFER in p.message.plain() and (user is None or p.target.user_id == user)
    ]


def _rescue_intros(w: World) -> list[object]:
    return [p for p in w.sent("group") if "A rescue match!" in p.message.plain()]


async def _pairs(w: World, people: list[str]) -> list[tuple[str, ...]]:
    await w.program(people)
    await w.advance(timedelta(days=3))  # round 1 (Mon 23 Nov, 10:00)
    return [tuple(p.target.user_ids) for p in w.intros()]


async def test_two_who_cant_make_it_are_paired_with_a_rescue_intro(any_world: World) -> None:
    w = any_world
    (a1, a2), (b1, b2) = await _pairs(w, ["maya", "li", "sam", "ana"])
    reply = await w.press(a1, "Can't this time")
    assert reply.ok
    (offer,) = _offers(w, a1)
    assert "couldn't happen" in offer.message.plain()
    assert [b.label for b in offer.message.buttons] == ["Yes, find me someone"]
    await w.press(a1, "Can't this time")  # pressed again: still one offer
    assert len(_offers(w, a1)) == 1
    waiting = await w.press(a1, "Yes, find me someone")
    assert "as soon as someone else" in waiting.text
    assert w.platform.updates[-1][0] == offer.ref  # the offer shows the answer
    await w.press(b1, "Can't this time")
    accept = w.platform.find_button(b1, None, "Yes, find me someone")
    assert accept is not None
    paired = await w.press(b1, "Yes, find me someone")
    assert "new match" in paired.text
    (intro,) = _rescue_intros(w)
    assert sorted(intro.target.user_ids) == sorted([a1, b1])
    text = intro.message.plain()
    assert "couldn't happen this round" in text and "To get started" in text
    assert [b.label for b in intro.message.buttons][1] == "We met"
    # the offer now shows the answer (no button); a second click that was already on its way
    # changes nothing
    assert w.platform.find_button(b1, None, "Yes, find me someone") is None
    again = await w.app.action(w.actor(b1), accept.action_id)
    await w.settle()
    assert "new match" in again.text and len(_rescue_intros(w)) == 1
    # the rescue group's "We met" counts like any group's
    assert (await w.press(a1, "We met")).ok
    assert "met ✅" in (await w.coffee(a1, "history")).text
    assert a2 and b2


async def test_accepts_at_the_same_moment_pair_exactly_once(any_world: World) -> None:
    w = any_world
    (a1, _), (b1, _) = await _pairs(w, ["maya", "li", "sam", "ana"])
    await w.press(a1, "Can't this time")
    await w.press(b1, "Can't this time")
    buttons = {u: w.platform.find_button(u, None, "Yes, find me someone") for u in (a1, b1)}
    replies = await asyncio.gather(
        *(w.app.action(w.actor(u), b.action_id) for u, b in buttons.items() if b),
        w.fresh_app().action(w.actor(a1), buttons[a1].action_id),  # a replica, a double click
    )
    await w.settle()
    assert all(r.ok for r in replies)
    async with w.db.session() as s:
        rescues = (await s.execute(select(Rescue))).scalars().all()
        groups = (await s.execute(select(Group))).scalars().all()
    assert sorted(r.status for r in rescues) == ["paired", "paired"]
    assert len(groups) == 3 and len({r.rescue_group_id for r in rescues}) == 1
    await w.advance(timedelta(hours=2))
    assert len(_rescue_intros(w)) == 1


async def test_an_odd_one_waits_then_is_told_kindly_at_round_end(world: World) -> None:
    w = world
    pairs = await _pairs(w, ["maya", "li", "sam", "ana", "tom", "priya"])
    firsts = [p[0] for p in pairs]
    for user in firsts:
        await w.press(user, "Can't this time")
        await w.press(user, "Yes, find me someone")
    assert len(_rescue_intros(w)) == 1
    (rescued,) = _rescue_intros(w)
    (alone,) = [u for u in firsts if u not in rescued.target.user_ids]
    assert not [p for p in w.sent("dm") if "Nobody else" in p.message.plain()]
    await w.advance(timedelta(days=7))  # the round ends; the next starts
    told = [p for p in w.sent("dm") if "Nobody else" in p.message.plain()]
    assert [p.target.user_id for p in told] == [alone]
    assert "thanks for being up for it" in told[0].message.plain()
    await w.advance(timedelta(days=7))
    assert len([p for p in w.sent("dm") if "Nobody else" in p.message.plain()]) == 1


async def test_a_partner_who_left_brings_an_offer_without_blame(world: World) -> None:
    w = world
    ((a, b),) = await _pairs(w, ["maya", "li"])
    await w.app.member_left(w.workspace, "coffee", b)
    (offer,) = _offers(w, a)
    text = offer.message.plain()
    assert "no longer available" in text and "nobody's fault" in text
    assert not _offers(w, b)


async def test_no_offer_late_in_the_round_or_when_the_group_still_meets(world: World) -> None:
    w = world
    pairs = await _pairs(w, ["maya", "li", "sam"])  # one trio
    ((x, y, _z),) = pairs
    await w.press(y, "We've scheduled it")
    await w.press(x, "Can't this time")  # the others still meet
    assert not _offers(w)
    await w.advance(timedelta(days=6, hours=12))  # less than a day left
    await w.press(y, "Can't this time")
    await w.press(x, "Can't this time")
    assert not _offers(w)
