"""Why a group was matched, as structured `Reason`s, best first.

Order (best first): shared interests (rarest first; in groups of three or more, also those
shared by some members only), who can help whom with what, different teams, the same
location (when the program's `same_location` rule is on), first meeting or "last met N
rounds ago", and a time-zone note. A term whose weight is zero in the program is not
mentioned (except the meeting history, which is always useful).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import combinations

from bot.matching.types import Candidate, Reason
from bot.matching.weights import TIMEZONE_FREE_HOURS, PairScorer, circular_hours

logger = logging.getLogger(__name__)


def _rarest_first(tags: frozenset[str], scorer: PairScorer) -> tuple[str, ...]:
    idf = scorer.idf
    return tuple(sorted(tags, key=lambda t: (-idf.get(t, 0.0), t)))


def _shared_by_some(
    group: Sequence[Candidate], everyone: frozenset[str], scorer: PairScorer
) -> list[Reason]:
    """Interests shared by several members of a group but not all: one reason per set of
    members (bigger sets first, then in the group's order), tags rarest first."""
    holders: dict[str, list[int]] = {}
    for i, m in enumerate(group):
        for t in m.interests - everyone:
            holders.setdefault(t, []).append(i)
    by_set: dict[tuple[int, ...], set[str]] = {}
    for t, who in holders.items():
        if len(who) >= 2:
            by_set.setdefault(tuple(who), set()).add(t)
    out = []
    for who in sorted(by_set, key=lambda w: (-len(w), w)):
        out.append(
            Reason(
                "shared_interest",
                tags=_rarest_first(frozenset(by_set[who]), scorer),
                members=tuple(group[i].id for i in who),
                group_size=len(group),
            )
        )
    return out


def _common_location(group: Sequence[Candidate], scorer: PairScorer) -> str | None:
    """The location everyone shares, when the program cares about location."""
    if scorer.rules.same_location == "off":
        return None
    places = {m.location for m in group}
    if len(places) == 1:
        return next(iter(places))
    return None


def group_reasons(group: Sequence[Candidate], scorer: PairScorer) -> tuple[Reason, ...]:
    """The reasons of one group (of any size), best first."""
    w = scorer.weights
    size = len(group)
    reasons: list[Reason] = []
    if size < 2:
        return ()
    pairs = list(combinations(group, 2))

    if w.interest:
        everyone = frozenset.intersection(*(m.interests for m in group))
        if everyone:
            reasons.append(
                Reason("shared_interest", tags=_rarest_first(everyone, scorer), group_size=size)
            )
        if size > 2:
            reasons.extend(_shared_by_some(group, everyone, scorer))

    if w.give:
        gives: list[Reason] = []
        for a, b in pairs:
            for giver, receiver in ((a, b), (b, a)):
                common = giver.offers & receiver.wants
                if common:
                    gives.append(
                        Reason(
                            "give",
                            tags=tuple(sorted(common)),
                            giver=giver.id,
                            receiver=receiver.id,
                            group_size=size,
                        )
                    )
        gives.sort(key=lambda r: (-len(r.tags), r.giver or "", r.receiver or ""))
        reasons.extend(gives)

    if w.cross_team:
        teams = [m.team for m in group]
        distinct = sorted({t for t in teams if t is not None})
        if all(t is not None for t in teams) and len(distinct) > 1:
            reasons.append(Reason("cross_team", teams=tuple(distinct), group_size=size))

    location = _common_location(group, scorer)
    if location is not None:
        reasons.append(Reason("same_location", location=location, group_size=size))

    met = [
        (ago, a.id, b.id) for a, b in pairs if (ago := scorer.rounds_ago(a.id, b.id)) is not None
    ]
    if not met:
        reasons.append(Reason("first_meeting", group_size=size))
    else:
        ago, a_id, b_id = min(met)
        who = () if size == 2 else (a_id, b_id)
        reasons.append(Reason("met_before", rounds_ago=ago, members=who, group_size=size))

    if w.timezone:
        spread = 0.0
        for a, b in pairs:
            if a.utc_offset_hours is not None and b.utc_offset_hours is not None:
                spread = max(spread, circular_hours(a.utc_offset_hours, b.utc_offset_hours))
        if spread > TIMEZONE_FREE_HOURS:
            reasons.append(Reason("timezone", hours=spread, group_size=size))
    return tuple(reasons)
