"""Matching: who meets whom in a round, and why.

Importing this package is light (no numpy): the engine loads on first use of `match`.

    from bot.matching import Candidate, match, describe
    result = match(members, history, weights, seed=42)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.matching.explain import describe
from bot.matching.tags import normalize_tag
from bot.matching.types import Candidate, History, MatchedGroup, MatchResult, Reason, Weights

if TYPE_CHECKING:
    from bot.matching.engine import match

__all__ = [
    "Candidate",
    "History",
    "MatchResult",
    "MatchedGroup",
    "Reason",
    "Weights",
    "describe",
    "match",
    "normalize_tag",
]


def __getattr__(name: str) -> Any:
    if name == "match":
        from bot.matching.engine import match

        return match
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
