"""Refusals: what's wrong with a request, and what went wrong on our side."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import ChannelRef, Line, UserText
from bot.wording.programs import _setting


def too_long(length: int, limit: int = 2000) -> str:
    return f"That's {length:,} characters; the limit is {limit:,}. Please shorten it and try again."


# Answers that echo what someone typed are lines, never formatted strings: the typed part is a
# `UserText` span, so "/coffee <!channel>" can't ping a channel from an error message.


def unknown_subcommand(word: str) -> Line:
    return _echo("I don't know the command `", word, "`. Here's what I can do:", 40)


def unknown_user(token: str) -> Line:
    hint = " in this workspace. Mention them with @ and pick from the list."
    return _echo("I can't find ", token, hint, 60)


def no_such_setting(key: str) -> Line:
    return _echo("There's no setting called `", key, "`.", 40)


def setting_shown(key: str, value: str | ChannelRef) -> Line:
    return (f"*{key}*: ", _setting(value))


def timezone_shown(label: str) -> Line:
    return _echo("Your time zone: ", label, ".", None)


# --- what's wrong with what was typed (parser and settings) ----------------------------------

THAT_MESSAGE = "That message"  # how `text_too_long` names what was too long
THAT_LIST = "That list"
THE_PURPOSE = "The purpose"
NO_TOPICS_FOUND = "I couldn't find any topics in that."
NEED_TIMEZONE = "Tell me a time zone, like `Europe/Berlin` or `UTC+2`."
DATE_NOT_IN_FUTURE = "That date is not in the future."
PAUSE_TOO_LONG = "You can pause for a year at most."
PAUSE_TOO_SHORT = "Pause for at least one day."
PAUSE_HOW_LONG = "Say how long: `pause 2w`, `pause 10 days` or `pause until 2026-12-24`."
BAD_CADENCE = "Cadence is one of: weekly, biweekly, monthly."
BAD_DAY = "Day is a weekday name, like `monday` or `thu`."
BAD_TIME = "Time is 24-hour HH:MM, like `09:30`."
BAD_CHANNEL = "That's not a channel I can post in; mention it, like #kudos."
MENTION_CHANNEL = "Mention the channel, like #kudos, or say `none`."
ON_OR_OFF = "Say `on` or `off`."
WEIGHT_NOT_NUMBER = "A weight is a number, like `10` or `0.5`."
WEIGHT_NEGATIVE = "A weight can't be negative."
BAD_DECAY = "repeat_decay is between 0 and 1."


def bad_group_size(low: int, high: int) -> str:
    return f"Group size is a whole number from {low} to {high} (2: pairs)."


def group_size_too_big(limit: int) -> str:
    return (
        f"On this platform a group conversation holds at most {limit + 1} people, and a round "
        f"can make a few groups one bigger than the size, so the size is at most {limit}."
    )


def rule_names(names: Sequence[str]) -> str:
    return "Rules are: " + ", ".join(f"`rule.{n}`" for n in names) + "."


def rule_values(name: str, values: Sequence[str]) -> str:
    return f"`rule.{name}` is one of: " + ", ".join(f"`{v}`" for v in values) + "."


def text_too_long(what: str, length: int, limit: int) -> str:
    return f"{what} is {length:,} characters long; the limit is {limit:,}. " + (
        "Please shorten it and try again."
    )


def too_many_topics(count: int, limit: int) -> str:
    return f"That's {count} topics; please pick at most {limit}."


def topic_too_long(tag: str, limit: int) -> Line:
    return (
        "“",
        UserText(tag[:20]),
        f"…” is too long for a topic (at most {limit} characters); separate topics with commas.",
    )


def team_too_long(limit: int) -> str:
    return f"A team name can be at most {limit} characters."


def location_too_long(limit: int) -> str:
    return f"A location can be at most {limit} characters."


def bad_utc_offset(value: str) -> Line:
    return _echo("“", value, "” is not a valid UTC offset (−12 to +14).", None)


def unknown_zone(value: str) -> Line:
    hint = "”. Use a name like `America/New_York` or an offset like `UTC-5`."
    return _echo("I don't know the time zone “", value, hint, 60)


def not_a_zone_name(value: str) -> Line:
    return _echo("`", value, "` isn't a time zone name like `Europe/Berlin`.", 60)


def not_a_date(raw: str) -> Line:
    return _echo("“", raw, "” is not a date; use YYYY-MM-DD.", 40)


def weight_names(names: Sequence[str]) -> str:
    return f"Weights are: {', '.join(names)}."


def takes_no_options(name: str) -> str:
    return f"`{name}` takes no options."


def did_you_mean_confirm(name: str) -> str:
    return f"Did you mean `/coffee {name} confirm`?"


# --- when something goes wrong, or a request can't be read ------------------------------------

SOMETHING_WENT_WRONG = "Something went wrong on our side; nothing was changed."
NOT_INSTALLED = (
    "WarmIntro isn't installed in this workspace (or was removed). "
    "Ask a workspace admin to install it, then try again."
)
UNSAFE_TEXT = (
    "That text contains control characters or broken Unicode that I can't store. "
    "Please retype it without them."
)
BAD_REQUEST = "I couldn't read that request, so nothing was changed."
BUTTON_EXPIRED = "That button has expired. Try `/coffee status`."
FORM_EXPIRED = "That form has expired."
THIS_CHANNEL = "this channel"  # the thanks channel when none is set
CLEARED = "cleared"  # a setting emptied
NOT_YOUR_CHECKIN = "That check-in isn't for you."
QUESTION_ANSWERED = "That question is already answered — thanks!"


def too_many_recipients(limit: int) -> str:
    return f"You can thank at most {limit} people at once."


NOT_ADMIN = "Only the program's admins can do that (workspace admins and whoever added me here)."
NOT_A_PROGRAM = (
    "This channel has no coffee chats yet. Add me to a channel to start a program there, "
    "or run this in a channel that has one."
)
NEED_PROGRAM_CHANNEL = "Run this in the program's channel, so I know which program you mean."
THANKS_SELF = "Thanking yourself is lovely, but I can only deliver thanks to someone else. 🙂"
THANKS_BOT = "That's kind, but bots don't drink coffee — thank a colleague instead."
FORGET_ME_CONFIRM = (
    "This deletes your profile, memberships, match history, check-ins and the thanks you sent. "
    "It can't be undone. To go ahead: `/coffee forget-me confirm`"
)
FORGOTTEN = "Done — I've deleted everything I knew about you. You're welcome back any time."


def _echo(before: str, typed: str, after: str, limit: int | None) -> Line:
    """A line that quotes what someone typed (cut at `limit`) as a `UserText` span."""
    return (before, UserText(typed if limit is None else typed[:limit]), after)
