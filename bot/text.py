"""Turning what people type into clean values: tags, durations, time zones, mentions."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.matching.tags import normalize_tag
from bot.messages import Line, Span, UserText, render_line_plain

MAX_TEXT = 2000  # longest text we accept from a person in one go
MAX_TAG_LENGTH = 40
MAX_TAGS = 20
MAX_TEAM_LENGTH = 60

_SPLIT = re.compile(r"[,;\n]+|\s+(?:and|&)\s+|\s*\|\s*")
_EDGE_PUNCT = " \t.!?:\"'`*_~()[]{}<>"


class InputError(ValueError):
    """Something a person typed can't be used; the message says why, in their terms.

    Built from spans like a message line: the bot's words as `str`, anything the person typed
    as `UserText`, so the answer that echoes it is escaped on every platform.
    """

    def __init__(self, *spans: Span) -> None:
        self.line: Line = tuple(spans)
        super().__init__(render_line_plain(self.line))


def check_length(text: str, what: str = "That message", limit: int = MAX_TEXT) -> str:
    if len(text) > limit:
        raise InputError(
            f"{what} is {len(text):,} characters long; the limit is {limit:,}. "
            "Please shorten it and try again."
        )
    return text


def parse_tags(text: str) -> list[str]:
    """Free text → distinct normalised tags: "Rock climbing, jazz and Python" → 3 tags."""
    check_length(text, "That list")
    tags: list[str] = []
    for raw in _SPLIT.split(text):
        tag = normalize_tag(raw.strip(_EDGE_PUNCT))
        if not tag:
            continue
        check_tag(tag)
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InputError(f"That's {len(tags)} topics; please pick at most {MAX_TAGS}.")
    return tags


def check_tag(tag: str) -> str:
    if len(tag) > MAX_TAG_LENGTH:
        raise InputError(
            "“",
            UserText(tag[:20]),
            f"…” is too long for a topic (at most {MAX_TAG_LENGTH} characters); "
            "separate topics with commas.",
        )
    return tag


def clean_team(text: str) -> str:
    team = " ".join(text.split()).strip(_EDGE_PUNCT)
    if len(team) > MAX_TEAM_LENGTH:
        raise InputError(f"A team name can be at most {MAX_TEAM_LENGTH} characters.")
    return team


_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def parse_timezone(text: str) -> tuple[str | None, float]:
    """An IANA zone ("Europe/Berlin") or a UTC offset ("+2", "UTC-05:30").

    Returns (zone name or None, current UTC offset in hours).
    """
    value = text.strip()
    if not value:
        raise InputError("Tell me a time zone, like `Europe/Berlin` or `UTC+2`.")
    if value.upper() in {"UTC", "GMT", "Z"}:
        return "UTC", 0.0
    match = _OFFSET.match(value)
    if match:
        sign, hours, minutes = match.groups()
        offset = int(hours) + int(minutes or 0) / 60
        if offset > 14 or (minutes and int(minutes) >= 60):
            raise InputError("“", UserText(value), "” is not a valid UTC offset (−12 to +14).")
        return None, offset if sign == "+" else -offset
    zone = _find_zone(value)
    if zone is None:
        raise InputError(
            "I don't know the time zone “",
            UserText(value[:60]),
            "”. Use a name like `America/New_York` or an offset like `UTC-5`.",
        )
    return zone, utc_offset_hours(zone)


def _find_zone(value: str) -> str | None:
    candidate = value.replace(" ", "_")
    try:
        ZoneInfo(candidate)
        return candidate
    except (ZoneInfoNotFoundError, ValueError):
        pass
    lowered = candidate.lower()
    for name in available_timezones():
        if name.lower() == lowered:
            return name
    return None


def utc_offset_hours(zone: str, when: datetime | None = None) -> float:
    moment = when or datetime.now(ZoneInfo("UTC"))
    offset = moment.astimezone(ZoneInfo(zone)).utcoffset() or timedelta()
    return offset.total_seconds() / 3600


_DURATION = re.compile(r"^(\d{1,3})\s*(d|day|days|w|wk|wks|week|weeks|m|mo|month|months)?$")


def parse_pause(words: list[str], today: date) -> date | None:
    """`pause` → None (until resumed); `pause 2w`, `pause 3 days`, `pause until 2026-12-24`."""
    if not words:
        return None
    text = " ".join(words).lower().strip()
    if text.startswith("until "):
        raw = text[len("until ") :].strip()
        try:
            until = date.fromisoformat(raw)
        except ValueError:
            raise InputError("“", UserText(raw[:40]), "” is not a date; use YYYY-MM-DD.") from None
        if until <= today:
            raise InputError("That date is not in the future.")
        if until > today + timedelta(days=366):
            raise InputError("You can pause for a year at most.")
        return until
    match = _DURATION.match(text)
    if not match:
        raise InputError("Say how long: `pause 2w`, `pause 10 days` or `pause until 2026-12-24`.")
    amount, unit = int(match.group(1)), (match.group(2) or "w")
    if amount < 1:
        raise InputError("Pause for at least one day.")
    days = amount * (1 if unit.startswith("d") else 30 if unit.startswith("m") else 7)
    if days > 366:
        raise InputError("You can pause for a year at most.")
    return today + timedelta(days=days)


_MENTION = re.compile(r"^<@!?([A-Za-z0-9_.\-]+)(?:\|[^>]*)?>$")
_CHANNEL = re.compile(r"^<#([A-Za-z0-9_.\-]+)(?:\|[^>]*)?>$")


def parse_mention(token: str) -> str | None:
    """`<@U123>`, `<@U123|maya>` or `<@!123>` → the user id."""
    match = _MENTION.match(token)
    return match.group(1) if match else None


def parse_channel(token: str) -> str | None:
    match = _CHANNEL.match(token)
    return match.group(1) if match else None
