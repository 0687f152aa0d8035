"""Measured: every proposed slot is inside every member's working hours (on a weekday of
theirs), in the future, and within the round — for random groups (hypothesis), for the console
workspace over a month of rounds, and for a generated program across eight UTC offsets."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.intros import person_of
from bot.slots import MAX_SLOTS, SLOT_LENGTH, Person, WorkingHours, fits, propose
from storage.models import Group, GroupMember, Member, Round
from tests.conftest import World
from tests.core.test_attention_budget import ZONES, generated_workspace, use_workspace

_HOURS = st.tuples(st.integers(0, 46), st.integers(1, 48)).map(
    lambda t: WorkingHours(
        time(t[0] // 2, 30 * (t[0] % 2)),
        time(23, 59) if t[0] + t[1] >= 48 else time((t[0] + t[1]) // 2, 30 * ((t[0] + t[1]) % 2)),
    )
)
_PEOPLE = st.lists(
    st.builds(
        lambda zone, hours: Person(zone, ZoneInfo(zone), hours), st.sampled_from(ZONES), _HOURS
    ),
    min_size=2,
    max_size=6,
)


def check(people: list[Person], starts: list[datetime], now: datetime, ends: datetime) -> None:
    assert len(starts) <= MAX_SLOTS
    assert starts == sorted(starts)
    assert len({s.astimezone(people[0].zone).date() for s in starts}) == len(starts)
    for start in starts:
        assert now < start and start + SLOT_LENGTH <= ends
        for person in people:
            assert fits(person, start), (person, start)
            local = start.astimezone(person.zone)
            assert local.weekday() < 5
            assert person.hours.start <= local.time()


@settings(max_examples=300, deadline=None)
@given(
    people=_PEOPLE,
    now=st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)).map(
        lambda d: d.replace(tzinfo=UTC)
    ),
    days=st.integers(1, 31),
)
def test_random_groups_get_only_slots_that_fit_everyone(
    people: list[Person], now: datetime, days: int
) -> None:
    ends = now + timedelta(days=days)
    check(people, propose(people, now, ends), now, ends)


def test_a_week_of_default_hours_in_one_zone_gives_three_days() -> None:
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    people = [Person("a", ZoneInfo("Europe/Berlin")), Person("b", ZoneInfo("Europe/Madrid"))]
    starts = propose(people, monday, monday + timedelta(days=7))
    assert [s.date().isoformat() for s in starts] == ["2026-11-23", "2026-11-24", "2026-11-25"]


def test_twelve_hours_apart_has_no_slot() -> None:
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    people = [Person("a", ZoneInfo("Asia/Tokyo")), Person("b", ZoneInfo("America/New_York"))]
    assert propose(people, monday, monday + timedelta(days=14)) == []


async def _check_every_group(world: World) -> tuple[int, int]:
    """Every stored group's slots against its members' stored zones and hours."""
    async with world.db.session() as session:
        groups = (await session.execute(select(Group))).scalars().all()
        with_slots = 0
        for group in groups:
            round_ = await session.get(Round, group.round_id)
            assert round_ is not None and group.slots is not None
            ids = (
                await session.execute(
                    select(GroupMember.member_id).where(GroupMember.group_id == group.id)
                )
            ).scalars()
            members = await session.execute(select(Member).where(Member.id.in_(list(ids))))
            people = [person_of(m) for m in members.unique().scalars()]
            starts = [datetime.fromisoformat(s) for s in group.slots]
            check(people, starts, round_.started_at, round_.ends_at)
            with_slots += bool(starts)
    return len(groups), with_slots


async def test_console_workspace_slots_over_a_month(world: World) -> None:
    await world.program()
    await world.advance(timedelta(days=30), step=timedelta(hours=6))
    groups, with_slots = await _check_every_group(world)
    assert groups >= 4 * 6 and with_slots > 0


async def test_generated_program_across_eight_offsets(world: World) -> None:
    use_workspace(world, generated_workspace(120))
    await world.program([u for u in world.data.users if u != "admin"])
    await world.advance(timedelta(days=10), step=timedelta(hours=6))  # two rounds
    groups, with_slots = await _check_every_group(world)
    assert groups == 2 * 60
    assert 0 < with_slots < groups  # some pairs are too far apart for any shared time
