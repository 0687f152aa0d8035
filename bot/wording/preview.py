"""Admins: the preview of the next round and `match-now`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.messages import Line, Message, Span, UserRef, UserText, text_message


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

    `violations` (`violation_lines`) are the program's rules the plan breaks; they are listed
    first whenever there are any.
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


RULE_BROKEN = {
    "different_team": "teammates together (rule.different_team is required)",
    "different_manager": "people with the same manager together (rule.different_manager)",
    "same_location": "people from different locations together (rule.same_location)",
    # Never says which pair: a `/coffee avoid` is private to whoever asked.
    "exclude": "a pair that is kept apart together (an avoid or keep-apart)",
}
VIOLATIONS_LISTED = 5  # groups named per preview; the rest are counted
VIOLATIONS_WHY = (
    "Required rules are only broken when no grouping of these people keeps them all "
    "(e.g. one team is most of the program); the fewest possible are broken."
)


def violation_lines(violations: Sequence[tuple[str, Sequence[str], int]]) -> list[Line]:
    """The rules a plan breaks, from (rule, group's user ids, pairs breaking it): how many
    groups break each rule, the first few groups, and why."""
    if not violations:
        return []
    counts = Counter(rule for rule, _, _ in violations)
    lines: list[Line] = [
        (f"{n} {'group puts' if n == 1 else 'groups put'} {RULE_BROKEN.get(rule, rule)}",)
        for rule, n in sorted(counts.items())
    ]
    for rule, members, pairs in violations[:VIOLATIONS_LISTED]:
        what = "kept-apart pair" if rule == "exclude" else f"rule.{rule}"
        count = f" ({pairs} {'pair breaks' if pairs == 1 else 'pairs break'} {what})"
        lines.append((*_names(members), count))
    if len(violations) > VIOLATIONS_LISTED:
        lines.append((f"…and {len(violations) - VIOLATIONS_LISTED} more",))
    lines.append((VIOLATIONS_WHY,))
    return lines


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
    return (
        f"Round {number} started {ago}. Start another round anyway? "
        f"`/coffee match-now confirm {number + 1}`"
    )


def round_already_started(number: int) -> str:
    """`match-now confirm N` when round N exists: a repeated confirmation starts nothing."""
    return f"Round {number} has already started; nothing new was started."


def no_such_next_round(asked: int, next_number: int) -> str:
    return f"The next round is round {next_number}, not {asked}: `/coffee match-now confirm {next_number}`"


NOBODY_TO_MATCH = "Nobody is available to match right now (everyone left or paused?)."
