"""When rounds happen: each program's cadence, weekday and local time in its own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CADENCES = ("weekly", "biweekly", "monthly")


def parse_local_time(value: str) -> time:
    hours, *minutes = value.split(":", 1)
    return time(int(hours), int(minutes[0] or 0) if minutes else 0)


def _occurrences(weekday: int, local_time: str, tz: str, start: date, days: int) -> list[datetime]:
    zone = ZoneInfo(tz)
    at = parse_local_time(local_time)
    out = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if day.weekday() == weekday:
            out.append(datetime.combine(day, at, tzinfo=zone).astimezone(UTC))
    return out


def next_round_time(
    cadence: str,
    weekday: int,
    local_time: str,
    tz: str,
    after: datetime,
    last_round_at: datetime | None = None,
) -> datetime:
    """The first scheduled round time strictly after `after`.

    Weekly: every `weekday`. Biweekly: at least 14 days after the previous round (a round started
    by hand on another day counts, so the next one keeps a sensible gap). Monthly: the first
    `weekday` of a month, at least a week after the previous round.
    """
    floor = after
    if last_round_at is not None:
        gap = {"weekly": 0, "biweekly": 8, "monthly": 7}[cadence]
        floor = max(after, last_round_at + timedelta(days=gap))
    start = floor.astimezone(ZoneInfo(tz)).date() - timedelta(days=1)
    for moment in _occurrences(weekday, local_time, tz, start, 80):
        if moment <= floor:
            continue
        if cadence == "monthly" and moment.astimezone(ZoneInfo(tz)).day > 7:
            continue
        return moment
    raise ValueError("no occurrence found")  # unreachable: 80 days hold a first weekday


def checkin_times(started: datetime, ends: datetime) -> tuple[datetime, datetime]:
    """Midway and end-of-round check-in times for a round running from `started` to `ends`."""
    length = ends - started
    midway = started + length / 2
    end = ends - timedelta(days=1) if length >= timedelta(days=3) else started + length * 0.8
    return midway, end
