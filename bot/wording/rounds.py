"""Rounds: intros, check-ins, partners who can't make it."""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import Checkin, CheckinAnswer, StartThanks
from bot.messages import Button, ChannelRef, Line, Message, UserRef, UserText, fmt
from bot.wording.slots import slot_buttons
from bot.wording.spans import listing

# --- rounds -----------------------------------------------------------------------------------

STARTERS = (
    "What's something you worked on recently that surprised you?",
    "What's a skill you picked up in the last year, and how did you learn it?",
    "What's a problem you're stuck on that the other person might see differently?",
    "What's the best piece of advice you've had at work?",
    "What's something you'd love to learn more about this year?",
    "What does a great week look like in your role?",
    "What's a book, talk or podcast that changed how you work?",
    "What's something about your team that others might not know?",
)


def intro(
    members: Sequence[str],
    reasons: Sequence[str],
    starter: str,
    purpose: str | None,
    group_id: int,
    channel_id: str,
    meeting: Sequence[Line] = (),
    slot_count: int = 0,
) -> Message:
    """The intro; `meeting` is the meeting-time part (`bot.wording.slots`), with a button for
    each of its `slot_count` proposed times. Without it: "find 30 minutes"."""
    names = listing(members)
    lines: list[Line] = [
        (
            "👋 ",
            *names,
            " — you're matched for a coffee chat this round in ",
            ChannelRef(channel_id),
            "!",
        )
    ]
    if reasons:
        # Reasons name topics, teams and people as they typed them: escaped like any user text.
        lines.append(("*Why you:* ", UserText("; ".join(reasons) + ".")))
    lines.append((f"*To get started:* {starter}",))
    if purpose:
        lines.append(fmt("*Why we do this:* {p}", p=UserText(purpose)))
    if meeting:
        lines += meeting
    else:
        lines.append(
            ("Find 30 minutes that works for everyone — whoever reads this first, suggest a time!",)
        )
    buttons = slot_buttons(group_id, slot_count) + checkin_buttons(group_id)
    return Message(tuple(lines), buttons=buttons, mentions=tuple(members))


def round_title(number: int) -> str:
    """The name of a round's group conversation (where the platform names one)."""
    return f"Coffee round {number}"


def checkin_buttons(group_id: int) -> tuple[Button, ...]:
    return (
        Button(Checkin(group_id, CheckinAnswer.SCHEDULED).encode(), "We've scheduled it"),
        Button(Checkin(group_id, CheckinAnswer.MET).encode(), "We met", "primary"),
        Button(Checkin(group_id, CheckinAnswer.SKIPPED).encode(), "Can't this time"),
    )


def checkin(stage: str, group_id: int, size: int = 2) -> Message:
    """A check-in in the group's conversation; groups of three or more are asked as a group."""
    if size > 2:
        text = (
            "Halfway through the round — has your group found a time to meet?"
            if stage == "midway"
            else "The round ends soon. Did your group meet?"
        )
    else:
        text = (
            "Halfway through the round — have you found a time to meet?"
            if stage == "midway"
            else "The round ends soon. Did you manage to meet?"
        )
    return Message(((text,),), buttons=checkin_buttons(group_id))


CHECKIN_ANSWERS = {
    "scheduled": "Great — enjoy the chat! Tell me when you've met.",
    "met": "Wonderful! I hope you learned something new. 🎉",
    "skipped": "No problem — there's always next round.",
}


def thanks_nudge(group_id: int, others: Sequence[str]) -> Message:
    names = listing(others)
    return Message(
        (
            (
                "Glad you met ",
                *names,
                "! If they taught you something or made your day, a thank-you goes a long way.",
            ),
        ),
        buttons=(Button(StartThanks(group_id).encode(), "Send thanks", "primary"),),
    )


def alone_this_round(channel_id: str) -> Message:
    return _about_channel(
        "You're the only one available in {ch} this round, so no match this time. "
        "Invite a colleague to join!",
        channel_id,
    )


def partner_unavailable(channel_id: str) -> Message:
    return _about_channel(
        "Your match in {ch} is no longer available this round, sorry! "
        "You'll be first in line next round.",
        channel_id,
    )


def _about_channel(template: str, channel_id: str) -> Message:
    return Message((fmt(template, ch=ChannelRef(channel_id)),))


def dms_closed(user_id: str) -> Message:
    return Message(
        (
            fmt(
                "{u}, I tried to send you a direct message but couldn't — your DMs seem closed. "
                "Allow DMs from members of this server to get your intros, check-ins and thanks.",
                u=UserRef(user_id),
            ),
        ),
        mentions=(user_id,),
    )
