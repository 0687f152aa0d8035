"""Proposing meeting times: 30-minute slots inside every member's working hours (pure).

Rules (README "How slots work"):
- a slot starts on the half hour (UTC), lasts `SLOT_LENGTH`, begins at least `LEAD_TIME` after
  the intro and ends before the round does;
- for every member, the whole slot lies inside their working hours on one day of theirs, and
  that day is a weekday (Monday–Friday) in their own calendar: a slot on Friday evening in
  Los Angeles is Saturday in Tokyo, so it is skipped;
- at most one slot per day (the day of the group's first member), up to `MAX_SLOTS` days; on
  each day the slot furthest from everyone's edges (start and end of their day) is chosen, so
  nobody gets their first or last half hour unless that is all there is;
- none found: the intro says so honestly and suggests an async exchange instead.

Working hours never cross midnight (`start < end`): overnight hours are refused when set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SLOT_LENGTH = timedelta(minutes=30)
LEAD_TIME = timedelta(hours=4)  # time to read the intro and pick before the first slot
MAX_SLOTS = 3
STEP = timedelta(minutes=30)
WEEKDAYS = frozenset(range(5))  # Monday=0 … Friday=4
DEFAULT_START = time(9, 0)
DEFAULT_END = time(17, 0)

_HOURS = re.compile(
    r"(?P<sh>[0-9]{1,2}):(?P<sm>[0-9]{2}) *[-–—] *(?P<eh>[0-9]{1,2}):(?P<em>[0-9]{2})"
)


class HoursError(ValueError):
    """Working hours that can't be used; `reason` is one of the keys below."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


FORMAT = "format"  # not HH:MM-HH:MM
OUT_OF_RANGE = "range"  # 25:00, 09:61
OVERNIGHT = "overnight"  # end before start
TOO_SHORT = "short"  # shorter than one slot
EMPTY = "empty"  # start == end


@dataclass(frozen=True, slots=True)
class WorkingHours:
    start: time = DEFAULT_START
    end: time = DEFAULT_END

    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def encode(self) -> tuple[str, str]:
        return f"{self.start:%H:%M}", f"{self.end:%H:%M}"


DEFAULT_HOURS = WorkingHours()


def parse_hours(text: str) -> WorkingHours:
    """`10:00-18:00` → WorkingHours; raises `HoursError` saying what is wrong."""
    found = _HOURS.fullmatch(text.strip())
    if found is None:
        raise HoursError(FORMAT)
    sh, sm, eh, em = (int(found[k]) for k in ("sh", "sm", "eh", "em"))
    if sh > 23 or sm > 59 or em > 59 or eh > 24 or (eh == 24 and em != 0):
        raise HoursError(OUT_OF_RANGE)
    start = time(sh, sm)
    # 24:00 is the end of the day: the last minute we can represent.
    end = time(23, 59) if eh == 24 else time(eh, em)
    if start == end:
        raise HoursError(EMPTY)
    if end < start:
        raise HoursError(OVERNIGHT)
    if _minutes(end) - _minutes(start) < SLOT_LENGTH.total_seconds() / 60:
        raise HoursError(TOO_SHORT)
    return WorkingHours(start, end)


def stored_hours(start: str | None, end: str | None) -> WorkingHours:
    """The hours kept on a profile (`"HH:MM"` each), or the default when unset or unreadable."""
    if not start or not end:
        return DEFAULT_HOURS
    try:
        return parse_hours(f"{start}-{end}")
    except HoursError:
        return DEFAULT_HOURS


def zone_of(name: str | None, offset_hours: float | None) -> tzinfo:
    """A member's time zone: the IANA zone when known, else their fixed UTC offset, else UTC."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    if offset_hours is not None:
        return timezone(timedelta(hours=offset_hours))
    return UTC


@dataclass(frozen=True, slots=True)
class Person:
    """A group member as slot-finding sees them: who (`key`), where and when they work."""

    key: str
    zone: tzinfo
    hours: WorkingHours = DEFAULT_HOURS


def fits(person: Person, start: datetime) -> bool:
    """Whether the slot starting at `start` lies inside `person`'s hours on a weekday."""
    local_start = start.astimezone(person.zone)
    local_end = (start + SLOT_LENGTH).astimezone(person.zone)
    if local_start.date() != local_end.date() and local_end.time() != time(0, 0):
        return False
    if local_start.weekday() not in WEEKDAYS:
        return False
    begins, ends = _minutes(local_start.time()), _minutes(local_start.time()) + 30
    return _minutes(person.hours.start) <= begins and ends <= _end_minutes(person.hours)


def propose(
    people: Sequence[Person],
    now: datetime,
    round_ends: datetime,
    *,
    count: int = MAX_SLOTS,
    lead: timedelta = LEAD_TIME,
) -> list[datetime]:
    """Up to `count` slot starts (UTC), on different days, fitting everyone (see module doc).

    Each member's working days become UTC intervals; their intersection is where everyone
    works. On each day the half hour furthest from the intersection's edges wins."""
    if not people or count <= 0:
        return []
    first = _ceil_to_step(now.astimezone(UTC) + lead)
    if first + SLOT_LENGTH > round_ends:
        return []
    shared = _windows(people[0], first, round_ends)
    for person in people[1:]:
        shared = _intersect(shared, _windows(person, first, round_ends))
    best: dict[date, tuple[timedelta, datetime]] = {}
    anchor = people[0].zone
    for begins, ends in shared:
        start = max(_ceil_to_step(begins), first)
        while start + SLOT_LENGTH <= min(ends, round_ends):
            # every member's own check too (a day when clocks change can shift an edge)
            if all(fits(p, start) for p in people):
                day = start.astimezone(anchor).date()
                margin = min(start - begins, ends - start - SLOT_LENGTH)
                if day not in best or margin > best[day][0]:
                    best[day] = (margin, start)
            start += STEP
    return [best[day][1] for day in sorted(best)[:count]]


class RoundSlots:
    """`propose` for the many groups of one round (one `now`, one end): the times depend only
    on the members' zones and hours (in order), which few groups differ in, so each distinct
    combination is worked out once."""

    def __init__(self, now: datetime, round_ends: datetime) -> None:
        self.now = now
        self.round_ends = round_ends
        self._known: dict[tuple[tuple[tzinfo, WorkingHours], ...], tuple[datetime, ...]] = {}

    def __call__(self, people: Sequence[Person]) -> list[datetime]:
        key = tuple((p.zone, p.hours) for p in people)
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = tuple(propose(people, self.now, self.round_ends))
        return list(found)

    @property
    def computed(self) -> int:
        """How many distinct combinations were worked out."""
        return len(self._known)


def _windows(person: Person, first: datetime, last: datetime) -> list[tuple[datetime, datetime]]:
    """The person's working hours on their weekdays between `first` and `last`, in UTC."""
    out = []
    day = first.astimezone(person.zone).date() - timedelta(days=1)
    final = last.astimezone(person.zone).date() + timedelta(days=1)
    end_of_day = person.hours.end == time(23, 59)
    while day <= final:
        if day.weekday() in WEEKDAYS:
            begins = datetime.combine(day, person.hours.start, person.zone).astimezone(UTC)
            if end_of_day:
                after = day + timedelta(days=1)
                ends = datetime.combine(after, time(0, 0), person.zone).astimezone(UTC)
            else:
                ends = datetime.combine(day, person.hours.end, person.zone).astimezone(UTC)
            if begins < ends:
                out.append((begins, ends))
        day += timedelta(days=1)
    return out


def _intersect(
    a: list[tuple[datetime, datetime]], b: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """Where two sorted lists of intervals overlap (two pointers)."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        begins, ends = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if begins < ends:
            out.append((begins, ends))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def overlaps(people: Sequence[Person]) -> bool:
    """Whether everyone's working hours share a half hour on some weekday at all (any round):
    tells "your hours don't overlap" from "no time is left in this round"."""
    monday = datetime(2026, 1, 5, tzinfo=UTC)  # any week will do; this one has no DST change
    return bool(propose(people, monday, monday + timedelta(days=8), count=1, lead=timedelta()))


def _ceil_to_step(moment: datetime) -> datetime:
    base = moment.replace(minute=0, second=0, microsecond=0)
    while base < moment:
        base += STEP
    return base


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _end_minutes(hours: WorkingHours) -> int:
    # 23:59 stands for the end of the day (24:00).
    return 24 * 60 if hours.end == time(23, 59) else _minutes(hours.end)


__all__ = [
    "DEFAULT_HOURS",
    "HoursError",
    "Person",
    "RoundSlots",
    "WorkingHours",
    "fits",
    "parse_hours",
    "propose",
    "stored_hours",
    "zone_of",
]
