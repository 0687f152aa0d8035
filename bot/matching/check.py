"""The shape every round must have, checked (the engine checks its own output with it)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence

from bot.matching.sizes import group_sizes

logger = logging.getLogger(__name__)


class InvalidGrouping(ValueError):
    """A grouping that does not place every member exactly once in pairs (+ one trio)."""


def check_groups(groups: Sequence[Sequence[str]], ids: Iterable[str], group_size: int = 2) -> None:
    """Raise `InvalidGrouping` unless `groups` places each of `ids` exactly once, in groups
    of the sizes `sizes.group_sizes` gives (for pairs: pairs plus exactly one group of three
    when the count is odd; no groups for 0 or 1 member)."""
    wanted = Counter(ids)
    if any(c > 1 for c in wanted.values()):
        raise InvalidGrouping("duplicate member ids")
    placed = Counter(p for g in groups for p in g)
    if len(wanted) < 2:
        if groups:
            raise InvalidGrouping("fewer than two members cannot be grouped")
        return
    if placed != wanted:
        missing = sorted(set(wanted) - set(placed))
        extra = sorted(p for p, c in placed.items() if c > wanted.get(p, 0))
        raise InvalidGrouping(f"members missing {missing[:5]} or placed wrongly {extra[:5]}")
    n = len(wanted)
    sizes = sorted(len(g) for g in groups)
    expected = sorted(group_sizes(n, group_size))
    if sizes != expected:
        raise InvalidGrouping(f"group sizes {Counter(sizes)} for {n} members")
