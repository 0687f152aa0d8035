"""Parsing `/coffee <subcommand> …` and `/thanks @person … message [--private]`.

The parser is pure: text in, a command dataclass (or a `CommandError` with usage) out.
Adapters that get structured input (Discord options) build the same dataclasses directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot import wording
from bot.messages import Line, render_line_plain
from bot.slots import HoursError, WorkingHours, parse_hours
from bot.text import (
    MAX_TEXT,
    InputError,
    check_length,
    clean_location,
    clean_team,
    parse_channel,
    parse_mention,
    parse_pause,
    parse_tags,
    parse_timezone,
)

TagField = Literal["interests", "offers", "wants"]


class CommandError(Exception):
    """A malformed command: `line` says what's wrong, `usage` how to write it.

    `line` is a message line: whatever the person typed in it is a `UserText` span, so the
    answer never echoes typed text as the bot's own copy. `message` is its plain text (logs,
    tests).
    """

    def __init__(self, message: str | Line, usage: str | None = None) -> None:
        self.line: Line = (message,) if isinstance(message, str) else tuple(message)
        self.message = render_line_plain(self.line)
        super().__init__(self.message)
        self.usage = usage


class UnknownSubcommand(CommandError):
    """`/coffee <word>` where no command is called `word` (answered with the list of commands)."""

    def __init__(self, word: str) -> None:
        super().__init__(wording.unknown_subcommand(word), wording.USAGE["help"])
        self.word = word


@dataclass(frozen=True)
class Join:
    pass


@dataclass(frozen=True)
class Leave:
    pass


@dataclass(frozen=True)
class Pause:
    until: date | None  # None: until resumed


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class Skip:
    """Sit out the next round only: of this channel's program, or (in a DM) of every one."""


@dataclass(frozen=True)
class SetTags:
    field: TagField
    tags: tuple[str, ...] | None  # None: show the current ones; () clears


@dataclass(frozen=True)
class SetTeam:
    team: str | None  # None: show; "" clears


@dataclass(frozen=True)
class SetLocation:
    location: str | None  # None: show; "" clears


@dataclass(frozen=True)
class SetTimezone:
    zone: str | None
    offset_hours: float | None  # both None: show


@dataclass(frozen=True)
class SetHours:
    """`/coffee hours 10:00-18:00`; nothing: show them; `reset`: back to 09:00–17:00."""

    hours: WorkingHours | None = None
    reset: bool = False


@dataclass(frozen=True)
class Avoid:
    """`/coffee avoid @person`: never be grouped with them (private); no one: list mine."""

    user: str | None = None


@dataclass(frozen=True)
class Unavoid:
    user: str


@dataclass(frozen=True)
class KeepApart:
    """`/coffee keep-apart @a @b` (admins): never group these two; `remove` drops the pair;
    no one: list the workspace's pairs."""

    users: tuple[str, str] | None = None
    remove: bool = False


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class History:
    pass


@dataclass(frozen=True)
class Stats:
    pass


@dataclass(frozen=True)
class Config:
    key: str | None = None  # None: show all settings
    value: str | None = None


@dataclass(frozen=True)
class Preview:
    pass


@dataclass(frozen=True)
class MatchNow:
    confirmed: bool = False  # start another round even though one started minutes ago
    # `confirm N`: start round N only; a repeated request (a double submit) finds it started
    round_number: int | None = None


@dataclass(frozen=True)
class Dashboard:
    """`/coffee dashboard` (program admins): a one-time sign-in link to the web dashboard."""


@dataclass(frozen=True)
class MyPage:
    """`/coffee me`: a one-time sign-in link to your own page on the web dashboard."""


@dataclass(frozen=True)
class ForgetMe:
    confirmed: bool = False


@dataclass(frozen=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True)
class Thanks:
    recipients: tuple[str, ...]
    text: str
    private: bool = False


CoffeeCommand = (
    Join
    | Leave
    | Pause
    | Resume
    | Skip
    | SetTags
    | SetTeam
    | SetLocation
    | SetTimezone
    | SetHours
    | Avoid
    | Unavoid
    | KeepApart
    | Status
    | History
    | Stats
    | Config
    | Preview
    | MatchNow
    | Dashboard
    | MyPage
    | ForgetMe
    | Help
)

# The commands whose handler asks whether the actor may run the program (workspace admin or
# whoever added the bot). Only these wait for a platform's admin check (`Actor.admin_check`).
ADMIN_COMMANDS: tuple[type, ...] = (KeepApart, Config, Preview, MatchNow)

_ALIASES = {
    "optin": "join",
    "opt-in": "join",
    "start": "join",
    "optout": "leave",
    "opt-out": "leave",
    "stop": "leave",
    "unpause": "resume",
    "interest": "interests",
    "offers": "offer",
    "help-with": "offer",
    "wants": "learn",
    "want": "learn",
    "tz": "timezone",
    "working-hours": "hours",
    "workhours": "hours",
    "office": "location",
    "settings": "config",
    "matchnow": "match-now",
    "match_now": "match-now",
    "forget_me": "forget-me",
    "forgetme": "forget-me",
    "my-page": "me",
    "web": "dashboard",
    "keep_apart": "keep-apart",
    "keepapart": "keep-apart",
    "?": "help",
}

_TAG_FIELDS: dict[str, TagField] = {"interests": "interests", "offer": "offers", "learn": "wants"}
_NO_ARGS = {
    "join": Join,
    "leave": Leave,
    "resume": Resume,
    "skip": Skip,
    "status": Status,
    "history": History,
    "stats": Stats,
    "preview": Preview,
    "dashboard": Dashboard,
    "me": MyPage,
}
# Commands whose only option is the word `confirm`.
_CONFIRMABLE = {"match-now": MatchNow, "forget-me": ForgetMe}


def parse_coffee(text: str, today: date) -> CoffeeCommand:
    """Parse what follows `/coffee`. `today` is the caller's date, for `pause`."""
    if len(text) > MAX_TEXT:
        raise CommandError(wording.too_long(len(text)))
    words = text.strip().split()
    if not words:
        return Help()
    name = _ALIASES.get(words[0].lower(), words[0].lower())
    rest = words[1:]
    raw_rest = text.strip()[len(words[0]) :].strip()
    usage = wording.USAGE.get(name)
    try:
        if name in _NO_ARGS:
            if rest:
                raise CommandError(wording.takes_no_options(name), usage)
            return _NO_ARGS[name]()
        if name == "help":
            return Help(rest[0].lower() if rest else None)
        if name == "pause":
            return Pause(parse_pause(rest, today))
        if name in _TAG_FIELDS:
            field = _TAG_FIELDS[name]
            if not raw_rest:
                return SetTags(field, None)
            if raw_rest.lower() in {"clear", "none", "-"}:
                return SetTags(field, ())
            tags = parse_tags(raw_rest)
            if not tags:
                raise CommandError(wording.NO_TOPICS_FOUND, usage)
            return SetTags(field, tuple(tags))
        if name == "team":
            if not raw_rest:
                return SetTeam(None)
            if raw_rest.lower() in {"clear", "none", "-"}:
                return SetTeam("")
            return SetTeam(clean_team(raw_rest))
        if name == "location":
            if not raw_rest:
                return SetLocation(None)
            if raw_rest.lower() in {"clear", "none", "-"}:
                return SetLocation("")
            return SetLocation(clean_location(raw_rest))
        if name == "timezone":
            if not raw_rest:
                return SetTimezone(None, None)
            zone, offset = parse_timezone(raw_rest)
            return SetTimezone(zone, offset)
        if name == "hours":
            return parse_hours_command(raw_rest, usage)
        if name in {"avoid", "unavoid", "keep-apart"}:
            return _parse_avoid(name, rest, usage)
        if name == "config":
            if not rest:
                return Config()
            key = rest[0].lower()
            value = raw_rest[len(rest[0]) :].strip()
            return Config(key, value or None)
        if name == "match-now" and len(rest) == 2 and rest[0].lower() == "confirm":
            if not rest[1].isdigit() or not 0 < int(rest[1]) < 10**9:
                raise CommandError(wording.did_you_mean_confirm(name), usage)
            return MatchNow(confirmed=True, round_number=int(rest[1]))
        if name in _CONFIRMABLE:
            if rest and rest[0].lower() == "confirm" and len(rest) == 1:
                return _CONFIRMABLE[name](confirmed=True)
            if rest:
                raise CommandError(wording.did_you_mean_confirm(name), usage)
            return _CONFIRMABLE[name]()
    except InputError as exc:
        raise CommandError(exc.line, usage) from None
    raise UnknownSubcommand(words[0])


def parse_hours_command(text: str, usage: str | None = None) -> SetHours:
    """What follows `/coffee hours` (also Discord's option)."""
    text = text.strip()
    if not text:
        return SetHours()
    if text.lower() in {"reset", "default", "clear"}:
        return SetHours(reset=True)
    try:
        return SetHours(parse_hours(text))
    except HoursError as exc:
        raise CommandError(wording.hours_error(exc.reason, text), usage) from None


def _parse_avoid(name: str, words: list[str], usage: str | None) -> Avoid | Unavoid | KeepApart:
    remove = name == "keep-apart" and bool(words) and words[0].lower() == "remove"
    if remove:
        words = words[1:]
    users = [parse_mention(w) for w in words]
    if name == "avoid" and not words:
        return Avoid()
    if name == "keep-apart" and not words and not remove:
        return KeepApart()
    wanted = 2 if name == "keep-apart" else 1
    if len(users) != wanted or None in users or len(set(users)) != wanted:
        raise CommandError(wording.mention_people(wanted), usage)
    found = tuple(u for u in users if u is not None)
    if name == "avoid":
        return Avoid(found[0])
    if name == "unavoid":
        return Unavoid(found[0])
    return KeepApart((found[0], found[1]), remove)


def parse_thanks(text: str) -> Thanks:
    """`@a @b thanks for the review! --private` → Thanks(("a", "b"), "thanks for…", True)."""
    usage = wording.USAGE["thanks"]
    if len(text) > MAX_TEXT:
        raise CommandError(wording.too_long(len(text)), usage)
    tokens = text.strip().split()
    private = False
    if tokens and tokens[-1].lower() in {"--private", "—private", "-p", "--dm"}:
        private = True
        tokens = tokens[:-1]
    elif tokens and tokens[0].lower() in {"--private", "—private", "-p", "--dm"}:
        private = True
        tokens = tokens[1:]
    recipients: list[str] = []
    while tokens:
        user_id = parse_mention(tokens[0])
        if user_id is None:
            if tokens[0].startswith("@") and len(tokens[0]) > 1:
                raise CommandError(wording.unknown_user(tokens[0]), usage)
            break
        if user_id not in recipients:
            recipients.append(user_id)
        tokens.pop(0)
    if not recipients:
        raise CommandError(wording.THANKS_MENTION_FIRST, usage)
    message = " ".join(tokens).strip()
    if not message:
        raise CommandError(wording.THANKS_ADD_WORDS, usage)
    try:
        check_length(message, wording.YOUR_NOTE)
    except InputError as exc:
        raise CommandError(exc.line, usage) from None
    return Thanks(tuple(recipients), message, private)


def parse_channel_value(value: str) -> str | None:
    """A `thanks-channel` value: `<#C123>` or a bare id; `none` clears it."""
    value = value.strip()
    if value.lower() in {"none", "-", "off"}:
        return None
    return parse_channel(value) or value.lstrip("#")
