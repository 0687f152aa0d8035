"""A settled meeting as an iCalendar file (RFC 5545), built with the `icalendar` library."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event

from bot.messages import Attachment
from bot.slots import SLOT_LENGTH

PRODUCT_ID = "-//WarmIntro//Coffee chats//EN"


def meeting_file(
    *,
    group_id: int,
    start: datetime,
    summary: str,
    description: str,
    now: datetime,
) -> Attachment:
    """One 30-minute event starting at `start` (UTC). The UID is stable per group and time, so
    importing the file twice updates the same calendar entry instead of adding another."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"warmintro-group-{group_id}-{start:%Y%m%dT%H%M%SZ}")
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", start + SLOT_LENGTH)
    event.add("summary", summary)
    event.add("description", description)
    calendar.add_component(event)
    return Attachment("coffee-chat.ics", calendar.to_ical().decode("utf-8"), "text/calendar")
