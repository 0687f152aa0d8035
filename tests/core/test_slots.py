"""Meeting times on the console: `/coffee hours`, slots in the intro, picks, settled + .ics."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select

from bot.slots import Person, RoundSlots, WorkingHours, fits, propose, stored_hours, zone_of
from bot.states import DeliveryKind, DeliveryStatus
from storage.models import Delivery, Group, Profile, SlotPick
from tests.conftest import World, dump_database, traces_of


async def _round(world: World, users: list[str]) -> None:
    """The program's first scheduled round (Monday 10:00 UTC; the clock starts on a Friday)."""
    await world.program(users)
    await world.advance(timedelta(days=3))


async def _group(world: World) -> Group:
    async with world.db.session() as session:
        return (await session.execute(select(Group))).scalars().one()


async def test_hours_are_set_shown_reset_and_used(world: World) -> None:
    await world.program(["maya", "li"])
    shown = await world.coffee("maya", "hours")
    assert shown.ok and "09:00–17:00 (the default)" in shown.text and "Europe/Berlin" in shown.text
    saved = await world.coffee("maya", "hours 10:00-18:30")
    assert saved.ok and "10:00–18:30" in saved.text
    assert "10:00–18:30" in (await world.coffee("maya", "hours")).text
    assert "Working hours: 10:00–18:30" in (await world.coffee("maya", "status")).text
    async with world.db.session() as session:
        profile = (await session.execute(select(Profile))).scalars().all()
        mine = [p for p in profile if p.work_start]
        assert [(p.work_start, p.work_end) for p in mine] == [("10:00", "18:30")]
    assert (await world.coffee("maya", "hours reset")).text.startswith(
        "Your working hours are back"
    )
    assert "(the default)" in (await world.coffee("maya", "hours")).text
    assert "/coffee hours" in (await world.coffee("maya", "help")).text


async def test_hostile_hours_are_refused_and_change_nothing(world: World) -> None:
    await world.program(["maya", "li"])
    before = await world.snapshot()
    cases = {
        "hours 9-5": "HH:MM-HH:MM",
        "hours 25:00-26:00": "00:00 to 24:00",
        "hours 09:61-17:00": "00:00 to 24:00",
        "hours 18:00-09:00": "past midnight",
        "hours 09:00-09:00": "same",
        "hours 09:00-09:15": "at least 30 minutes",
        "hours <@U1>-<!here>": "HH:MM-HH:MM",
        "hours 09:00-17:00; DROP TABLE profiles": "HH:MM-HH:MM",
        "hours " + "1" * 500: "HH:MM-HH:MM",
        "hours ０９:００-１７:００": "HH:MM-HH:MM",  # full-width digits
    }
    for text, why in cases.items():
        answer = await world.coffee("maya", text)
        assert not answer.ok, text
        assert why in answer.text, (text, answer.text)
        assert "/coffee hours" in answer.text  # the usage line
    # what was typed is shown as typed text (escaped), never as the bot's copy
    answer = await world.coffee("maya", "hours *bold*-<!channel>")
    typed = [s for line in answer.message.lines for s in line if not isinstance(s, str)]  # type: ignore[union-attr]
    assert typed and "*bold*" in typed[0].text  # type: ignore[union-attr]
    assert await world.snapshot() == before


async def test_the_profile_form_sets_hours_and_refuses_bad_ones(world: World) -> None:
    await world.program(["maya", "li"])
    form = await world.app.action(world.actor("li"), "profile:edit")
    assert form.form is not None and "hours" in [f.name for f in form.form.fields]
    values = {"interests": "climbing", "offers": "", "wants": "", "hours": "08:00-16:00"}
    assert (await world.app.form_submitted(world.actor("li"), "profile", values)).ok
    assert "08:00–16:00" in (await world.coffee("li", "hours")).text
    form = await world.app.action(world.actor("li"), "profile:edit")
    assert form.form is not None
    assert {f.name: f.initial for f in form.form.fields}["hours"] == "08:00-16:00"
    before = await world.snapshot()
    bad = await world.app.form_submitted(world.actor("li"), "profile", {**values, "hours": "late"})
    assert not bad.ok and "HH:MM-HH:MM" in bad.text
    assert await world.snapshot() == before


async def test_the_intro_proposes_times_in_both_zones_and_picks_settle_it(world: World) -> None:
    # Maya works in Berlin, Sam in New York: six hours apart, a short overlap.
    await _round(world, ["maya", "sam"])
    (intro,) = world.intros()
    text = intro.message.plain(world.platform.display)
    assert "Times that suit you all" in text
    group = await _group(world)
    assert group.slots and 1 <= len(group.slots) <= 3
    starts = [datetime.fromisoformat(s) for s in group.slots]
    assert len({s.date() for s in starts}) == len(starts)  # different days
    berlin = Person("maya", zone_of("Europe/Berlin", None))
    york = Person("sam", zone_of("America/New_York", None))
    for start in starts:
        assert fits(berlin, start) and fits(york, start) and start > world.clock.now()
        local = start.astimezone(berlin.zone)
        assert f"{local:%H:%M} for you, @Maya Patel" in text
        assert f"{start.astimezone(york.zone):%H:%M} for you, @Sam Okafor" in text
    labels = [b.label for b in intro.message.buttons]
    assert labels[: len(starts)] == [f"Time {n} works" for n in range(1, len(starts) + 1)]

    # Maya picks time 1: the intro is updated (not a new message) to say so.
    sent_before = len(world.sent())
    first = await world.press("maya", "Time 1 works")
    assert first.ok and "Noted: time 1" in first.text
    assert len(world.sent()) == sent_before
    ref, updated = world.platform.updates[-1]
    assert ref == intro.ref and "Picked so far: @Maya Patel → 1" in updated.plain(
        world.platform.display
    )
    # a double click changes nothing and sends nothing
    again = await world.press("maya", "Time 1 works")
    assert again.ok and "already picked time 1" in again.text
    assert len(world.platform.updates) == 1
    # Sam picks time 2, then changes his mind to 1: settled.
    if len(starts) > 1:
        assert (await world.press("sam", "Time 2 works")).ok
        assert "@Sam Okafor → 2" in world.platform.updates[-1][1].plain(world.platform.display)
    settled = await world.press("sam", "Time 1 works")
    assert settled.ok and "settled" in settled.text
    await world.settle()
    final = world.platform.updates[-1][1].plain(world.platform.display)
    assert "Settled:" in final and "@Sam Okafor → 1" in final
    async with world.db.session() as session:
        picks = (await session.execute(select(SlotPick))).scalars().all()
        assert sorted(p.slot for p in picks) == [1, 1]
        rows = (await session.execute(select(Delivery))).scalars().all()
        kinds = {r.kind: r.status for r in rows if r.group_id == group.id}
    # the settled message took the midway check-in's place
    assert kinds[DeliveryKind.CHECKIN_MIDWAY] == DeliveryStatus.CANCELLED
    assert kinds[DeliveryKind.SLOT_SETTLED] == DeliveryStatus.SENT
    (notice,) = [p for p in world.sent() if "It's settled" in p.message.plain()]
    assert notice.ref.conversation_id == intro.ref.conversation_id
    (attachment,) = notice.message.attachments
    (path,) = world.platform.files
    assert path.read_bytes() == attachment.content.encode("utf-8")
    calendar = Calendar.from_ical(attachment.content)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == starts[0]
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=30)
    assert "Maya Patel" in str(event.get("summary"))
    # changing after it is settled: allowed, the intro shows it, no second settled message
    if len(starts) > 1:
        assert (await world.press("maya", "Time 2 works")).ok
        assert (await world.press("sam", "Time 2 works")).ok
        await world.settle()
        assert len([p for p in world.sent() if "It's settled" in p.message.plain()]) == 1
        assert "Settled:" in world.platform.updates[-1][1].plain()


async def test_picks_refused_for_outsiders_forged_ids_and_past_times(world: World) -> None:
    await _round(world, ["maya", "li", "tom", "ana"])  # all in Europe: every group has times
    async with world.db.session() as session:
        groups = (await session.execute(select(Group))).scalars().all()
    assert len(groups) == 2 and all(g.slots for g in groups)
    intro = world.intros()[0]
    inside = set(intro.target.user_ids)
    outsider = next(u for u in ["maya", "li", "tom", "ana"] if u not in inside)
    mine = next(b for b in intro.message.buttons if b.action_id.startswith("slot:pick:"))
    before = await world.snapshot()
    answer = await world.app.action(world.actor(outsider), mine.action_id)
    assert not answer.ok and "another group" in answer.text
    for forged in ("slot:pick:99999:1", "slot:pick:1:0", "slot:pick:1:9", "slot:pick:-1:1"):
        reply = await world.app.action(world.actor("maya"), forged)
        assert not reply.ok, forged
    assert await world.snapshot() == before
    # once the round is over (a week later), its times can't be picked
    world.clock.advance(timedelta(days=8))
    late = await world.app.action(world.actor(next(iter(inside))), mine.action_id)
    assert not late.ok
    assert await world.snapshot() == before


async def test_no_overlap_is_said_honestly_with_an_async_alternative(world: World) -> None:
    await world.program(["kenji", "nora"])  # Tokyo and Los Angeles
    assert (await world.coffee("kenji", "hours 09:00-12:00")).ok
    assert (await world.coffee("nora", "hours 09:00-12:00")).ok
    await world.advance(timedelta(days=3))
    intros = world.intros()
    assert intros, world.lines
    text = intros[-1].message.plain()
    assert "No shared time:" in text and "don't overlap" in text
    assert "@kenji works 09:00–12:00 Asia/Tokyo time" in text
    assert "@nora works 09:00–12:00 America/Los_Angeles time" in text
    assert "voice notes" in text and "1. " in text and "3. " in text
    assert not [b for b in intros[-1].message.buttons if b.action_id.startswith("slot:")]


async def test_a_round_too_short_for_any_shared_time_says_so(world: World) -> None:
    # match-now on a Friday afternoon: the round ends on Monday 10:00 UTC, before New York
    # starts work, and the weekend is in between.
    await world.program(["maya", "sam"])
    assert (await world.coffee("maya", "match-now")).ok
    text = world.intros()[-1].message.plain()
    assert "No shared time left this round" in text and "voice notes" in text


def test_stored_hours_fall_back_to_the_default() -> None:
    assert stored_hours(None, None) == WorkingHours()
    assert stored_hours("18:00", "09:00") == WorkingHours()  # overnight never stored; default
    assert stored_hours("10:00", "18:00").label() == "10:00–18:00"
    assert zone_of("Not/AZone", 5.5).utcoffset(datetime(2026, 1, 1, tzinfo=UTC)) == timedelta(
        hours=5, minutes=30
    )


async def test_forget_me_after_a_settled_time_leaves_no_trace(world: World) -> None:
    await _round(world, ["maya", "li"])
    assert (await world.press("maya", "Time 1 works")).ok
    assert "settled" in (await world.press("li", "Time 1 works")).text
    await world.settle()
    dump = await dump_database(world.db)
    assert traces_of(dump, ["Li Wei"])  # the settled notice and its calendar file name her
    assert (await world.coffee("li", "forget-me confirm")).ok
    dump = await dump_database(world.db)
    assert traces_of(dump, ["Li Wei", '"li"']) == []
    assert dump["slot_picks"] and len(dump["slot_picks"]) == 1  # only Maya's pick is left


async def test_concurrent_picks_and_double_clicks_settle_once(any_world: World) -> None:
    """Both members (and a double click) at the same moment, on SQLite and PostgreSQL."""
    world = any_world
    await _round(world, ["maya", "li"])
    (intro,) = world.intros()
    first = next(b for b in intro.message.buttons if b.action_id.startswith("slot:pick:"))
    replies = await asyncio.gather(
        world.app.action(world.actor("maya"), first.action_id),
        world.app.action(world.actor("maya"), first.action_id),
        world.app.action(world.actor("li"), first.action_id),
    )
    assert all(r.ok for r in replies), [r.text for r in replies]
    await world.settle()
    async with world.db.session() as session:
        picks = (await session.execute(select(SlotPick))).scalars().all()
        settled = [
            d
            for d in (await session.execute(select(Delivery))).scalars().all()
            if d.kind == DeliveryKind.SLOT_SETTLED
        ]
    assert sorted(p.slot for p in picks) == [1, 1]
    assert len(settled) == 1 and settled[0].status == DeliveryStatus.SENT
    assert len([p for p in world.sent() if "It's settled" in p.message.plain()]) == 1


def test_a_rounds_slots_are_worked_out_once_per_combination_of_zones_and_hours() -> None:
    """`RoundSlots` gives every group what `propose` gives it, computing each distinct
    combination of zones and hours (in order: the first member's days count) once."""
    now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a Monday
    ends = now + timedelta(days=7)
    berlin, tokyo = zone_of("Europe/Berlin", None), zone_of("Asia/Tokyo", None)
    late = stored_hours("11:00", "19:00")
    groups = [
        [Person(f"a{i}", berlin), Person(f"b{i}", berlin)] for i in range(20)
    ] + [
        [Person(f"c{i}", berlin), Person(f"d{i}", tokyo)] for i in range(20)
    ] + [
        [Person(f"e{i}", tokyo), Person(f"f{i}", berlin)] for i in range(5)
    ] + [[Person("g", berlin, late), Person("h", zone_of(None, 5.5))]]  # fmt: skip
    slots = RoundSlots(now, ends)
    for people in groups:
        assert slots(people) == propose(people, now, ends)
    assert slots.computed == 4
    assert slots(groups[0]) is not slots(groups[1])  # each caller gets its own list
