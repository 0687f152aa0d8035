"""Who was grouped with whom and what they said: each closed round aggregated once (and kept
until something about it changes), the open round read live, then put together with numpy.

A closed round changes rarely: a late answer to its check-in (found by looking at the answers
given since the last look, an indexed range), or a member deleted by forget-me (every
forget-me adds an opt-out row). A new round closes the previous one: only that round is read.
The open round changes all the time and is small: always read.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.insights import cache
from bot.states import RoundStatus
from storage.models import Program
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

Ints = npt.NDArray[np.int64]
_SHIFT = np.int64(32)
_LOW = np.int64((1 << 32) - 1)
_EMPTY: Ints = np.zeros(0, dtype=np.int64)


def _ints(values: Any) -> Ints:
    return np.asarray(values, dtype=np.int64).reshape(-1)


@dataclass(frozen=True, slots=True)
class PerMember:
    """Aligned arrays: member ids (sorted, unique) and their counts."""

    ids: Ints
    placed: Ints  # groups placed in
    met: Ints  # met groups
    answered: Ints  # check-ins answered

    @staticmethod
    def of(rows: list[tuple[int, int, int, int]]) -> PerMember:
        if not rows:
            return PerMember(_EMPTY, _EMPTY, _EMPTY, _EMPTY)
        table = np.array(rows, dtype=np.int64)
        table = table[np.argsort(table[:, 0], kind="stable")]
        return PerMember(table[:, 0], table[:, 1], table[:, 2], table[:, 3])

    @staticmethod
    def merge(parts: list[PerMember]) -> PerMember:
        parts = [p for p in parts if len(p.ids)]
        if not parts:
            return PerMember(_EMPTY, _EMPTY, _EMPTY, _EMPTY)
        ids, inverse = np.unique(np.concatenate([p.ids for p in parts]), return_inverse=True)

        def total(field: str) -> Ints:
            values = np.concatenate([getattr(p, field) for p in parts])
            return np.bincount(inverse, weights=values, minlength=len(ids)).astype(np.int64)

        return PerMember(_ints(ids), total("placed"), total("met"), total("answered"))


@dataclass(frozen=True, slots=True)
class Pairs:
    """Distinct pairs who met: keys a << 32 | b (a < b, sorted, unique), the first round they
    met in, and in how many rounds."""

    keys: Ints
    first: Ints
    times: Ints

    @staticmethod
    def of(rows: list[tuple[int, int, int, int]]) -> Pairs:
        if not rows:
            return Pairs(_EMPTY, _EMPTY, _EMPTY)
        table = np.array(rows, dtype=np.int64)
        keys = (table[:, 0] << _SHIFT) | table[:, 1]
        order = np.argsort(keys, kind="stable")
        return Pairs(keys[order], table[order, 2], table[order, 3])

    @staticmethod
    def merge(parts: list[Pairs]) -> Pairs:
        """Parts in round order: a pair's first round is its first appearance."""
        parts = [p for p in parts if len(p.keys)]
        if not parts:
            return Pairs(_EMPTY, _EMPTY, _EMPTY)
        keys = np.concatenate([p.keys for p in parts])
        first = np.concatenate([p.first for p in parts])
        times = np.concatenate([p.times for p in parts])
        unique, inverse = np.unique(keys, return_inverse=True)
        firsts = np.full(len(unique), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(firsts, inverse, first)
        summed = np.bincount(inverse, weights=times, minlength=len(unique)).astype(np.int64)
        return Pairs(_ints(unique), firsts, summed)

    @property
    def a(self) -> Ints:
        return self.keys >> _SHIFT

    @property
    def b(self) -> Ints:
        return self.keys & _LOW


@dataclass(frozen=True, slots=True)
class Tally:
    """The groups of some rounds (closed ones, or the open one)."""

    outcomes: dict[int, Counter[str | None]]  # round number → outcome → groups
    matched: dict[int, int]  # round number → people placed
    pairs: Pairs
    members: PerMember

    @staticmethod
    def merge(parts: list[Tally]) -> Tally:
        outcomes: dict[int, Counter[str | None]] = {}
        matched: dict[int, int] = {}
        for part in parts:
            outcomes.update(part.outcomes)
            matched.update(part.matched)
        return Tally(
            outcomes=outcomes,
            matched=matched,
            pairs=Pairs.merge([p.pairs for p in parts]),
            members=PerMember.merge([p.members for p in parts]),
        )


async def tally(
    uow: UnitOfWork, program_id: int, status: str, round_id: int | None = None
) -> Tally:
    """The program's rounds in `status` (only `round_id`, if given), read from the database.
    For the open round only members who met or answered are read (the figures need no more
    of it: how many groups someone was placed in counts over closed rounds only)."""
    outcomes: dict[int, Counter[str | None]] = {}
    for number, outcome, count in await uow.insights.outcomes(program_id, status, round_id):
        outcomes.setdefault(number, Counter())[outcome] += count
    return Tally(
        outcomes=outcomes,
        matched=await uow.insights.matched(program_id, status, round_id),
        pairs=Pairs.of(await uow.insights.pair_stats(program_id, status, round_id)),
        members=PerMember.of(
            await uow.insights.per_member(
                program_id, status, round_id, acted_only=status == RoundStatus.OPEN
            )
        ),
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

    def _open_new(self) -> npt.NDArray[np.bool_]:
        return ~np.isin(self.open.pairs.keys, self.closed.pairs.keys, assume_unique=True)

    def new_pairs(self) -> Counter[int]:
        """Round number → pairs who met for the first time in it."""
        firsts = np.concatenate([self.closed.pairs.first, self.open.pairs.first[self._open_new()]])
        numbers, counts = np.unique(firsts, return_counts=True)
        return Counter({int(n): int(c) for n, c in zip(numbers, counts, strict=True)})

    def pairs_met(self) -> int:
        return len(self.closed.pairs.keys) + int(self._open_new().sum())

    def all_pairs(self) -> Pairs:
        return Pairs.merge([self.closed.pairs, self.open.pairs])

    def met_groups(self) -> PerMember:
        both = PerMember.merge([self.closed.members, self.open.members])
        keep = both.met > 0
        return PerMember(both.ids[keep], both.placed[keep], both.met[keep], both.answered[keep])

    def most_met(self, limit: int) -> tuple[list[tuple[int, int]], int]:
        """The `limit` members with the most met groups (ties: lower id first), and how many
        members met anyone."""
        both = self.met_groups()
        order = np.lexsort((both.ids, -both.met))[:limit]
        return [(int(both.ids[i]), int(both.met[i])) for i in order], len(both.ids)

    def pairs_among(self, members: set[int]) -> list[tuple[int, int, int]]:
        """(a, b, rounds met) for the pairs of `members` who met, a < b, sorted."""
        pairs = self.all_pairs()
        chosen = _ints(sorted(members))
        keep = np.isin(pairs.a, chosen) & np.isin(pairs.b, chosen)
        return [
            (int(a), int(b), int(t))
            for a, b, t in zip(pairs.a[keep], pairs.b[keep], pairs.times[keep], strict=True)
        ]


async def meetings(uow: UnitOfWork, program: Program, db: object, now: datetime) -> Meetings:
    """The program's meetings: each closed round from the cache unless it changed."""
    closed, serial = await _closed(uow, program, db, now)
    return Meetings(
        closed=closed,
        open=await tally(uow, program.id, RoundStatus.OPEN),
        closed_serial=serial,
    )


@dataclass(slots=True)
class _Kept:
    """One program's closed rounds as last read: per round, and merged."""

    deletions: tuple[int, int | None]  # the workspace's opt-outs state
    checked_at: datetime  # no late answer before this (minus the margin) is missed
    rounds: dict[int, tuple[int, Tally]]  # round id → (serial, tally)
    merged: Tally | None = None
    merged_from: tuple[tuple[int, int], ...] = ()
    serial: int = 0


async def _closed(
    uow: UnitOfWork, program: Program, db: object, now: datetime
) -> tuple[Tally, int]:
    store = cache.bucket(db)
    key = ("closed-rounds", program.id)
    deletions = await uow.insights.opt_outs_state(program.workspace_id)
    kept: _Kept | None = store.get(key)
    if kept is None or kept.deletions != deletions:
        kept = _Kept(deletions=deletions, checked_at=now, rounds={})
        store[key] = kept
    else:
        since = kept.checked_at - cache.MARGIN
        for round_id in await uow.insights.rounds_answered_since(
            program.id, RoundStatus.CLOSED, since
        ):
            kept.rounds.pop(round_id, None)
        kept.checked_at = now
    closed = [r for r in await uow.insights.rounds(program.id) if r.status == RoundStatus.CLOSED]
    ids = {r.id for r in closed}
    for round_id in list(kept.rounds):
        if round_id not in ids:
            del kept.rounds[round_id]
    missing = [r for r in closed if r.id not in kept.rounds]
    if missing:
        # what is cheap for all rounds at once is read at once; pairs and people per round
        bulk = len(missing) > 3  # else a late answer or a new round: read just those rounds
        outcomes: dict[int, Counter[str | None]] = {}
        rows: list[tuple[int, str | None, int]] = []
        if bulk:
            rows = await uow.insights.outcomes(program.id, RoundStatus.CLOSED)
        else:
            for r in missing:
                rows += await uow.insights.outcomes(program.id, RoundStatus.CLOSED, r.id)
        for number, outcome, count in rows:
            outcomes.setdefault(number, Counter())[outcome] += count
        spans = await uow.insights.group_spans(program.id) if bulk else {}
        for r in missing:
            span = spans.get(r.id, (0, -1)) if bulk else None
            people = PerMember.of(
                await uow.insights.per_member(program.id, RoundStatus.CLOSED, r.id, span=span)
            )
            part = Tally(
                outcomes={r.number: outcomes[r.number]} if r.number in outcomes else {},
                matched={r.number: int(people.placed.sum())},
                pairs=Pairs.of(
                    await uow.insights.pair_stats(program.id, RoundStatus.CLOSED, r.id, span)
                ),
                members=people,
            )
            kept.rounds[r.id] = (cache.new_serial(), part)
    made_from = tuple((r.id, kept.rounds[r.id][0]) for r in closed)
    if kept.merged is None or kept.merged_from != made_from:
        kept.merged = Tally.merge([kept.rounds[r.id][1] for r in closed])
        kept.merged_from = made_from
        kept.serial = cache.new_serial()
    return kept.merged, kept.serial
