"""Members: joining, leaving, pausing, and their profile."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.messages import ChannelRef, Line, Message, UserText, fmt, text_message
from bot.wording.help import USAGE
from bot.wording.spans import channels

DM_HINT = (
    "Hi! I'm WarmIntro. I pair colleagues for short chats. Try `/coffee help`, or "
    "`/coffee interests …` to tell me what you're into."
)


def joined(channel_id: str, next_round: datetime | None, tz: str, already: bool = False) -> Message:
    first = "You're already in" if already else "You're in"
    lines: list[Line] = [fmt(first + " the coffee chats in {ch}! ☕", ch=ChannelRef(channel_id))]
    if next_round:
        lines.append(("Next round: " + when(next_round, tz) + ".",))
    lines.append(("`/coffee pause` for a break, `/coffee leave` to stop.",))
    return Message(tuple(lines))


def left(channel_id: str) -> Message:
    return text_message(
        fmt(
            "You've left the coffee chats in {ch}. `/coffee join` to come back.",
            ch=ChannelRef(channel_id),
        )
    )


NOT_IN_PROGRAM_LEAVE = "You're not in the coffee chats here, so there's nothing to leave."
PAUSED_BY_ADMIN = "The coffee chats here are paused by an admin right now."


def paused(until: datetime | None, tz: str) -> str:
    if until is None:
        return "Paused until you `/coffee resume`. Enjoy the break!"
    return f"Paused until {when(until, tz, with_time=False)}. I'll match you again after that."


RESUMED = "Welcome back! You'll be in the next round."
SKIP_CANCELLED = "Changed your mind? Good — you're in the next round after all."
NOT_IN_PROGRAM_SKIP = "You're not in any coffee chats here, so there's no round to sit out."
NO_TIMEZONE = "No time zone set."


def skipping(channel_ids: Sequence[str], already: bool) -> Line:
    """`/coffee skip`: which programs' next round the member sits out."""
    first = "You're already sitting out" if already else "You'll sit out"
    rest = ". You're back automatically after it; `/coffee resume` to take part after all."
    return (first + " the next round in ", *channels(channel_ids), rest)


def paused_label(until: datetime, tz: str) -> str:
    """How `/coffee status` says how long a pause lasts."""
    if until.year >= 9999:
        return "until you resume"
    return "until " + when(until, tz, with_time=False)


NOT_PAUSED = "You weren't paused — you're in the next round already."

TAG_LABELS = {
    "interests": "You're into",
    "offers": "You can help with",
    "wants": "You'd like to learn",
}


# What people typed (topics, teams, names, purposes) is always passed on as UserText, so
# every platform escapes it: a team called "<!here>" must never ping anyone.


def tags_saved(field: str, tags: Sequence[str]) -> Line:
    if not tags:
        return (f"{TAG_LABELS[field]}: nothing yet (cleared).",)
    return (f"{TAG_LABELS[field]}: ", UserText(", ".join(tags)), ". Saved!")


def tags_shown(field: str, tags: Sequence[str], usage: str) -> Line:
    if not tags:
        return (f"{TAG_LABELS[field]}: nothing yet. Set it with {usage}",)
    return (f"{TAG_LABELS[field]}: ", UserText(", ".join(tags)), ".")


def team_saved(team: str) -> Line:
    return ("Team set to ", UserText(team), ".") if team else ("Team cleared.",)


def team_shown(team: str | None) -> Line:
    return ("Your team: ", UserText(team), ".") if team else ("No team set. " + USAGE["team"],)


def location_saved(location: str) -> Line:
    if not location:
        return ("Location cleared.",)
    return ("Location set to ", UserText(location), ".")


def location_shown(location: str | None) -> Line:
    if location:
        return ("Your location: ", UserText(location), ".")
    return ("No location set. " + USAGE["location"],)


def timezone_saved(zone: str | None, offset: float) -> str:
    label = zone or utc_label(offset)
    return f"Time zone set to {label} ({utc_label(offset)})."


def utc_label(offset: float) -> str:
    sign = "+" if offset >= 0 else "−"
    minutes = round(abs(offset) * 60)
    hours, mins = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")


def when(moment: datetime, tz: str, with_time: bool = True) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    text = local.strftime("%a %-d %b %Y")
    if with_time:
        text += local.strftime(" at %H:%M") + f" ({tz})"
    return text
