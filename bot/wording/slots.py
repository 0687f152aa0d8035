"""Meeting times: the slots an intro proposes, picks, a settled time, working hours."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.actions import PickSlot
from bot.messages import Attachment, Button, Line, Message, Span, UserRef, UserText, fmt

ASYNC_QUESTIONS = (
    "What are you working on right now that you're most curious about?",
    "What's one thing you could help the other person with?",
    "What's something you'd love to learn from someone in a different role?",
)


@dataclass(frozen=True, slots=True)
class LocalTime:
    """One member's view of a slot: who, and when it is for them."""

    user: str
    when: datetime  # in the member's own zone


@dataclass(frozen=True, slots=True)
class MemberHours:
    user: str
    hours: str  # "09:00–17:00"
    zone: str  # "Europe/Paris", "UTC+05:30"


def _day(moment: datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b}"


@functools.lru_cache(maxsize=4096)
def _for_you(wall: datetime, with_day: bool) -> str:
    """ "Tue 1 Dec 15:30 for you, " (or "15:30 for you, ") for a wall-clock time: a round's
    intros show a handful of distinct times, each written once."""
    day = _day(wall) + " " if with_day else ""
    return f"{day}{wall:%H:%M} for you, "


def slot_spans(times: Sequence[LocalTime]) -> list[Span]:
    """ "Tue 1 Dec 15:30 for you, @Maya; 09:30 for you, @Li" (the day is repeated for whoever
    it is another day for)."""
    out: list[Span] = []
    first_day = times[0].when.date() if times else None
    for i, t in enumerate(times):
        if i:
            out.append("; ")
        # Keyed by the wall-clock time (no zone): aware datetimes compare and hash by the
        # instant, and one instant reads differently in each zone.
        wall = t.when.replace(tzinfo=None)
        out += [_for_you(wall, i == 0 or wall.date() != first_day), UserRef(t.user)]
    return out


def slot_lines(
    options: Sequence[Sequence[LocalTime]],
    picks: dict[str, int],
    settled: int | None,
) -> list[Line]:
    """The intro's meeting-time part: the options, who picked what, and a settled time."""
    lines: list[Line] = [
        (
            "*Times that suit you all* (30 minutes, inside everyone's working hours "
            "— press the one that works for you):",
        )
    ]
    for n, times in enumerate(options, start=1):
        lines.append((f"*{n}.* ", *slot_spans(times)))
    if picks:
        said: list[Span] = ["Picked so far: "]
        for i, (user, n) in enumerate(picks.items()):
            if i:
                said.append(", ")
            said += [UserRef(user), f" → {n}"]
        lines.append(tuple(said))
    if settled is not None and 1 <= settled <= len(options):
        lines.append(("✅ *Settled:* ", *slot_spans(options[settled - 1]), " — see you there!"))
    return lines


def slot_buttons(group_id: int, count: int) -> tuple[Button, ...]:
    return tuple(
        Button(PickSlot(group_id, n).encode(), f"Time {n} works") for n in range(1, count + 1)
    )


def no_overlap_lines(hours: Sequence[MemberHours], ever: bool) -> list[Line]:
    """No half hour fits everyone's working hours this round: say so honestly, and offer an
    async way. `ever`: their hours do overlap, only not in what is left of this round."""
    who: list[Span] = []
    for i, h in enumerate(hours):
        if i:
            who.append("; ")
        who += [UserRef(h.user), f" works {h.hours} {h.zone} time"]
    why = (
        "*No shared time left this round:* no weekday half hour inside everyone's working hours is left before the round ends — "
        if ever
        else "*No shared time:* your working hours don't overlap — "
    )
    lines: list[Line] = [
        (
            why,
            *who,
            ". That's fine: meet async instead. Swap short voice notes, or write to each other answering these three questions:",
        )
    ]
    lines += [(f"{n}. {q}",) for n, q in enumerate(ASYNC_QUESTIONS, start=1)]
    return lines


def slot_settled(times: Sequence[LocalTime], calendar: Attachment | None) -> Message:
    """Everyone picked the same time (sent in place of the midway check-in)."""
    lines: list[Line] = [("✅ It's settled: ", *slot_spans(times), ". Enjoy the chat!")]
    if calendar is not None:
        lines.append(("Here's a calendar file to add it to your calendar.",))
    return Message(
        tuple(lines),
        mentions=tuple(t.user for t in times),
        attachments=(calendar,) if calendar else (),
    )


def calendar_summary(names: Sequence[str]) -> str:
    return "Coffee chat: " + ", ".join(names)


CALENDAR_DESCRIPTION = "A WarmIntro coffee chat. Bring a question you're curious about!"


# --- replies to a pick -------------------------------------------------------------------------


def slot_picked(n: int, times: Sequence[LocalTime]) -> Line:
    return (f"Noted: time {n} (", *slot_spans(times), "). I'll tell the group.")


def slot_already_picked(n: int) -> str:
    return f"You already picked time {n} — nothing changed."


def slot_settled_reply(n: int) -> str:
    return f"Everyone picked time {n}: it's settled!"


SLOT_NOT_YOURS = "Those times are for another group — only its members can pick one."
SLOT_ROUND_OVER = "That round is over, so its times can't be picked any more."
SLOT_PASSED = "That time has already passed — pick another one."


# --- working hours ------------------------------------------------------------------------------


def hours_shown(hours: str, zone: str, default: bool) -> Line:
    suffix = " (the default)" if default else ""
    return (
        f"Your working hours are {hours}{suffix}, in your time zone ({zone}). Intros propose meeting times inside them.",
    )


def hours_saved(hours: str, zone: str) -> str:
    return f"Saved: your working hours are {hours} ({zone}). Intros will propose times inside them."


HOURS_RESET = "Your working hours are back to the default, 09:00–17:00."

HOURS_ERRORS = {
    "format": "Write your working hours as HH:MM-HH:MM, e.g. 10:00-18:00.",
    "range": "Hours go from 00:00 to 24:00 and minutes from 00 to 59.",
    "overnight": "Working hours that run past midnight aren't supported yet: give the start before the end (e.g. 22:00-24:00, or 00:00-06:00).",
    "short": "Your working hours need at least 30 minutes in them.",
    "empty": "The start and end are the same: give a range, e.g. 09:00-17:00.",
}


def hours_error(reason: str, typed: str) -> Line:
    return fmt(
        "{why} You wrote: {typed}",
        why=HOURS_ERRORS.get(reason, HOURS_ERRORS["format"]),
        typed=UserText(typed[:40]),
    )
