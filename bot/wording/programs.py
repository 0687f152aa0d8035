"""Programs: the welcome, the schedule and the settings."""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import JoinProgram
from bot.messages import Button, ChannelRef, Line, Message, Span, UserText, fmt
from bot.wording.help import USAGE

# --- programs ---------------------------------------------------------------------------------


def welcome(channel_id: str, purpose: str | None, schedule: str, pool_is_channel: bool) -> Message:
    lines: list[Line] = [
        (
            "*Hi, I'm WarmIntro!* ☕ Every round I pair people in this channel for a short chat — "
            "to learn something from each other, not to network.",
        ),
    ]
    if purpose:
        lines.append(fmt("Why this program exists: _{p}_", p=UserText(purpose)))
    lines += [
        (
            f"Schedule: {schedule}. "
            + (
                "Everyone in this channel is in; "
                if pool_is_channel
                else "Press *Join* (or `/coffee join`) to take part; "
            )
            + "I'll DM you three quick questions so your matches have something in common.",
        ),
        ("`/coffee pause` for a break · `/coffee leave` to stop · `/coffee help` for more.",),
    ]
    return Message(tuple(lines), buttons=(Button(JoinProgram().encode(), "Join", "primary"),))


def describe_schedule(cadence: str, weekday: int, local_time: str, tz: str) -> str:
    day = WEEKDAYS[weekday].capitalize()
    every = {"weekly": "every", "biweekly": "every other", "monthly": "the first"}[cadence]
    tail = " of each month" if cadence == "monthly" else ""
    return f"{every} {day}{tail} at {local_time} ({tz})"


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def config_shown(settings: Sequence[tuple[str, str | ChannelRef]]) -> Message:
    lines: list[Line] = [("Program settings:",)]
    lines += [(f"• *{k}*: ", _setting(v)) for k, v in settings]
    lines.append(("Change one with " + USAGE["config"],))
    return Message(tuple(lines))


def config_saved(key: str, value: str | ChannelRef) -> Line:
    return (f"Saved: *{key}* is now ", _setting(value), ".")


def _setting(value: str | ChannelRef) -> Span:
    """A setting's value: a channel as a mention, anything else as typed text."""
    return value if isinstance(value, ChannelRef) else UserText(value)
