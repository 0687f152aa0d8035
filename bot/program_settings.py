"""A program's settings: showing them, and changing one from what an admin typed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot import commands as cmd
from bot import copy
from bot.cadence import CADENCES, next_round_time
from bot.matching.types import Weights
from bot.messages import UserText
from bot.text import InputError, check_length
from storage.models import Program

MAX_PURPOSE = 500
WEIGHT_KEYS = ("interest", "give", "cross_team", "timezone", "repeat", "repeat_decay")
SCHEDULE_KEYS = {"cadence", "day", "time", "timezone", "tz", "active"}


def settings_rows(program: Program) -> list[tuple[str, str]]:
    weights = {**dict.fromkeys(WEIGHT_KEYS), **(program.weights or {})}
    defaults = Weights()
    thanks_channel = (
        f"<#{program.thanks_channel_id}>" if program.thanks_channel_id else "this channel"
    )
    upcoming = (
        copy.when(program.next_round_at, program.timezone)
        if program.next_round_at and program.active
        else "—"
    )
    rows = [
        ("cadence", program.cadence),
        ("day", copy.WEEKDAYS[program.weekday]),
        ("time", program.local_time),
        ("timezone", program.timezone),
        ("purpose", program.purpose or "—"),
        ("thanks-channel", thanks_channel),
        ("active", "on" if program.active else "off"),
        ("next round", upcoming),
    ]
    for name in WEIGHT_KEYS:
        value = weights[name] if weights[name] is not None else getattr(defaults, name)
        rows.append((f"weight.{name}", f"{value:g}"))
    return rows


def apply_setting(program: Program, key: str, value: str, now: datetime) -> str:
    value = value.strip()
    if key == "cadence":
        if value.lower() not in CADENCES:
            raise InputError("Cadence is one of: weekly, biweekly, monthly.")
        program.cadence = value.lower()
    elif key in {"day", "weekday"}:
        day = value.lower()[:3]
        names = [d[:3] for d in copy.WEEKDAYS]
        if day not in names or not copy.WEEKDAYS[names.index(day)].startswith(value.lower()):
            raise InputError("Day is a weekday name, like `monday` or `thu`.")
        program.weekday = names.index(day)
        key, value = "day", copy.WEEKDAYS[program.weekday]
    elif key == "time":
        hours, _, minutes = value.partition(":")
        if not (
            value.isascii()
            and hours.isdigit()
            and minutes.isdigit()
            and int(hours) < 24
            and int(minutes) < 60
            and len(minutes) == 2
        ):
            raise InputError("Time is 24-hour HH:MM, like `09:30`.")
        program.local_time = value = f"{int(hours):02d}:{minutes}"
    elif key in {"timezone", "tz"}:
        try:
            ZoneInfo(value)
        except Exception:
            raise InputError(
                "`", UserText(value[:60]), "` isn't a time zone name like `Europe/Berlin`."
            ) from None
        program.timezone = value
    elif key == "purpose":
        check_length(value, "The purpose", MAX_PURPOSE)
        program.purpose = None if value.lower() in {"none", "-", "clear"} else value.strip("\"'")
        return program.purpose or "cleared"
    elif key in {"thanks-channel", "thanks_channel"}:
        channel = cmd.parse_channel_value(value)
        if channel is not None and len(channel) > 64:
            raise InputError("That's not a channel I can post in; mention it, like #kudos.")
        if channel is not None and not channel.replace("-", "").replace("_", "").isalnum():
            raise InputError("Mention the channel, like #kudos, or say `none`.")
        program.thanks_channel_id = channel
        return f"<#{channel}>" if channel else "this channel"
    elif key == "active":
        flag = value.lower()
        if flag not in {"on", "off", "yes", "no", "true", "false"}:
            raise InputError("Say `on` or `off`.")
        program.active = flag in {"on", "yes", "true"}
        value = "on" if program.active else "off"
    elif key.startswith("weight."):
        name = key[len("weight.") :]
        if name not in WEIGHT_KEYS:
            raise InputError(f"Weights are: {', '.join(WEIGHT_KEYS)}.")
        try:
            number = float(value)
        except ValueError:
            raise InputError("A weight is a number, like `10` or `0.5`.") from None
        if number < 0 or number != number or number == float("inf"):
            raise InputError("A weight can't be negative.")
        if name == "repeat_decay" and number > 1:
            raise InputError("repeat_decay is between 0 and 1.")
        program.weights = {**(program.weights or {}), name: number}
        return f"{number:g}"
    else:
        raise InputError(*copy.no_such_setting(key))
    if key in SCHEDULE_KEYS:
        reschedule(program, now)
    return value


def reschedule(program: Program, now: datetime) -> None:
    program.next_round_at = next_round_time(
        program.cadence, program.weekday, program.local_time, program.timezone, now
    )
