"""Lists of people and channels as typed spans (never formatted mentions)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import ChannelRef, Span, UserRef


def mentions(users: Sequence[str], separator: str) -> list[Span]:
    """People as `UserRef` spans, with `separator` between them."""
    return _joined([UserRef(u) for u in users], separator)


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
