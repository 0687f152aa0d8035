"""A program's settings: showing them, and changing one from what an admin typed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import commands as cmd
from bot import wording
from bot.cadence import CADENCES, next_round_time
from bot.matching.sizes import MAX_GROUP_SIZE, MIN_GROUP_SIZE
from bot.matching.types import Rules, Weights
from bot.messages import ChannelRef
from bot.text import InputError, check_length
from storage.models import Program

MAX_PURPOSE = 500
WEIGHT_KEYS = ("interest", "give", "cross_team", "timezone", "repeat", "repeat_decay")
# Each rule and the values it takes (the first is what an unset rule means, see `Rules`).
RULE_VALUES: dict[str, tuple[str, ...]] = {
    "different_team": ("preferred", "required", "off"),
    "different_manager": ("off", "required"),
    "same_location": ("off", "required", "preferred"),
}
SCHEDULE_KEYS = {"cadence", "day", "time", "timezone", "tz", "active"}
# How a setting is shown: a channel as a mention, anything else as text.
SettingValue = str | ChannelRef


def settings_rows(program: Program) -> list[tuple[str, SettingValue]]:
    weights = {**dict.fromkeys(WEIGHT_KEYS), **(program.weights or {})}
    defaults = Weights()
    thanks_channel = _channel(program.thanks_channel_id)
    upcoming = (
        wording.when(program.next_round_at, program.timezone)
        if program.next_round_at and program.active
        else "—"
    )
    rows = [
        ("cadence", program.cadence),
        ("day", wording.WEEKDAYS[program.weekday]),
        ("time", program.local_time),
        ("timezone", program.timezone),
        ("purpose", program.purpose or "—"),
        ("thanks-channel", thanks_channel),
        ("active", "on" if program.active else "off"),
        ("next round", upcoming),
    ]
    rows.append(("size", str(program.group_size)))
    rows.append(("ghost_after", str(ghost_after(program) or "off")))
    rows.append(("digest", program.digest or DIGEST_DEFAULT))
    rules = program_rules(program)
    rows += [(f"rule.{name}", getattr(rules, name)) for name in RULE_VALUES]
    for name in WEIGHT_KEYS:
        value = weights[name] if weights[name] is not None else getattr(defaults, name)
        rows.append((f"weight.{name}", f"{value:g}"))
    return rows


def max_size_on(platform: object) -> int:
    """The largest `size` a platform can hold: its groups of `size + 1` must fit in one group
    conversation (`max_group_members`, e.g. 8 on Slack; unset: no limit)."""
    limit: int | None = getattr(platform, "max_group_members", None)
    return MAX_GROUP_SIZE if limit is None else min(MAX_GROUP_SIZE, limit - 1)


def program_rules(program: Program, exclude: frozenset[tuple[str, str]] = frozenset()) -> Rules:
    """The program's grouping rules (unset ones at their defaults), with `exclude` pairs."""
    stored = {k: v for k, v in (program.rules or {}).items() if k in RULE_VALUES}
    return Rules(**stored, exclude=exclude)


def apply_setting(
    program: Program, key: str, value: str, now: datetime, max_size: int = MAX_GROUP_SIZE
) -> SettingValue:
    """Set one setting from what an admin typed; returns the value as it is now shown.
    `max_size` is the largest `size` the platform can hold (its groups may be one bigger).
    Raises `InputError` (nothing changed) for a bad value or an unknown key."""
    value = value.strip()
    key = _ALIASES.get(key, key)
    if key.startswith("weight."):
        return _set_weight(program, key[len("weight.") :], value)
    if key.startswith("rule."):
        return _set_rule(program, key[len("rule.") :], value)
    if key == "size":
        return _set_size(program, value, max_size)
    setter = _SETTERS.get(key)
    if setter is None:
        raise InputError(*wording.no_such_setting(key))
    shown = setter(program, value)
    if key in SCHEDULE_KEYS:
        reschedule(program, now)
    return shown


def _set_cadence(program: Program, value: str) -> SettingValue:
    if value.lower() not in CADENCES:
        raise InputError(wording.BAD_CADENCE)
    program.cadence = value.lower()
    return value


def _set_day(program: Program, value: str) -> SettingValue:
    day = value.lower()[:3]
    names = [d[:3] for d in wording.WEEKDAYS]
    if day not in names or not wording.WEEKDAYS[names.index(day)].startswith(value.lower()):
        raise InputError(wording.BAD_DAY)
    program.weekday = names.index(day)
    return wording.WEEKDAYS[program.weekday]


_TIME = re.compile(r"([0-9]+):([0-9]{2})")


def _set_time(program: Program, value: str) -> SettingValue:
    found = _TIME.fullmatch(value)
    if found is None or int(found[1]) >= 24 or int(found[2]) >= 60:
        raise InputError(wording.BAD_TIME)
    program.local_time = f"{int(found[1]):02d}:{found[2]}"
    return program.local_time


def _set_timezone(program: Program, value: str) -> SettingValue:
    try:
        ZoneInfo(value)
    except Exception:
        raise InputError(*wording.not_a_zone_name(value)) from None
    program.timezone = value
    return value


def _set_purpose(program: Program, value: str) -> SettingValue:
    check_length(value, wording.THE_PURPOSE, MAX_PURPOSE)
    program.purpose = None if value.lower() in {"none", "-", "clear"} else value.strip("\"'")
    return program.purpose or wording.CLEARED


def _set_thanks_channel(program: Program, value: str) -> SettingValue:
    channel = cmd.parse_channel_value(value)
    if channel is not None and len(channel) > 64:
        raise InputError(wording.BAD_CHANNEL)
    if channel is not None and not channel.replace("-", "").replace("_", "").isalnum():
        raise InputError(wording.MENTION_CHANNEL)
    program.thanks_channel_id = channel
    return _channel(channel)


def _set_active(program: Program, value: str) -> SettingValue:
    flag = value.lower()
    if flag not in {"on", "off", "yes", "no", "true", "false"}:
        raise InputError(wording.ON_OR_OFF)
    program.active = flag in {"on", "yes", "true"}
    return "on" if program.active else "off"


def _set_weight(program: Program, name: str, value: str) -> SettingValue:
    if name not in WEIGHT_KEYS:
        raise InputError(wording.weight_names(WEIGHT_KEYS))
    try:
        number = float(value)
    except ValueError:
        raise InputError(wording.WEIGHT_NOT_NUMBER) from None
    if number < 0 or number != number or number == float("inf"):
        raise InputError(wording.WEIGHT_NEGATIVE)
    if name == "repeat_decay" and number > 1:
        raise InputError(wording.BAD_DECAY)
    program.weights = {**(program.weights or {}), name: number}
    return f"{number:g}"


def _set_size(program: Program, value: str, max_size: int) -> SettingValue:
    if not value.isdigit() or not MIN_GROUP_SIZE <= int(value) <= MAX_GROUP_SIZE:
        raise InputError(wording.bad_group_size(MIN_GROUP_SIZE, MAX_GROUP_SIZE))
    if int(value) > max_size:
        raise InputError(wording.group_size_too_big(max_size))
    program.group_size = int(value)
    return value


def _set_rule(program: Program, name: str, value: str) -> SettingValue:
    name = name.replace("-", "_")
    if name not in RULE_VALUES:
        raise InputError(wording.rule_names(tuple(RULE_VALUES)))
    value = value.lower()
    if value not in RULE_VALUES[name]:
        raise InputError(wording.rule_values(name, RULE_VALUES[name]))
    program.rules = {**(program.rules or {}), name: value}
    return value


GHOST_AFTER_DEFAULT = 3
MAX_GHOST_AFTER = 12
DIGEST_DEFAULT = "monthly"


def ghost_after(program: Program) -> int:
    """Silent rounds in a row before someone is asked if they're still in; 0: never."""
    return GHOST_AFTER_DEFAULT if program.ghost_after is None else program.ghost_after


def digest_on(program: Program) -> bool:
    return (program.digest or DIGEST_DEFAULT) == "monthly"


def _set_ghost_after(program: Program, value: str) -> SettingValue:
    flag = value.lower()
    if flag in {"off", "no", "never", "0"}:
        program.ghost_after = 0
        return "off"
    if not flag.isdigit() or not 1 <= int(flag) <= MAX_GHOST_AFTER:
        raise InputError(wording.GHOST_AFTER_VALUES)
    program.ghost_after = int(flag)
    return str(program.ghost_after)


def _set_digest(program: Program, value: str) -> SettingValue:
    flag = value.lower()
    if flag not in {"monthly", "off"}:
        raise InputError(wording.DIGEST_VALUES)
    program.digest = flag
    return flag


_SETTERS: dict[str, Callable[[Program, str], SettingValue]] = {
    "cadence": _set_cadence,
    "day": _set_day,
    "time": _set_time,
    "timezone": _set_timezone,
    "purpose": _set_purpose,
    "thanks-channel": _set_thanks_channel,
    "active": _set_active,
    "ghost_after": _set_ghost_after,
    "digest": _set_digest,
}
_ALIASES = {
    "weekday": "day",
    "tz": "timezone",
    "thanks_channel": "thanks-channel",
    "ghost-after": "ghost_after",
}


def _channel(channel_id: str | None) -> SettingValue:
    return ChannelRef(channel_id) if channel_id else wording.THIS_CHANNEL


def reschedule(program: Program, now: datetime) -> None:
    program.next_round_at = next_round_time(
        program.cadence, program.weekday, program.local_time, program.timezone, now
    )
