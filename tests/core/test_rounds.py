"""Rounds end to end on the console platform with a fake clock."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from itertools import combinations, pairwise

from sqlalchemy import select

from bot.rounds import start_round
from storage.models import Delivery, Program, Round
from tests.conftest import World


async def test_first_round_intros_explain_why(any_world: World) -> None:
    w = any_world
    await w.program()
    assert not w.intros()  # nothing before Monday 10:00
    await w.advance(timedelta(days=3))
    intros = w.intros()
    assert len(intros) == 6  # 12 people → 6 pairs
    placed = Counter(u for p in intros for u in p.target.user_ids)
    assert set(placed) == set(w.people()) and set(placed.values()) == {1}
    for posted in intros:
        text = posted.message.plain()
        assert "Why you:" in text and "To get started:" in text
        assert "Why we do this:" not in text or "Break silos" in text
        labels = [b.label for b in posted.message.buttons]
        # the meeting times the intro proposes (up to three), then the check-in answers
        assert labels[-3:] == ["We've scheduled it", "We met", "Can't this time"]
        assert all(label.startswith("Time ") for label in labels[:-3]) and len(labels) <= 6


async def test_odd_count_makes_exactly_one_trio_and_drops_nobody(world: World) -> None:
    await world.program(world.people()[:11])
    await world.advance(timedelta(days=3))
    sizes = sorted(len(p.target.user_ids) for p in world.intros())
    assert sizes == [2, 2, 2, 2, 3]


async def test_a_lone_member_is_told_not_dropped(world: World) -> None:
    await world.program(["maya"])
    await world.advance(timedelta(days=3))
    assert not world.intros()
    dms = [p.message.plain() for p in world.sent("dm")]
    assert any("only one available" in text for text in dms)


def _pairs(intros: list) -> list[set[frozenset[str]]]:
    return [{frozenset(pair) for pair in combinations(p.target.user_ids, 2)} for p in intros]


async def test_a_month_of_rounds_never_repeats_last_rounds_partner(world: World) -> None:
    await world.program()
    await world.advance(timedelta(days=31), step=timedelta(hours=6))
    async with world.db.session() as s:
        rounds = (await s.execute(select(Round).order_by(Round.number))).scalars().all()
    assert [r.number for r in rounds] == [1, 2, 3, 4, 5]
    intros = world.intros()
    assert len(intros) == 30
    by_round = [set().union(*_pairs(intros[i : i + 6])) for i in range(0, 30, 6)]
    for previous, current in pairwise(by_round):
        assert previous.isdisjoint(current), "someone met last round's partner again"
    # every round's check-ins went into the groups' own conversations
    assert world.sent("conversation")
    assert all(p.ref.conversation_id.startswith("G-") for p in world.sent("conversation"))


async def test_a_month_without_interests_has_no_repeats_at_all(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    for user in world.people():
        assert (await world.coffee(user, "join")).ok
    await world.advance(timedelta(days=31), step=timedelta(hours=6))
    pairs = Counter(pair for group in _pairs(world.intros()) for pair in group)
    assert len(world.intros()) == 30 and max(pairs.values()) == 1


async def test_checkins_midway_and_end_then_quiet_after_met(world: World) -> None:
    await world.program(["maya", "li"])
    await world.advance(timedelta(days=3))
    assert len(world.intros()) == 1
    await world.advance(timedelta(days=3, hours=12))
    texts = [p.message.plain() for p in world.sent("conversation")]
    assert any("Halfway through" in t for t in texts)
    reply = await world.press("li", "We met")
    assert "Wonderful" in reply.text
    nudges = [p for p in world.sent("dm") if "Glad you met" in p.message.plain()]
    assert sorted(p.target.user_id for p in nudges) == ["li", "maya"]
    # a second "met" press sends no second nudge, and the end check-in is skipped
    await world.press("maya", "We met")
    await world.advance(timedelta(days=2, hours=20))
    assert len([p for p in world.sent("dm") if "Glad you met" in p.message.plain()]) == 2
    assert not any("round ends soon" in p.message.plain() for p in world.sent("conversation"))


async def test_left_and_paused_members_are_out_of_the_next_round(world: World) -> None:
    await world.program(["maya", "li", "sam", "ana"])
    assert (await world.coffee("sam", "leave")).ok
    assert (await world.coffee("ana", "pause 2w")).ok
    await world.advance(timedelta(days=3))
    (intro,) = world.intros()
    assert sorted(intro.target.user_ids) == ["li", "maya"]
    await world.app.member_left(world.workspace, "coffee", "li")
    assert (await world.coffee("ana", "resume")).ok
    await world.advance(timedelta(days=7))
    latest = world.intros()[-1]
    assert sorted(latest.target.user_ids) == ["ana", "maya"]


async def test_deactivated_member_is_skipped_and_the_round_goes_on(world: World) -> None:
    await world.program(["maya", "li", "sam", "ana", "tom"])  # 5 → a pair and a trio
    world.platform.gone.add("sam")
    await world.advance(timedelta(days=3))
    intros = world.intros()
    assert "sam" not in {u for p in intros for u in p.target.user_ids}
    assert sorted(len(p.target.user_ids) for p in intros) == [2, 2]
    async with world.db.session() as s:
        rows = (await s.execute(select(Delivery).where(Delivery.kind == "intro"))).scalars().all()
    assert sorted(r.status for r in rows) == ["sent", "sent"]
    # and sam, now known to be deactivated, is not in the next round at all
    await world.advance(timedelta(days=7))
    assert "sam" not in {u for p in world.intros()[-2:] for u in p.target.user_ids}


async def test_pair_whose_partner_is_gone_is_told(world: World) -> None:
    await world.program(["maya", "li"])
    world.platform.gone.add("li")
    await world.advance(timedelta(days=3))
    assert not world.intros()
    assert any("no longer available" in p.message.plain() for p in world.sent("dm"))


async def test_restart_sends_nothing_twice(world: World) -> None:
    await world.program()
    await world.advance(timedelta(days=3))
    before = len(world.platform.sent)
    # a restarted process (new app, same database) ticks at the same moment
    again = world.fresh_app()
    await again.tick()
    await again.tick()
    assert len(world.platform.sent) == before


async def test_racing_processes_create_one_round(world: World) -> None:
    await world.program()
    world.clock.advance(timedelta(days=3))
    a, b = world.app, world.fresh_app()
    await asyncio.gather(a.tick(), b.tick(), a.tick())
    async with world.db.session() as s:
        numbers = (await s.execute(select(Round.number))).scalars().all()
    assert numbers == [1]
    assert len(world.intros()) == 6


async def test_transient_platform_errors_are_retried_once_each(world: World) -> None:
    from bot.ports import PlatformError

    await world.program(["maya", "li", "sam", "ana"])
    world.platform.fail_next = [PlatformError("ratelimited", retryable=True)] * 3
    await world.advance(timedelta(days=3))
    await world.advance(timedelta(hours=2), step=timedelta(minutes=5))
    assert len(world.intros()) == 2
    async with world.db.session() as s:
        rows = (await s.execute(select(Delivery).where(Delivery.kind == "intro"))).scalars().all()
    assert all(r.status == "sent" for r in rows)
    assert sum(r.attempts for r in rows) == 5


async def test_match_now_closes_the_current_round(world: World) -> None:
    await world.program(["maya", "li", "sam", "ana"])
    await world.advance(timedelta(days=3))
    reply = await world.coffee("maya", "match-now")
    assert reply.ok and "Round 2 started: 2 groups; intros are on their way" in reply.text
    async with world.db.session() as s:
        rounds = (await s.execute(select(Round).order_by(Round.number))).scalars().all()
        pending = (
            (
                await s.execute(
                    select(Delivery).where(
                        Delivery.round_id == rounds[0].id, Delivery.status == "pending"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert [r.status for r in rounds] == ["closed", "open"]
    assert pending == []  # round 1's check-ins were cancelled
    assert len(world.intros()) == 4
    first, second = world.intros()[:2], world.intros()[2:]
    assert {frozenset(p.target.user_ids) for p in first}.isdisjoint(
        {frozenset(p.target.user_ids) for p in second}
    )


async def test_match_now_is_for_admins_only(world: World) -> None:
    await world.program(["maya", "li"])
    before = await world.snapshot()
    reply = await world.coffee("li", "match-now")
    assert not reply.ok and "Only the program's admins" in reply.text
    assert await world.snapshot() == before


async def test_preview_saves_nothing_and_shows_reasons(world: World) -> None:
    await world.program()
    before = await world.snapshot()
    reply = await world.coffee("maya", "preview")
    assert reply.ok and "Preview of the next round" in reply.text and "score" in reply.text
    assert "different teams" in reply.text
    assert await world.snapshot() == before
    assert not world.intros()


async def test_schedule_follows_program_config(world: World) -> None:
    await world.program(["maya", "li"])
    assert (await world.coffee("maya", "config day thursday")).ok
    assert (await world.coffee("maya", "config time 16:30")).ok
    assert (await world.coffee("maya", "config timezone America/New_York")).ok
    async with world.db.session() as s:
        program = (await s.execute(select(Program))).scalar_one()
    assert program.next_round_at is not None
    local = program.next_round_at.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert (local.weekday(), local.hour, local.minute) == (3, 16, 30)


async def test_bot_removed_pauses_program(world: World) -> None:
    await world.program(["maya", "li"])
    await world.app.bot_removed(world.workspace, "coffee")
    await world.advance(timedelta(days=10))
    assert not world.intros()
    await world.app.bot_added(world.workspace, "coffee", "maya")
    await world.advance(timedelta(days=7))
    assert len(world.intros()) == 1


async def test_start_round_seed_is_stored_and_replays(world: World) -> None:
    await world.program()
    world.clock.advance(timedelta(days=3))
    started = await start_round(world.app.core, 1, scheduled_for=None, seed=1234)
    assert started is not None
    async with world.db.session() as s:
        round_ = (await s.execute(select(Round))).scalar_one()
    assert round_.seed == 1234
