"""Rounds that respect people: the "still up for coffee chats?" question, rescue matches and the
monthly digest. Never a guilt trip, never blaming a partner, never naming who didn't meet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.actions import AcceptRescue, GhostChoice, GhostReply
from bot.messages import Button, ChannelRef, Line, Message, UserRef, UserText, fmt
from bot.wording.profile import when
from bot.wording.rounds import checkin_buttons
from bot.wording.spans import listing

# --- ghosts -----------------------------------------------------------------------------------


def ghost_question(check_id: int, channel_id: str) -> Message:
    """The one friendly DM to someone whose last few rounds went quiet."""
    return Message(
        (
            fmt(
                "Hi! The last few coffee rounds in {ch} came and went without a chat — "
                "no worries at all, weeks get busy.",
                ch=ChannelRef(channel_id),
            ),
            ("*Still up for coffee chats?*",),
        ),
        buttons=(
            Button(GhostReply(check_id, GhostChoice.KEEP).encode(), "Keep me in", "primary"),
            Button(GhostReply(check_id, GhostChoice.PAUSE).encode(), "Pause for a month"),
            Button(GhostReply(check_id, GhostChoice.LEAVE).encode(), "Leave"),
        ),
    )


def ghost_answered(choice: str, channel_id: str, until: datetime | None, tz: str) -> Message:
    """The question, once answered (it replaces the buttons where the platform can)."""
    ch = ChannelRef(channel_id)
    if choice == GhostChoice.KEEP:
        line = fmt("Lovely — you're in for the next round in {ch}. ☕", ch=ch)
    elif choice == GhostChoice.PAUSE:
        until_text = when(until, tz, with_time=False) if until else "you're back"
        line = fmt(
            "Paused until {d} — enjoy the break. `/coffee resume` brings you back any time.",
            d=until_text,
        )
    else:
        line = fmt(
            "You've left the coffee chats in {ch}. `/coffee join` there brings you back "
            "whenever you like — thanks for the chats!",
            ch=ch,
        )
    return Message((line,))


def ghost_paused(channel_id: str, until: datetime | None, tz: str) -> Message:
    """Told once: nobody answered the question by the next round, so they're paused."""
    until_text = f" until {when(until, tz, with_time=False)}" if until else ""
    return Message(
        (
            fmt(
                "I've paused your coffee chats in {ch}{u}, since the last few rounds seemed to "
                "come at a busy time.",
                ch=ChannelRef(channel_id),
                u=until_text,
            ),
            (
                "Whenever you'd like to meet people again, `/coffee resume` brings you straight back.",
            ),
        )
    )


GHOST_ALREADY_ANSWERED = "You've answered this one already — thanks!"
NOT_YOUR_QUESTION = "That question was for someone else."


def quiet_members(count: int) -> str:
    """The `/coffee stats` line for organisers."""
    return (
        f"• Quiet members (asked if they're still up for chats, or paused after no answer): {count}"
    )


# --- rescue matches ---------------------------------------------------------------------------


def rescue_offer(rescue_id: int, channel_id: str, partner_gone: bool) -> Message:
    ch = ChannelRef(channel_id)
    first = (
        fmt("Your match in {ch} is no longer available this round — nobody's fault.", ch=ch)
        if partner_gone
        else fmt("Sorry this round's chat in {ch} couldn't happen.", ch=ch)
    )
    return Message(
        (
            first,
            ("*Want a new match this round?* I'll pair you with someone else whose chat fell "
             "through.",),
        ),
        buttons=(Button(AcceptRescue(rescue_id).encode(), "Yes, find me someone", "primary"),),
    )  # fmt: skip


RESCUE_WAITING = "Got it — I'll pair you as soon as someone else in the round is free too."
RESCUE_PAIRED = "Done — you have a new match! Look for the intro. 🛟"
RESCUE_ALREADY = "You've taken this offer already — thanks!"
RESCUE_OVER = "That round has ended — a fresh match comes next round."
NOT_YOUR_OFFER = "That offer was for someone else."


def rescue_intro(members: Sequence[str], channel_id: str, group_id: int, starter: str) -> Message:
    """The intro of a rescue match: says it's one, blames nobody."""
    lines: list[Line] = [
        (
            "🛟 *A rescue match!* ",
            *listing(members),
            " — your chats in ",
            ChannelRef(channel_id),
            " couldn't happen this round, and you're both up for a new one.",
        ),
        (f"*To get started:* {starter}",),
        ("Find 30 minutes before the round ends — whoever reads this first, suggest a time!",),
    ]
    return Message(tuple(lines), buttons=checkin_buttons(group_id), mentions=tuple(members))


def rescue_unpaired(channel_id: str) -> Message:
    return Message(
        (
            fmt(
                "Nobody else in {ch} was free for a new match this round, so no rescue this "
                "time — thanks for being up for it! A fresh match comes next round.",
                ch=ChannelRef(channel_id),
            ),
        )
    )


# --- the monthly digest -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Learned:
    """`helper` helped `people` people with `topic` (from those people's public thanks)."""

    helper: str
    people: int
    topic: str


def digest(
    channel_id: str,
    month: str,
    met: int,
    cross_team: int,
    thanks: int,
    quotes: Sequence[str],
    learned: Sequence[Learned],
    purpose: str | None,
) -> Message:
    """The monthly digest in the program channel. Names only people who met this month."""
    lines: list[Line] = [fmt("📬 *Coffee chats in {ch} — {m}*", ch=ChannelRef(channel_id), m=month)]
    if met:
        people = "person" if met == 1 else "people"
        lines.append((f"• {met} {people} met for a coffee chat",))
    else:
        lines.append(("• No chats were reported this month — there's always next month.",))
    if cross_team:
        s = "" if cross_team == 1 else "s"
        lines.append((f"• {cross_team} new connection{s} across teams",))
    if thanks:
        s = "" if thanks == 1 else "s"
        lines.append((f"• {thanks} public thank-you note{s}",))
    if quotes:
        lines.append(("*In your words:*",))
        lines += [("> “", UserText(q), "”") for q in quotes]
    if learned:
        lines.append(("*What people learned from each other* (from public thank-you notes):",))
        for item in learned:
            noun = "person" if item.people == 1 else "people"
            helped = f" helped {item.people} {noun} with "
            lines.append(("• ", UserRef(item.helper), helped, UserText(item.topic)))
    if purpose:
        lines.append(fmt("*Why we do this:* {p}", p=UserText(purpose)))
    lines.append(("Thank you for making time for each other. ☕",))
    return Message(tuple(lines), mentions=tuple(dict.fromkeys(i.helper for i in learned)))


GHOST_AFTER_VALUES = "`ghost_after` is a number of rounds from 1 to 12, or `off`."
DIGEST_VALUES = "`digest` is `monthly` or `off`."
