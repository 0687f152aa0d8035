"""Every word WarmIntro says to people, in one place.

Voice: warm, brief, learning-framed, never guilt-tripping. Each function returns a `Message`
(or a string for short replies); user-supplied text is always wrapped in `UserText`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.actions import (
    Checkin,
    CheckinAnswer,
    EditProfile,
    JoinProgram,
    SkipQuestion,
    StartThanks,
)
from bot.messages import (
    Button,
    ChannelRef,
    Line,
    Message,
    Span,
    UserRef,
    UserText,
    fmt,
    text_message,
)

USAGE: dict[str, str] = {
    "join": "`/coffee join` — join the coffee chats of this channel",
    "leave": "`/coffee leave` — stop being matched in this channel",
    "pause": "`/coffee pause [2w | 10 days | until 2026-12-24]` — take a break (no argument: until you resume)",
    "resume": "`/coffee resume` — be matched again",
    "interests": "`/coffee interests climbing, jazz, sourdough` — what you're into (`clear` to empty)",
    "offer": "`/coffee offer python, public speaking` — what you can help others with",
    "learn": "`/coffee learn design, negotiation` — what you'd like to learn",
    "team": "`/coffee team Platform` — your team (we prefer matching across teams)",
    "timezone": "`/coffee timezone Europe/Berlin` or `/coffee timezone UTC+2`",
    "status": "`/coffee status` — your profile, current match and next round",
    "history": "`/coffee history` — who you've met",
    "stats": "`/coffee stats` — how this program is doing",
    "config": "`/coffee config [cadence|day|time|timezone|purpose|thanks-channel|active|weight.<name>] [value]` — program settings (admins)",
    "preview": "`/coffee preview` — the next round's groups, not saved (admins)",
    "match-now": "`/coffee match-now [confirm]` — start the next round now (admins; `confirm` starts another one within 10 minutes of the last)",
    "forget-me": "`/coffee forget-me` — delete everything WarmIntro knows about you",
    "help": "`/coffee help` — all commands",
    "thanks": "`/thanks @person [@person…] your note [--private]`",
}

HELP_ORDER = (
    "join", "leave", "pause", "resume", "interests", "offer", "learn", "team", "timezone",
    "status", "history", "stats", "forget-me", "config", "preview", "match-now",
)  # fmt: skip


def help_message(topic: str | None = None) -> Message:
    if topic:
        key = topic.lower().lstrip("/")
        if key in USAGE:
            return text_message(USAGE[key])
        return text_message(
            ("There's no command called `", UserText(topic[:40]), "`."), _all_commands()
        )
    return text_message(
        "*WarmIntro* pairs you with a colleague for a short chat every round — to learn "
        "something, not to network.",
        _all_commands(),
        "Say thanks any time: " + USAGE["thanks"],
    )


def _all_commands() -> str:
    return "\n".join("• " + USAGE[k] for k in HELP_ORDER)


def too_long(length: int, limit: int = 2000) -> str:
    return f"That's {length:,} characters; the limit is {limit:,}. Please shorten it and try again."


# Answers that echo what someone typed are lines, never formatted strings: the typed part is a
# `UserText` span, so "/coffee <!channel>" can't ping a channel from an error message.


def unknown_subcommand(word: str) -> Line:
    return ("I don't know the command `", UserText(word[:40]), "`. Here's what I can do:")


def unknown_user(token: str) -> Line:
    return (
        "I can't find ",
        UserText(token[:60]),
        " in this workspace. Mention them with @ and pick from the list.",
    )


def no_such_setting(key: str) -> Line:
    return ("There's no setting called `", UserText(key[:40]), "`.")


def setting_shown(key: str, value: str) -> Line:
    return (f"*{key}*: ", _setting(value))


def timezone_shown(label: str) -> Line:
    return ("Your time zone: ", UserText(label), ".")


# --- when something goes wrong, or a request can't be read ------------------------------------

SOMETHING_WENT_WRONG = "Something went wrong on our side; nothing was changed."
UNSAFE_TEXT = (
    "That text contains control characters or broken Unicode that I can't store. "
    "Please retype it without them."
)
BAD_REQUEST = "I couldn't read that request, so nothing was changed."
BUTTON_EXPIRED = "That button has expired. Try `/coffee status`."
FORM_EXPIRED = "That form has expired."


def too_many_recipients(limit: int) -> str:
    return f"You can thank at most {limit} people at once."


NOT_ADMIN = "Only the program's admins can do that (workspace admins and whoever added me here)."
NOT_A_PROGRAM = (
    "This channel has no coffee chats yet. Add me to a channel to start a program there, "
    "or run this in a channel that has one."
)
NEED_PROGRAM_CHANNEL = "Run this in the program's channel, so I know which program you mean."
NOT_JOINED = "You haven't joined the coffee chats here. `/coffee join` to start."
THANKS_SELF = "Thanking yourself is lovely, but I can only deliver thanks to someone else. 🙂"
THANKS_BOT = "That's kind, but bots don't drink coffee — thank a colleague instead."
FORGET_ME_CONFIRM = (
    "This deletes your profile, memberships, match history, check-ins and the thanks you sent. "
    "It can't be undone. To go ahead: `/coffee forget-me confirm`"
)
FORGOTTEN = "Done — I've deleted everything I knew about you. You're welcome back any time."
NOTHING_TO_FORGET = "I don't have any data about you. Nothing to delete."
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
PROGRAM_PAUSED = "The coffee chats here are paused by an admin right now."


def paused(until: datetime | None, tz: str) -> str:
    if until is None:
        return "Paused until you `/coffee resume`. Enjoy the break!"
    return f"Paused until {when(until, tz, with_time=False)}. I'll match you again after that."


RESUMED = "Welcome back! You'll be in the next round."
NO_TIMEZONE = "No time zone set."


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
PROGRAM_PAUSED = "I've been removed from this channel, so its coffee chats are paused."


def config_shown(settings: Sequence[tuple[str, str]]) -> Message:
    lines: list[Line] = [("Program settings:",)]
    lines += [(f"• *{k}*: ", _setting(v)) for k, v in settings]
    lines.append(("Change one with " + USAGE["config"],))
    return Message(tuple(lines))


def config_saved(key: str, value: str) -> Line:
    return (f"Saved: *{key}* is now ", _setting(value), ".")


def _setting(value: str) -> Span:
    """A setting's value: a channel mention as such, anything else as typed text."""
    if value.startswith("<#") and value.endswith(">"):
        return ChannelRef(value[2:-1])
    return UserText(value)


# --- the interview ----------------------------------------------------------------------------

INTERVIEW_QUESTIONS = {
    "interests": (
        "What are you into, at work or outside it? A few topics, separated by commas — "
        "e.g. _climbing, jazz, distributed systems_."
    ),
    "offers": "What could you help a colleague with? e.g. _python, giving feedback, cooking_.",
    "wants": "And what would you like to learn? e.g. _public speaking, design, negotiation_.",
}


def interview_intro(channel_id: str | None) -> Message:
    where: Line = fmt(" in {ch}", ch=ChannelRef(channel_id)) if channel_id else ()
    return Message(
        (
            (
                "Welcome to the coffee chats",
                *where,
                "! ☕ Three quick questions so I can "
                "pair you with people you'll enjoy talking to. Skip any you like.",
            ),
        )
    )


def interview_question(step: str, number: int) -> Message:
    return Message(
        ((f"*{number}/3* " + INTERVIEW_QUESTIONS[step],),),
        buttons=(
            Button(EditProfile().encode(), "Answer in a form", "primary"),
            Button(SkipQuestion(step).encode(), "Skip"),
        ),
    )


def interview_done(
    interests: Sequence[str], offers: Sequence[str], wants: Sequence[str]
) -> Message:
    def show(items: Sequence[str]) -> str:
        return ", ".join(items) if items else "—"

    return text_message(
        "All set, thanks! Here's what I'll use to find you good matches:",
        ("• Into: ", UserText(show(interests))),
        ("• Can help with: ", UserText(show(offers))),
        ("• Wants to learn: ", UserText(show(wants))),
        "Change any of it later with `/coffee interests`, `/coffee offer` or `/coffee learn`.",
    )


def interview_nothing_found() -> str:
    return (
        "I couldn't find any topics in that — try a few words separated by commas, or press Skip."
    )


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
) -> Message:
    names: list[str | UserRef] = []
    for i, user in enumerate(members):
        if i:
            names.append(" and " if i == len(members) - 1 else ", ")
        names.append(UserRef(user))
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
    lines.append(
        ("Find 30 minutes that works for everyone — whoever reads this first, suggest a time!",)
    )
    return Message(tuple(lines), buttons=checkin_buttons(group_id), mentions=tuple(members))


def checkin_buttons(group_id: int) -> tuple[Button, ...]:
    return (
        Button(Checkin(group_id, CheckinAnswer.SCHEDULED).encode(), "We've scheduled it"),
        Button(Checkin(group_id, CheckinAnswer.MET).encode(), "We met", "primary"),
        Button(Checkin(group_id, CheckinAnswer.SKIPPED).encode(), "Can't this time"),
    )


def checkin(stage: str, group_id: int) -> Message:
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


def checkin_recorded(user_id: str, answer: str) -> Message:
    label = {"scheduled": "scheduled a chat", "met": "met", "skipped": "can't make it this time"}[
        answer
    ]
    return Message(
        (
            fmt(
                "{u} says you've " + label + "." if answer != "skipped" else "{u} " + label + ".",
                u=UserRef(user_id),
            ),
        )
    )


def thanks_nudge(group_id: int, others: Sequence[str]) -> Message:
    names: list[str | UserRef] = []
    for i, user in enumerate(others):
        if i:
            names.append(" and ")
        names.append(UserRef(user))
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
    return Message(
        (
            fmt(
                "You're the only one available in {ch} this round, so no match this time. "
                "Invite a colleague to join!",
                ch=ChannelRef(channel_id),
            ),
        )
    )


def partner_unavailable(channel_id: str) -> Message:
    return Message(
        (
            fmt(
                "Your match in {ch} is no longer available this round, sorry! "
                "You'll be first in line next round.",
                ch=ChannelRef(channel_id),
            ),
        )
    )


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


def no_round_yet() -> str:
    return "No round has run yet."


@dataclass(frozen=True, slots=True)
class PreviewGroup:
    """One planned group as the preview shows it (`rounds.describe_plan` builds these)."""

    members: tuple[str, ...]  # platform user ids
    weight: float
    reasons: tuple[str, ...] = ()  # in words; names and topics as people typed them
    met_before: bool = False  # some of them were grouped in a recent round


PREVIEW_LIST_ALL = 20  # up to this many groups the preview lists every one; beyond, a summary
PREVIEW_EXTREMES = 5  # the summary's best and lowest groups
REASONS_SHOWN = 200  # characters of a group's reasons when every group is listed
REASONS_SHOWN_SUMMARY = 80  # …in the summary (it must fit one Discord message)
_SIZE_NAMES = {2: ("pair", "pairs"), 3: ("trio", "trios")}


def preview_message(groups: Sequence[PreviewGroup], violations: Sequence[Line] = ()) -> Message:
    """The next round, not saved: every group for a small program, else a summary.

    `violations` are the program's rules the plan breaks (none exist yet: the matcher has no
    hard rules so far); they are listed first whenever there are any.
    """
    if not groups:
        return text_message("Not enough people for a round yet (at least two are needed).")
    if len(groups) <= PREVIEW_LIST_ALL:
        lines: list[Line] = [
            (f"*Preview of the next round* ({len(groups)} groups, not saved):",),
            *_violations(violations),
        ]
        lines += [_preview_group(g, REASONS_SHOWN) for g in groups]
        return Message(tuple(lines))
    return _preview_summary(groups, violations)


def _preview_summary(groups: Sequence[PreviewGroup], violations: Sequence[Line]) -> Message:
    members = sum(len(g.members) for g in groups)
    sizes = Counter(len(g.members) for g in groups)
    usual = sizes.most_common(1)[0][0]
    odd = [g for g in groups if len(g.members) != usual]
    weights = [g.weight for g in groups]
    repeats = sum(1 for g in groups if g.met_before)
    ranked = sorted(range(len(groups)), key=lambda i: (-groups[i].weight, i))
    lines: list[Line] = [
        (
            f"*Preview of the next round* (not saved): {members:,} members in "
            f"{len(groups):,} groups — {_sizes(sizes)}.",
        ),
    ]
    if 0 < len(odd) <= 3:
        for g in odd:
            lines.append((f"• {_size_name(len(g.members)).capitalize()}: ", *_names(g.members)))
    lines.append(
        (
            f"• Scores: average {sum(weights) / len(weights):.1f}, "
            f"lowest {min(weights):.1f}, highest {max(weights):.1f}",
        )
    )
    lines.append(
        (
            f"• {len(groups) - repeats:,} groups meet for the first time, "
            f"{repeats:,} have met before",
        )
    )
    lines += _violations(violations) or [("• Rule violations: none",)]
    lines.append((f"*Best {PREVIEW_EXTREMES} groups:*",))
    lines += [_preview_group(groups[i], REASONS_SHOWN_SUMMARY) for i in ranked[:PREVIEW_EXTREMES]]
    lines.append((f"*Lowest {PREVIEW_EXTREMES} groups:*",))
    worst = ranked[-PREVIEW_EXTREMES:][::-1]
    lines += [_preview_group(groups[i], REASONS_SHOWN_SUMMARY) for i in worst]
    lines.append(
        (f"_Too many groups to list here; these are the {PREVIEW_EXTREMES * 2} extremes._",)
    )
    return Message(tuple(lines))


def _violations(violations: Sequence[Line]) -> list[Line]:
    if not violations:
        return []
    return [(f"• *Rule violations ({len(violations)}):*",), *(("  ◦ ", *v) for v in violations)]


def _preview_group(group: PreviewGroup, reasons_shown: int) -> Line:
    line: list[Span] = ["• ", *_names(group.members), f" — score {group.weight:.1f}"]
    if group.reasons:
        # Cut before escaping: the adapter escapes what is left, so no escape is ever split.
        line += [": ", UserText(shorten("; ".join(group.reasons), reasons_shown))]
    return tuple(line)


def _names(members: Sequence[str]) -> list[Span]:
    names: list[Span] = []
    for i, user in enumerate(members):
        if i:
            names.append(" + ")
        names.append(UserRef(user))
    return names


def _size_name(size: int, count: int = 1) -> str:
    singular, plural = _SIZE_NAMES.get(size, (f"group of {size}", f"groups of {size}"))
    return singular if count == 1 else plural


def _sizes(sizes: Counter[int]) -> str:
    parts = [f"{n:,} {_size_name(size, n)}" for size, n in sorted(sizes.items())]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def shorten(text: str, limit: int) -> str:
    """Text clipped to `limit` characters with "…" (before any escaping)."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def more_lines(count: int) -> str:
    """The note that ends a message too long for the platform."""
    return f"…and {count:,} more line{'s' if count != 1 else ''} not shown here."


def round_started(number: int, groups: int, channel_id: str) -> str:
    return (
        f"Round {number} has started: {groups} groups in <#{channel_id}> are getting their intros."
    )


PLATFORM_NAMES = {"slack": "Slack", "discord": "Discord", "console": "The console"}


def _groups(count: int) -> str:
    return f"{count} group" if count == 1 else f"{count} groups"


def round_started_now(
    number: int, groups: int, platform: str, fallback_as_of: str | None = None
) -> str:
    """`match-now` saved the round; the intros go out after this answer."""
    text = f"Round {number} started: {_groups(groups)}; intros are on their way."
    if fallback_as_of:
        name = PLATFORM_NAMES.get(platform, platform.capitalize())
        text += (
            f" {name} didn't answer when I checked the channel's members, so I used the "
            f"members I knew as of {fallback_as_of}."
        )
    return text


def round_started_elsewhere(number: int) -> str:
    """The `match-now` that lost the race to another request (a replica, a double click)."""
    return f"Round {number} was just started (by another request); intros are on their way."


def match_now_confirm(number: int, ago_seconds: float) -> str:
    minutes = int(ago_seconds // 60)
    if minutes < 1:
        ago = "less than a minute ago"
    else:
        ago = f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    return f"Round {number} started {ago}. Start another round anyway? `/coffee match-now confirm`"


NOBODY_TO_MATCH = "Nobody is available to match right now (everyone left or paused?)."


# --- thanks -----------------------------------------------------------------------------------


def thanks_public(sender: str, recipients: Sequence[str], text: str) -> Message:
    names: list[str | UserRef] = []
    for i, user in enumerate(recipients):
        if i:
            names.append(", ")
        names.append(UserRef(user))
    return Message(
        (("🙏 ", UserRef(sender), " thanks ", *names, ":"), (UserText(text),)),
        mentions=(sender, *recipients),
    )


def thanks_dm(sender: str, text: str, public: bool, channel_id: str | None) -> Message:
    lines: list[Line] = [fmt("🙏 {s} sent you a thank-you:", s=UserRef(sender)), (UserText(text),)]
    if public and channel_id:
        lines.append(fmt("(It's also posted in {ch}.)", ch=ChannelRef(channel_id)))
    return Message(tuple(lines))


def thanks_sent(recipients: Sequence[str], public: bool, channel_id: str | None) -> Message:
    names: list[str | UserRef] = []
    for i, user in enumerate(recipients):
        if i:
            names.append(", ")
        names.append(UserRef(user))
    where: Line = (
        fmt(" and posted it in {ch}", ch=ChannelRef(channel_id)) if public and channel_id else ()
    )
    lines: list[Line] = [("Thanks sent to ", *names, *where, ". 💛")]
    if public and not channel_id:
        lines.append(
            (
                "There's no coffee-chat channel to post it in from here, so only they got it. "
                "Run /thanks in a program channel to thank them publicly.",
            )
        )
    return Message(tuple(lines))


THANKS_FORM_TITLE = "Send thanks"
THANKS_FORM_LABELS = {
    "recipients": "Who would you like to thank?",
    "message": "What are you thankful for?",
    "private": "Send privately (only they see it)",
}
THANKS_PICK_SOMEONE = "Pick at least one person to thank."
THANKS_ADD_WORDS = "Add a few words about what you're thankful for."
THANKS_MENTION_FIRST = "Who would you like to thank? Mention them first."
YOUR_NOTE = "Your note"  # how a too-long thank-you note is named
NOT_YOUR_BUTTON = "That button isn't for you."
PROFILE_FORM_TITLE = "Your coffee profile"
PROFILE_FORM_SUBMIT = "Save"
PROFILE_LABELS = {
    "interests": "What are you into? (comma-separated)",
    "offers": "What could you help a colleague with?",
    "wants": "What would you like to learn?",
    "team": "Your team",
}


# --- status, history, stats -------------------------------------------------------------------


def status_message(
    programs: Sequence[str],
    paused_until: str | None,
    interests: Sequence[str],
    offers: Sequence[str],
    wants: Sequence[str],
    team: str | None,
    timezone: str | None,
    current: Sequence[str] | None,
    next_round: str | None,
    met_count: int,
) -> Message:
    def show(items: Sequence[str]) -> str:
        return ", ".join(items) if items else "—"

    lines: list[Line] = []
    if programs:
        lines.append(("In: ", *_join_channels(programs)))
    else:
        lines.append(
            ("You haven't joined any coffee chats yet. `/coffee join` in a program channel.",)
        )
    if paused_until:
        lines.append((f"⏸ Paused {paused_until}.",))
    lines.append(
        (
            "Into: ",
            UserText(show(interests)),
            "\nCan help with: ",
            UserText(show(offers)),
            "\nWants to learn: ",
            UserText(show(wants)),
            "\nTeam: ",
            UserText(team or "—"),
            " · Time zone: ",
            UserText(timezone or "—"),
        )
    )
    if current:
        names: list[str | UserRef] = ["Current match: "]
        for i, user in enumerate(current):
            if i:
                names.append(", ")
            names.append(UserRef(user))
        lines.append(tuple(names))
    if next_round:
        lines.append((f"Next round: {next_round}.",))
    lines.append((f"Colleagues met so far: {met_count}.",))
    return Message(tuple(lines))


def _join_channels(channel_ids: Sequence[str]) -> list[str | ChannelRef]:
    out: list[str | ChannelRef] = []
    for i, ch in enumerate(channel_ids):
        if i:
            out.append(", ")
        out.append(ChannelRef(ch))
    return out


def history_message(rows: Sequence[tuple[str, Sequence[str], str | None]]) -> Message:
    if not rows:
        return text_message("No matches yet — your first one is coming next round.")
    lines: list[Line] = [("*Your recent matches:*",)]
    for day, partners, outcome in rows:
        line: list[str | UserRef] = [f"• {day}: "]
        for i, user in enumerate(partners):
            if i:
                line.append(", ")
            line.append(UserRef(user))
        if outcome:
            line.append(f" ({OUTCOME_LABELS.get(outcome, outcome)})")
        lines.append(tuple(line))
    return Message(tuple(lines))


OUTCOME_LABELS = {"met": "met ✅", "scheduled": "scheduled", "skipped": "skipped"}


def stats_message(
    channel_id: str,
    members: int,
    paused: int,
    rounds: int,
    groups: int,
    met: int,
    answered: int,
    thanks: int,
) -> Message:
    rate = f"{round(100 * met / groups)}%" if groups else "—"
    return Message(
        (
            fmt("*Coffee chats in {ch}*", ch=ChannelRef(channel_id)),
            (
                f"• Members: {members} ({paused} paused)\n• Rounds: {rounds} · Groups: {groups}\n"
                f"• Groups that met: {met} ({rate}); {answered} groups answered a check-in\n"
                f"• Thank-you notes: {thanks}",
            ),
        )
    )


def describe_reasons(texts: Sequence[str]) -> list[str]:
    return list(texts)


NameFn = Callable[[str], str]
