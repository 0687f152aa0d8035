"""The intro's time spans: written once per wall-clock time (a cache), never mixed up between
zones that share an instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.messages import UserRef
from bot.wording.slots import LocalTime, slot_spans


def test_one_instant_reads_in_each_members_own_zone() -> None:
    instant = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    times = [
        LocalTime("UMAYA", instant.astimezone(ZoneInfo("Europe/Paris"))),
        LocalTime("ULI", instant),
        LocalTime("USAM", instant.astimezone(timezone(timedelta(hours=-5)))),
    ]
    assert slot_spans(times) == [
        "Wed 2 Dec 00:30 for you, ",
        UserRef("UMAYA"),
        "; ",
        "Tue 1 Dec 23:30 for you, ",
        UserRef("ULI"),
        "; ",
        "Tue 1 Dec 18:30 for you, ",
        UserRef("USAM"),
    ]
    # The same again (now from the cache), and the UTC member first: the day is written for
    # the first member and for whoever it is another day for.
    assert slot_spans(times) == slot_spans(list(times))
    assert slot_spans([times[1], times[0]]) == [
        "Tue 1 Dec 23:30 for you, ",
        UserRef("ULI"),
        "; ",
        "Wed 2 Dec 00:30 for you, ",
        UserRef("UMAYA"),
    ]
    assert slot_spans([times[1], LocalTime("UANA", instant)])[3] == "23:30 for you, "
