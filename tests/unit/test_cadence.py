from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.cadence import checkin_times, next_round_time

FRI = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_weekly_next_monday_in_program_timezone() -> None:
    when = next_round_time("weekly", 0, "09:30", "America/New_York", FRI)
    assert when == datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # 09:30 EST


def test_weekly_strictly_after() -> None:
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert next_round_time("weekly", 0, "10:00", "UTC", monday) == monday + timedelta(days=7)


def test_biweekly_keeps_two_weeks_after_last_round() -> None:
    last = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    when = next_round_time("biweekly", 0, "10:00", "UTC", last, last)
    assert when == last + timedelta(days=14)


def test_monthly_is_first_weekday_of_month() -> None:
    when = next_round_time("monthly", 2, "10:00", "Europe/Berlin", FRI, FRI)
    assert when.astimezone().day <= 7 and when.month == 12
    assert when == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_dst_change_keeps_local_time() -> None:
    before = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # Berlin switches to summer time on the 29th
    when = next_round_time("weekly", 0, "10:00", "Europe/Berlin", before)
    assert when == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("days", [7, 14, 2])
def test_checkins_fall_inside_the_round(days: int) -> None:
    start = FRI
    end = start + timedelta(days=days)
    midway, last = checkin_times(start, end)
    assert start < midway < last < end
