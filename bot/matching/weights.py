"""The pair objective of DESIGN.md ("Matching objective"), one pair at a time.

weight(a, b) = interest·S + give·G + cross_team·X − timezone·Z − repeat·R with

- S = Σ over interests t shared by a and b of ln(1 + N / df(t)), df over the eligible members;
- G = |offers(a) ∩ wants(b)| + |offers(b) ∩ wants(a)|;
- X = 1 when both teams are set and differ;
- Z = max(0, Δh − 3), Δh the circular difference of UTC offsets in hours (0–12), both set;
- R = decay^(r − 1), r ≥ 1 the number of rounds since a and b last shared a group, 0 if never.

Tags are expected to be normalised already (see `bot.matching.tags`). The vectorised
counterpart used at scale lives in `bot.matching.features`; both must agree.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from bot.matching.types import DEFAULT_RULES, Candidate, History, Rules, Weights

logger = logging.getLogger(__name__)

#: The default weights of DESIGN.md (a shared, immutable instance).
DEFAULT_WEIGHTS = Weights()

#: Time-zone differences up to this many hours cost nothing.
TIMEZONE_FREE_HOURS = 3.0

#: What the engine charges itself for each pair breaking a required rule or an exclusion:
#: far more than any grouping's weight can differ by, so it breaks as few as it can first.
#: Reported weights never include it (violations are reported on their own).
HARD_PENALTY = 1e6


def pair_key(a: str, b: str) -> tuple[str, str]:
    """The order-independent key of a pair of ids."""
    return (a, b) if a <= b else (b, a)


def interest_idf(members: Sequence[Candidate]) -> dict[str, float]:
    """ln(1 + N / df(t)) for every interest t listed by at least one member."""
    n = len(members)
    df: Counter[str] = Counter()
    for m in members:
        df.update(m.interests)
    return {t: math.log1p(n / d) for t, d in df.items()}


def circular_hours(a: float, b: float) -> float:
    """Difference of two UTC offsets around the clock, in hours (0–12)."""
    d = abs(a - b) % 24.0
    return min(d, 24.0 - d)


def last_met(history: History, ids: Iterable[str] | None = None) -> dict[tuple[str, str], int]:
    """Rounds ago (1 = the last round) each pair last shared a group.

    `history` is oldest first. Ids outside `ids` (when given) are ignored.
    """
    keep = None if ids is None else set(ids)
    out: dict[tuple[str, str], int] = {}
    total = len(history)
    for index in range(total - 1, -1, -1):
        ago = total - index
        for group in history[index]:
            if len(group) == 2:  # the common case, without the general loops
                a, b = group
                if a != b and (keep is None or (a in keep and b in keep)):
                    key = (a, b) if a <= b else (b, a)
                    if key not in out:
                        out[key] = ago
                continue
            people = [p for p in group if keep is None or p in keep]
            for i, a in enumerate(people):
                for b in people[i + 1 :]:
                    if a != b:
                        out.setdefault(pair_key(a, b), ago)
    return out


def previous_trio(history: History, group_size: int = 2) -> frozenset[str]:
    """Everyone who was in an off-size group (not of `group_size`) in the last round.

    For pairs (the default) that is everyone in a group of three or more.
    """
    if not history:
        return frozenset()
    if group_size == 2:
        return frozenset(p for g in history[-1] if len(g) >= 3 for p in g)
    return frozenset(p for g in history[-1] if len(g) != group_size for p in g)


@dataclass(frozen=True, slots=True)
class PairTerms:
    """The raw terms of one pair's weight (before multiplying by the weights)."""

    s: float = 0.0
    g: int = 0
    x: int = 0
    z: float = 0.0
    r: float = 0.0

    def weight(self, w: Weights) -> float:
        return (
            w.interest * self.s
            + w.give * self.g
            + w.cross_team * self.x
            - (w.timezone * self.z + w.repeat * self.r)
        )


class PairScorer:
    """Scores pairs of one round's eligible members."""

    def __init__(
        self,
        members: Sequence[Candidate],
        history: History = (),
        weights: Weights = DEFAULT_WEIGHTS,
        idf: Mapping[str, float] | None = None,
        met: Mapping[tuple[str, str], int] | None = None,
        rules: Rules = DEFAULT_RULES,
    ) -> None:
        if rules.different_team == "off":
            weights = replace(weights, cross_team=0.0)
        self.weights = weights
        self.rules = rules
        self.location_weight = rules.location_weight if rules.same_location == "preferred" else 0.0
        self.idf: Mapping[str, float] = interest_idf(members) if idf is None else idf
        self.met: Mapping[tuple[str, str], int] = (
            last_met(history, (m.id for m in members)) if met is None else met
        )

    def rounds_ago(self, a: str, b: str) -> int | None:
        return self.met.get(pair_key(a, b))

    def terms(self, a: Candidate, b: Candidate) -> PairTerms:
        idf = self.idf
        s = math.fsum(idf[t] for t in a.interests & b.interests)
        g = len(a.offers & b.wants) + len(b.offers & a.wants)
        x = int(a.team is not None and b.team is not None and a.team != b.team)
        z = 0.0
        if a.utc_offset_hours is not None and b.utc_offset_hours is not None:
            z = max(
                0.0, circular_hours(a.utc_offset_hours, b.utc_offset_hours) - TIMEZONE_FREE_HOURS
            )
        ago = self.rounds_ago(a.id, b.id)
        r = 0.0 if ago is None else self.weights.repeat_decay ** (ago - 1)
        return PairTerms(s, g, x, z, r)

    def weight(self, a: Candidate, b: Candidate) -> float:
        w = self.terms(a, b).weight(self.weights)
        if self.location_weight and a.location is not None and a.location == b.location:
            w += self.location_weight
        return w

    def broken(self, a: Candidate, b: Candidate) -> list[str]:
        """The rules (required ones, and exclusions) that putting a and b together breaks."""
        rules = self.rules
        out = []
        if rules.different_team == "required" and a.team is not None and a.team == b.team:
            out.append("different_team")
        if (
            rules.different_manager == "required"
            and a.manager is not None
            and a.manager == b.manager
        ):
            out.append("different_manager")
        if (
            rules.same_location == "required"
            and a.location is not None
            and b.location is not None
            and a.location != b.location
        ):
            out.append("same_location")
        if rules.exclude and pair_key(a.id, b.id) in rules.exclude:
            out.append("exclude")
        return out

    def group_weight(self, group: Sequence[Candidate]) -> float:
        """A group's weight: the sum of its pairs' weights (a trio counts three pairs)."""
        return sum(self.weight(a, b) for i, a in enumerate(group) for b in group[i + 1 :])


def pair_weight(
    a: Candidate,
    b: Candidate,
    members: Sequence[Candidate],
    history: History = (),
    weights: Weights = DEFAULT_WEIGHTS,
) -> float:
    """weight(a, b) among `members` (convenience for one-off use and tests)."""
    return PairScorer(members, history, weights).weight(a, b)
