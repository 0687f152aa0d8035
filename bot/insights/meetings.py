"""Who was grouped with whom and what they said: the closed rounds aggregated once (and kept
until something about them changes), the open round read live, then put together.

Closed rounds change rarely: a late answer to an old check-in (caught by `answered_since`), a
member deleted by forget-me (the member count changes), a new round closing the last one (the
round counter changes). The open round changes all the time and is small: always read.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from bot.insights import cache
from bot.states import RoundStatus
from storage.models import Program
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Tally:
    """The groups of some rounds (all closed ones, or the open one)."""

    outcomes: dict[int, Counter[str | None]]  # round number → outcome → groups
    matched: dict[int, int]  # round number → people placed
    pairs: dict[tuple[int, int], tuple[int, int]]  # (a, b), a < b → (first round, rounds met)
    placed: dict[int, int]  # member → groups placed in
    met_groups: dict[int, int]  # member → met groups
    answered: dict[int, int]  # member → check-ins answered
    adjacency: dict[int, dict[int, int]] = field(default_factory=dict)  # both directions
    firsts: Counter[int] = field(default_factory=Counter)  # round → pairs first met in it


async def tally(uow: UnitOfWork, program_id: int, status: str) -> Tally:
    outcomes: dict[int, Counter[str | None]] = {}
    for number, outcome, count in await uow.insights.outcomes(program_id, status):
        outcomes.setdefault(number, Counter())[outcome] += count
    pairs: dict[tuple[int, int], tuple[int, int]] = {}
    adjacency: dict[int, dict[int, int]] = {}
    for a, b, first, times in await uow.insights.pair_stats(program_id, status):
        pairs[(a, b)] = (first, times)
        adjacency.setdefault(a, {})[b] = times
        adjacency.setdefault(b, {})[a] = times
    placed, met, answered = {}, {}, {}
    for member, p, g, n in await uow.insights.per_member(program_id, status):
        placed[member], met[member], answered[member] = p, g, n
    return Tally(
        outcomes=outcomes,
        matched=await uow.insights.matched(program_id, status),
        pairs=pairs,
        placed=placed,
        met_groups=met,
        answered=answered,
        adjacency=adjacency,
        firsts=Counter(first for first, _ in pairs.values()),
    )


@dataclass(frozen=True, slots=True)
class Meetings:
    closed: Tally
    open: Tally
    closed_serial: int  # identifies the closed tally's computation (for caches built on it)

    def outcomes(self, number: int) -> Counter[str | None]:
        return self.open.outcomes.get(number) or self.closed.outcomes.get(number) or Counter()

    def matched(self, number: int) -> int:
        return self.open.matched.get(number, self.closed.matched.get(number, 0))

    def new_pairs(self) -> Counter[int]:
        """Round number → pairs who met for the first time in it."""
        firsts = Counter(self.closed.firsts)
        firsts.update(
            first for pair, (first, _) in self.open.pairs.items() if pair not in self.closed.pairs
        )
        return firsts

    def met_groups(self) -> Counter[int]:
        total = Counter(self.closed.met_groups)
        total.update(self.open.met_groups)
        return +total  # members with at least one met group

    def times(self, a: int, b: int) -> int:
        key = (a, b) if a < b else (b, a)
        return self.closed.pairs.get(key, (0, 0))[1] + self.open.pairs.get(key, (0, 0))[1]

    def pairs_among(self, members: set[int]) -> list[tuple[int, int, int]]:
        """(a, b, rounds met) for the pairs of `members` who met, a < b, sorted."""
        found: dict[tuple[int, int], int] = {}
        for tally_ in (self.closed, self.open):
            for a in members:
                for b, times in tally_.adjacency.get(a, {}).items():
                    if a < b and b in members:
                        found[(a, b)] = found.get((a, b), 0) + times
        return sorted((a, b, t) for (a, b), t in found.items())

    def never_answered(self, active: set[int], after: int) -> int:
        """Current members placed in ≥ `after` closed-round groups who never answered."""
        return sum(
            1
            for m, placed in self.closed.placed.items()
            if placed >= after
            and m in active
            and not self.closed.answered.get(m)
            and not self.open.answered.get(m)
        )


async def meetings(uow: UnitOfWork, program: Program, db: object, now: datetime) -> Meetings:
    """The program's meetings: closed rounds from the cache when nothing about them changed."""

    async def compute() -> Tally:
        return await tally(uow, program.id, RoundStatus.CLOSED)

    async def no_late_answers(entry: cache.Entry) -> bool:
        since = entry.computed_at - cache.MARGIN
        return not await uow.insights.answered_since(program.id, RoundStatus.CLOSED, since)

    members = await uow.insights.members_state(program.workspace_id)
    state = (program.last_round_number, members)
    key = ("closed", program.id)
    closed = await cache.remember(db, key, state, now, compute, no_late_answers)
    entry = cache.peek(db, key)
    return Meetings(
        closed=closed,
        open=await tally(uow, program.id, RoundStatus.OPEN),
        closed_serial=entry.serial if entry else 0,
    )
