"""Exclusions: `/coffee avoid` (private to whoever asks) and admins' `keep-apart` pairs."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import Line, Message, UserRef
from bot.wording.spans import mentions

AVOID_SELF = "You're never grouped with yourself anyway. 🙂"
AVOID_BOT = "Bots are never in a group, so there's nothing to avoid."
KEEP_APART_SAME = "Mention two different people."
_PRIVATE = " Only you know this: nobody is told, and `/coffee unavoid @person` undoes it."


def mention_people(count: int) -> str:
    if count == 1:
        return "Mention one person, like `@maya`."
    return "Mention two different people, like `@maya @li`."


def avoid_saved(user: str, already: bool) -> Line:
    first = "You already asked not to be grouped with " if already else "Got it: you won't be "
    middle = "" if already else "grouped with "
    return (first + middle, UserRef(user), "." + _PRIVATE)


def avoid_list(users: Sequence[str]) -> Line:
    if not users:
        return (
            "You haven't asked to avoid anyone. `/coffee avoid @person` keeps you out of their "
            "groups; only you will know.",
        )
    return ("You're never grouped with: ", *mentions(users, ", "), "." + _PRIVATE)


def unavoid_done(user: str, removed: bool) -> Line:
    if removed:
        return ("Done: you can be grouped with ", UserRef(user), " again.")
    return ("You hadn't asked to avoid ", UserRef(user), ", so nothing changed.")


def kept_apart(a: str, b: str, removed: bool, changed: bool) -> Line:
    if removed:
        verb = "are no longer kept apart." if changed else "weren't kept apart, so nothing changed."
    else:
        verb = "are now never grouped together." if changed else "were kept apart already."
    return (UserRef(a), " and ", UserRef(b), " " + verb)


def kept_apart_list(pairs: Sequence[tuple[str, str]]) -> Message:
    if not pairs:
        return Message((("No pairs are kept apart. `/coffee keep-apart @a @b` adds one.",),))
    lines: list[Line] = [("Never grouped together (set by admins):",)]
    lines += [("• ", UserRef(a), " and ", UserRef(b)) for a, b in pairs]
    lines.append(("`/coffee keep-apart remove @a @b` drops a pair.",))
    return Message(tuple(lines))
