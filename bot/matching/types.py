"""Data types shared by every matcher and by the core that calls it.

The core builds `Candidate`s from stored profiles (tags already normalised), passes the
program's past rounds as `history` and the program's `Weights`, and gets back a
`MatchResult`. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

# Past rounds, oldest first; each round is a list of groups; each group a sequence of ids.
History = Sequence[Sequence[Sequence[str]]]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One eligible member as the matcher sees them (tags already normalised)."""

    id: str
    interests: frozenset[str] = frozenset()
    offers: frozenset[str] = frozenset()
    wants: frozenset[str] = frozenset()
    team: str | None = None
    utc_offset_hours: float | None = None


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the pair objective (see DESIGN.md, "Matching objective")."""

    interest: float = 10.0
    give: float = 15.0
    cross_team: float = 5.0
    timezone: float = 2.0
    repeat: float = 100.0
    repeat_decay: float = 0.7


ReasonKind = Literal[
    "shared_interest", "give", "cross_team", "first_meeting", "met_before", "timezone"
]


@dataclass(frozen=True, slots=True)
class Reason:
    """One structured reason a group was matched; rendered into words by `explain`.

    - shared_interest: `tags` shared by everyone in the pair/group (rarest first)
    - give: `giver` can help `receiver` with `tags`
    - cross_team: `teams` are different
    - first_meeting: these people have never been grouped before
    - met_before: last grouped `rounds_ago` rounds ago
    - timezone: `hours` apart (only mentioned when it is a real difference)

    `members` names the part of the group a reason is about when it is not the whole group
    (e.g. two people of a trio who share an interest); empty means everyone. `group_size` is
    the size of the group, so the reason can be worded "you're both" or "you're all".
    """

    kind: ReasonKind
    tags: tuple[str, ...] = ()
    giver: str | None = None
    receiver: str | None = None
    teams: tuple[str, ...] = ()
    rounds_ago: int | None = None
    hours: float | None = None
    members: tuple[str, ...] = ()
    group_size: int = 2


@dataclass(frozen=True, slots=True)
class MatchedGroup:
    members: tuple[str, ...]
    weight: float
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True, slots=True)
class MatchResult:
    seed: int
    groups: tuple[MatchedGroup, ...] = field(default_factory=tuple)

    @property
    def total_weight(self) -> float:
        return sum(g.weight for g in self.groups)
