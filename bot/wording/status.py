"""`/coffee status`, `history` and `stats`."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import ChannelRef, Line, Message, UserRef, UserText, fmt, text_message
from bot.wording.spans import channels, mentions

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
    skipping: Sequence[str] = (),
    location: str | None = None,
    hours: str | None = None,
) -> Message:
    def show(items: Sequence[str]) -> str:
        return ", ".join(items) if items else "—"

    lines: list[Line] = []
    if programs:
        lines.append(("In: ", *channels(programs)))
    else:
        lines.append(
            ("You haven't joined any coffee chats yet. `/coffee join` in a program channel.",)
        )
    if paused_until:
        lines.append((f"⏸ Paused {paused_until}.",))
    if skipping:
        lines.append(("⏭ Sitting out the next round in ", *channels(skipping), "."))
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
            *((" · Location: ", UserText(location)) if location else ()),
            " · Time zone: ",
            UserText(timezone or "—"),
            *((f" · Working hours: {hours}",) if hours else ()),
        )
    )
    if current:
        lines.append(("Current match: ", *mentions(current, ", ")))
    if next_round:
        lines.append((f"Next round: {next_round}.",))
    lines.append((f"Colleagues met so far: {met_count}.",))
    return Message(tuple(lines))


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
                f"• Groups that met: {met} ({rate}); {answered} {'group' if answered == 1 else 'groups'} answered a check-in\n"
                f"• Thank-you notes: {thanks}",
            ),
        )
    )
