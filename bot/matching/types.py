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
    location: str | None = None
    manager: str | None = None


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the pair objective (see DESIGN.md, "Matching objective")."""

    interest: float = 10.0
    give: float = 15.0
    cross_team: float = 5.0
    timezone: float = 2.0
    repeat: float = 100.0
    repeat_decay: float = 0.7


TeamRule = Literal["required", "preferred", "off"]
ManagerRule = Literal["required", "off"]
LocationRule = Literal["required", "preferred", "off"]
RuleName = Literal["different_team", "different_manager", "same_location", "exclude"]

#: Weight of a pair in the same location when `same_location` is "preferred" (the same
#: size as the default cross-team weight: a nudge, not a constraint).
SAME_LOCATION_WEIGHT = 5.0


@dataclass(frozen=True, slots=True)
class Rules:
    """A program's grouping rules (see bot/matching/README.md, "Rules").

    - different_team: "preferred" (the default) adds `Weights.cross_team` per cross-team pair,
      as always; "required" also makes two members of one team in a group a violation;
      "off" ignores teams.
    - different_manager: "required" makes two members with the same manager a violation.
    - same_location: "required" makes two members of different locations a violation;
      "preferred" adds `location_weight` per pair in the same location.
    - exclude: pairs of ids never to be put in one group (a violation when they are).

    A rule only judges pairs where both members have the attribute set. Violations count
    pairs: the engine breaks as few as it can, then maximises the weight.
    """

    different_team: TeamRule = "preferred"
    different_manager: ManagerRule = "off"
    same_location: LocationRule = "off"
    exclude: frozenset[tuple[str, str]] = frozenset()
    location_weight: float = SAME_LOCATION_WEIGHT

    def __post_init__(self) -> None:
        # Pairs are kept in (smaller id, larger id) order, as `weights.pair_key` does.
        pairs = frozenset((a, b) if a <= b else (b, a) for a, b in self.exclude if a != b)
        object.__setattr__(self, "exclude", pairs)

    @property
    def hard(self) -> bool:
        """Whether any rule is a hard constraint."""
        return bool(
            self.different_team == "required"
            or self.different_manager == "required"
            or self.same_location == "required"
            or self.exclude
        )


DEFAULT_RULES = Rules()


@dataclass(frozen=True, slots=True)
class Violation:
    """One group breaking one rule (`pairs` of its members break it)."""

    rule: RuleName
    group: tuple[str, ...]
    pairs: int = 1


ReasonKind = Literal[
    "shared_interest",
    "give",
    "cross_team",
    "first_meeting",
    "met_before",
    "timezone",
    "same_location",
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
    - same_location: everyone is in `location` (can meet in person)

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
    location: str | None = None


@dataclass(frozen=True, slots=True)
class MatchedGroup:
    members: tuple[str, ...]
    weight: float
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True, slots=True)
class MatchResult:
    seed: int
    groups: tuple[MatchedGroup, ...] = field(default_factory=tuple)
    violations: tuple[Violation, ...] = ()

    @property
    def total_weight(self) -> float:
        return sum(g.weight for g in self.groups)
