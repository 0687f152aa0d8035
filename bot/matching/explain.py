"""Render structured `Reason`s as short, friendly English phrases.

User-facing copy for match reasons lives here (and only here).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bot.matching.types import Reason

logger = logging.getLogger(__name__)


def join_words(words: Sequence[str]) -> str:
    """Join words in English: ``["a", "b", "c"]`` -> ``"a, b and c"``."""
    words = list(words)
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _hours(h: float) -> str:
    value = round(h, 1)
    text = f"{int(value)}" if value == int(value) else f"{value:g}"
    return f"{text} hour apart" if value == 1 else f"{text} hours apart"


def describe(reason: Reason, name: Callable[[str], str] = str) -> str:
    """One reason as a short phrase, e.g. ``"you're both into climbing and jazz"``.

    `name` turns a member id into a display name (or a platform mention).
    """
    everyone = "both" if reason.group_size <= 2 else "all"
    match reason.kind:
        case "shared_interest":
            tags = join_words(reason.tags)
            if reason.members:
                some = "both" if len(reason.members) == 2 else "all"
                return f"{join_words([name(m) for m in reason.members])} are {some} into {tags}"
            return f"you're {everyone} into {tags}"
        case "give":
            giver = name(reason.giver or "someone")
            receiver = name(reason.receiver or "someone")
            return f"{giver} can help {receiver} with {join_words(reason.tags)}"
        case "cross_team":
            return f"different teams ({', '.join(reason.teams)})"
        case "same_location":
            return f"you're {everyone} in {reason.location} — meet in person"
        case "first_meeting":
            return "first time you've been matched"
        case "met_before":
            ago = reason.rounds_ago or 1
            when = "met last round" if ago == 1 else f"last met {ago} rounds ago"
            if reason.members:
                return f"{join_words([name(m) for m in reason.members])} {when}"
            return when
        case "timezone":
            suits = "both" if reason.group_size <= 2 else "all of you"
            return f"{_hours(reason.hours or 0.0)} — pick a time that suits {suits}"
    logger.warning("unknown reason kind %r", reason.kind)  # pragma: no cover
    return reason.kind  # pragma: no cover


def describe_all(reasons: Sequence[Reason], name: Callable[[str], str] = str) -> list[str]:
    """Every reason of a group, in order."""
    return [describe(r, name) for r in reasons]
