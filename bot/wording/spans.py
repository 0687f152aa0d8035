"""Lists of people and channels as typed spans (never formatted mentions)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import ChannelRef, Span, UserRef


def mentions(users: Sequence[str], separator: str) -> list[Span]:
    """People as `UserRef` spans, with `separator` between them."""
    return _joined([UserRef(u) for u in users], separator)


def listing(users: Sequence[str]) -> list[Span]:
    """People as `UserRef` spans in a sentence: "@a", "@a and @b", "@a, @b and @c"."""
    out: list[Span] = []
    for i, user in enumerate(users):
        if i:
            out.append(" and " if i == len(users) - 1 else ", ")
        out.append(UserRef(user))
    return out


def channels(channel_ids: Sequence[str]) -> list[Span]:
    """Channels as `ChannelRef` spans, separated by commas."""
    return _joined([ChannelRef(c) for c in channel_ids], ", ")


def _joined(spans: Sequence[Span], separator: str) -> list[Span]:
    out: list[Span] = []
    for i, span in enumerate(spans):
        if i:
            out.append(separator)
        out.append(span)
    return out
