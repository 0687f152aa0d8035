"""Turning what people type into clean values: tags, durations, time zones, mentions."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot import wording
from bot.matching.tags import normalize_tag
from bot.messages import Line, Span, render_line_plain

MAX_TEXT = 2000  # longest text we accept from a person in one go
MAX_TAG_LENGTH = 40
MAX_TAGS = 20
MAX_TEAM_LENGTH = 60
MAX_LOCATION_LENGTH = 100

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


def check_length(text: str, what: str = wording.THAT_MESSAGE, limit: int = MAX_TEXT) -> str:
    if len(text) > limit:
        raise InputError(wording.text_too_long(what, len(text), limit))
    return text


def parse_tags(text: str) -> list[str]:
    """Free text → distinct normalised tags: "Rock climbing, jazz and Python" → 3 tags."""
    check_length(text, wording.THAT_LIST)
    tags: list[str] = []
    for raw in _SPLIT.split(text):
        tag = normalize_tag(raw.strip(_EDGE_PUNCT))
        if not tag:
            continue
        check_tag(tag)
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InputError(wording.too_many_topics(len(tags), MAX_TAGS))
    return tags


def check_tag(tag: str) -> str:
    if len(tag) > MAX_TAG_LENGTH:
        raise InputError(*wording.topic_too_long(tag, MAX_TAG_LENGTH))
    return tag


def clean_team(text: str) -> str:
    team = " ".join(text.split()).strip(_EDGE_PUNCT)
    if len(team) > MAX_TEAM_LENGTH:
        raise InputError(wording.team_too_long(MAX_TEAM_LENGTH))
    return team


def clean_location(text: str) -> str:
    """An office or city, as typed ("Berlin", "NYC – 5th Ave"); spaces folded."""
    location = " ".join(text.split()).strip(_EDGE_PUNCT)
    if len(location) > MAX_LOCATION_LENGTH:
        raise InputError(wording.location_too_long(MAX_LOCATION_LENGTH))
    return location


_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def parse_timezone(text: str) -> tuple[str | None, float]:
    """An IANA zone ("Europe/Berlin") or a UTC offset ("+2", "UTC-05:30").

    Returns (zone name or None, current UTC offset in hours).
    """
    value = text.strip()
    if not value:
        raise InputError(wording.NEED_TIMEZONE)
    if value.upper() in {"UTC", "GMT", "Z"}:
        return "UTC", 0.0
    match = _OFFSET.match(value)
    if match:
        sign, hours, minutes = match.groups()
        offset = int(hours) + int(minutes or 0) / 60
        if offset > 14 or (minutes and int(minutes) >= 60):
            raise InputError(*wording.bad_utc_offset(value))
        return None, offset if sign == "+" else -offset
    zone = _find_zone(value)
    if zone is None:
        raise InputError(*wording.unknown_zone(value))
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
            raise InputError(*wording.not_a_date(raw)) from None
        if until <= today:
            raise InputError(wording.DATE_NOT_IN_FUTURE)
        if until > today + timedelta(days=366):
            raise InputError(wording.PAUSE_TOO_LONG)
        return until
    match = _DURATION.match(text)
    if not match:
        raise InputError(wording.PAUSE_HOW_LONG)
    amount, unit = int(match.group(1)), (match.group(2) or "w")
    if amount < 1:
        raise InputError(wording.PAUSE_TOO_SHORT)
    days = amount * (1 if unit.startswith("d") else 30 if unit.startswith("m") else 7)
    if days > 366:
        raise InputError(wording.PAUSE_TOO_LONG)
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
