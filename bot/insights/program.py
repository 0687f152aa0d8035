"""A program's figures for the organiser's dashboard, its overview line and its CSV export.

Every figure is read in one read-only unit of work; aggregates are computed by the database
(`storage.repositories.insights`), only small results are shaped here.
"""

from __future__ import annotations

import csv
import io
import logging
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from bot.insights import cache, network
from bot.insights.figures import (
    Gratitude,
    Interests,
    Network,
    Participation,
    Period,
    ProgramFigures,
    ProgramSummary,
    RoundFigures,
    SkillGap,
    TagCount,
    TeamMatrix,
    WallNote,
)
from bot.insights.meetings import Meetings, meetings
from bot.states import GroupOutcome, RoundStatus
from bot.wording import insights as words
from storage.models import Program, Round
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.core import Core

logger = logging.getLogger(__name__)

WALL_SIZE = 50
TOP_TAGS = 15
NO_TEAM = ""  # the team of people who gave none (charts name it)


class NotFound(LookupError):
    """No such program (or member) in this workspace: a page answers 404."""


def program_key(program_id: int | str) -> int:
    """A program id from a URL: a positive integer, else NotFound (never an error page)."""
    if isinstance(program_id, bool):
        raise NotFound(program_id)
    if isinstance(program_id, int):
        value = program_id
    else:
        text = str(program_id).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 18:
            raise NotFound(program_id)
        value = int(text)
    if value <= 0:
        raise NotFound(program_id)
    return value


async def _program(
    core: Core, uow: UnitOfWork, workspace_id: str, program_id: int | str
) -> Program:
    key = program_key(program_id)
    ws = await uow.workspaces.find(core.platform.name, workspace_id)
    program = await uow.insights.program(ws.id, key) if ws is not None else None
    if program is None:
        raise NotFound(program_id)
    return program


async def program_figures(core: Core, workspace_id: str, program_id: int | str) -> ProgramFigures:
    """Everything the program's dashboard shows. NotFound if the program isn't this
    workspace's."""
    now = core.now()
    db = core.db
    async with core.reading() as uow:
        program = await _program(core, uow, workspace_id, program_id)
        met = await meetings(uow, program, db, now)
        spans = await _spans(uow, program, db, now)
        thanks = await _thanks(uow, program, db, now)
        rounds = await _rounds(uow, program.id, met, spans, thanks)
        participation = await _participation(uow, program, now)
        teams = await _teams(uow, program, db, now, met)
        pairs_met = rounds[-1].pairs_so_far if rounds else 0
        graph = await _network(uow, met, pairs_met)
        gratitude = await _gratitude(uow, program.id, thanks)
        interests = await _interests_of(uow, program, db, now)
    return ProgramFigures(
        program_id=program.id,
        channel_id=program.channel_id,
        name=program.name,
        active=program.active,
        computed_at=now,
        next_round_at=program.next_round_at,
        participation=participation,
        rounds=rounds,
        pairs_met=pairs_met,
        teams=teams,
        network=graph,
        gratitude=gratitude,
        interests=interests,
    )


async def overview_figures(core: Core, workspace_id: str) -> list[ProgramSummary]:
    """One line per program of the workspace (none if the workspace is unknown)."""
    now = core.now()
    out: list[ProgramSummary] = []
    async with core.reading() as uow:
        ws = await uow.workspaces.find(core.platform.name, workspace_id)
        if ws is None:
            return []
        for program in await uow.programs.in_workspace(ws.id):
            members, paused, _left = await uow.insights.membership_counts(program.id, now)
            met = await meetings(uow, program, core.db, now)
            rounds = await uow.insights.rounds(program.id)
            said: Counter[str | None] = Counter()
            for tally in (met.closed, met.open):
                for counts in tally.outcomes.values():
                    said.update(counts)
            out.append(
                ProgramSummary(
                    program_id=program.id,
                    channel_id=program.channel_id,
                    name=program.name,
                    active=program.active,
                    members=members,
                    paused=paused,
                    quiet=await uow.care.ghost_count(program.id, now),
                    rounds=len(rounds),
                    groups=sum(said.values()),
                    met=said[GroupOutcome.MET],
                    pairs_met=met.pairs_met(),
                    thanks=await uow.insights.thanks_count(program.id),
                    last_round_at=rounds[-1].started_at if rounds else None,
                    next_round_at=program.next_round_at,
                )
            )
    return out


async def warm_up(core: Core) -> int:
    """Compute every program's figures once, so that the first page view after a start is
    not the slow one (the web server may run this in the background). Returns how many."""
    async with core.reading() as uow:
        programs = await uow.insights.programs_on(core.platform.name)
    for workspace_id, program_id in programs:
        try:
            await program_figures(core, workspace_id, program_id)
        except NotFound:  # deleted meanwhile
            continue
    logger.info("dashboard figures ready for %d programs", len(programs))
    return len(programs)


CSV_COLUMNS = (
    "round",
    "started_at",
    "ends_at",
    "status",
    "members",
    "paused",
    "joins",
    "leaves",
    "matched",
    "groups",
    "met",
    "scheduled",
    "couldnt",
    "no_answer",
    "met_rate",
    "answer_rate",
    "new_pairs",
    "pairs_so_far",
    "thanks",
)


async def round_csv(core: Core, workspace_id: str, program_id: int | str) -> str:
    """Per-round figures as CSV (numbers and dates only: no names, no notes)."""
    now = core.now()
    async with core.reading() as uow:
        program = await _program(core, uow, workspace_id, program_id)
        met = await meetings(uow, program, core.db, now)
        spans = await _spans(uow, program, core.db, now)
        thanks = await _thanks(uow, program, core.db, now)
        rounds = await _rounds(uow, program.id, met, spans, thanks)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rounds:
        writer.writerow(
            (
                r.number,
                r.started_at.isoformat(),
                r.ends_at.isoformat(),
                RoundStatus.OPEN if r.open else RoundStatus.CLOSED,
                r.members,
                r.paused,
                r.joins,
                r.leaves,
                r.matched,
                r.groups,
                r.met,
                r.scheduled,
                r.skipped,
                r.no_answer,
                _ratio(r.met_rate),
                _ratio(r.answer_rate),
                r.new_pairs,
                r.pairs_so_far,
                r.thanks,
            )
        )
    return out.getvalue()


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


# --- participation ----------------------------------------------------------------------------


async def _participation(uow: UnitOfWork, program: Program, now: datetime) -> Participation:
    """Read on every call (never kept): the quiet count changes when a ghost question is
    asked or answered and when an auto-pause ends, none of which closes a round."""
    members, paused, left = await uow.insights.membership_counts(program.id, now)
    return Participation(
        members=members,
        paused=paused,
        left=left,
        forgotten=await uow.insights.opt_outs(program.workspace_id),
        quiet=await uow.care.ghost_count(program.id, now),
    )


@dataclass(frozen=True, slots=True)
class _Spans:
    joins: list[datetime]  # sorted
    lefts: list[datetime]  # sorted


async def _spans(uow: UnitOfWork, program: Program, db: object, now: datetime) -> _Spans:
    async def compute() -> _Spans:
        spans = await uow.insights.membership_spans(program.id)
        return _Spans(
            joins=sorted(j for j, _ in spans), lefts=sorted(lft for _, lft in spans if lft)
        )

    state = await uow.insights.memberships_state(program.id)
    return await cache.remember(db, ("spans", program.id), state, now, compute)


@dataclass(frozen=True, slots=True)
class _Thanks:
    times: list[datetime]  # sorted
    public: int
    months: Counter[str]  # "2026-11" → notes


async def _thanks(uow: UnitOfWork, program: Program, db: object, now: datetime) -> _Thanks:
    async def compute() -> _Thanks:
        rows = await uow.insights.thanks_times(program.id)
        return _Thanks(
            times=sorted(c for c, _ in rows),
            public=sum(1 for _, p in rows if p),
            months=Counter(c.strftime("%Y-%m") for c, _ in rows),
        )

    state = await uow.insights.thanks_state(program.id)
    return await cache.remember(db, ("thanks", program.id), state, now, compute)


# --- rounds -----------------------------------------------------------------------------------


async def _rounds(
    uow: UnitOfWork,
    program_id: int,
    met: Meetings,
    spans: _Spans,
    thanks: _Thanks,
) -> tuple[RoundFigures, ...]:
    rounds = await uow.insights.rounds(program_id)
    if not rounds:
        return ()
    paused = await uow.insights.paused_per_round(program_id)
    new_pairs = met.new_pairs()
    starts = [r.started_at for r in rounds]
    join_buckets = _buckets(starts, spans.joins)
    leave_buckets = _buckets(starts, spans.lefts)
    thanks_buckets = _buckets(starts, thanks.times)
    out: list[RoundFigures] = []
    so_far = 0
    for i, r in enumerate(rounds):
        said = met.outcomes(r.number)
        so_far += new_pairs.get(r.number, 0)
        out.append(
            RoundFigures(
                number=r.number,
                started_at=r.started_at,
                ends_at=r.ends_at,
                open=r.status == RoundStatus.OPEN,
                members=_members_at(r, spans.joins, spans.lefts),
                paused=paused.get(r.number, 0),
                joins=join_buckets[i],
                leaves=leave_buckets[i],
                matched=met.matched(r.number),
                groups=sum(said.values()),
                met=said[GroupOutcome.MET],
                scheduled=said[GroupOutcome.SCHEDULED],
                skipped=said[GroupOutcome.SKIPPED],
                no_answer=said[None],
                new_pairs=new_pairs.get(r.number, 0),
                pairs_so_far=so_far,
                thanks=thanks_buckets[i],
            )
        )
    return tuple(out)


def _members_at(round_: Round, joins: Sequence[datetime], lefts: Sequence[datetime]) -> int:
    """Membership periods started by the round's start and not ended by then (a left_at is
    never before its joined_at, so those that ended are among those that started)."""
    return bisect_right(joins, round_.started_at) - bisect_right(lefts, round_.started_at)


def _buckets(starts: Sequence[datetime], moments: Sequence[datetime]) -> list[int]:
    """How many of the sorted `moments` fall in each round: [start of round i, start of round
    i+1); the first round also takes what came before it, the last one all after its start."""
    edges = [bisect_left(moments, s) for s in starts[1:]]
    bounds = [0, *edges, len(moments)]
    return [bounds[i + 1] - bounds[i] for i in range(len(starts))]


# --- connections ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _TeamCodes:
    codes: npt.NDArray[np.int64]  # member id → team index (dense; unknown ids: no team)
    keys: list[str]  # team index → folded team name; index 0 is NO_TEAM
    shown: dict[str, str]  # folded → as first written


async def _teams(
    uow: UnitOfWork, program: Program, db: object, now: datetime, met: Meetings
) -> TeamMatrix:
    """Team × team meetings over every pair who met (a meeting per round they met in)."""

    async def compute() -> _TeamCodes:
        teams = await uow.insights.teams(program.workspace_id)
        shown: dict[str, str] = {}
        keys = [NO_TEAM]
        index = {NO_TEAM: 0}
        codes = np.zeros(max(teams, default=0) + 1, dtype=np.int64)
        for member, team in teams.items():
            k = _team_key(team, shown)
            codes[member] = index.setdefault(k, len(keys))
            if len(index) > len(keys):
                keys.append(k)
        return _TeamCodes(codes, keys, shown)

    kept = await cache.remember(
        db, ("teams", program.id), await uow.insights.profiles_state(), now, compute
    )
    pairs = met.all_pairs()
    n = len(kept.keys)

    def code(ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        inside = ids < len(kept.codes)
        out = np.zeros(len(ids), dtype=np.int64)
        out[inside] = kept.codes[ids[inside]]
        return out

    ta, tb = code(pairs.a), code(pairs.b)
    low, high = np.minimum(ta, tb), np.maximum(ta, tb)
    cells = np.bincount(low * n + high, weights=pairs.times, minlength=n * n).astype(np.int64)
    counts: Counter[tuple[str, str]] = Counter()
    for flat in np.flatnonzero(cells):
        i, j = divmod(int(flat), n)
        ka, kb = sorted((kept.keys[i], kept.keys[j]))
        counts[(ka, kb)] += int(cells[flat])
    return _team_matrix(counts, kept.shown)


def _team_key(team: str | None, shown: dict[str, str]) -> str:
    if team is None or not team.strip():
        return NO_TEAM
    text = " ".join(team.split())
    folded = text.casefold()
    shown.setdefault(folded, text)
    return folded


def _team_matrix(counts: Counter[tuple[str, str]], shown: dict[str, str]) -> TeamMatrix:
    """A symmetric matrix over the teams that met (folded: "Design" and "design " are one)."""
    keys = sorted({k for pair in counts for k in pair}, key=lambda k: (k == NO_TEAM, k))
    index = {k: i for i, k in enumerate(keys)}
    grid = [[0] * len(keys) for _ in keys]
    for (ka, kb), n in counts.items():
        grid[index[ka]][index[kb]] += n
        if ka != kb:
            grid[index[kb]][index[ka]] += n
    return TeamMatrix(
        teams=tuple(shown.get(k, NO_TEAM) for k in keys),
        counts=tuple(tuple(row) for row in grid),
    )


async def _network(uow: UnitOfWork, met: Meetings, pairs_met: int) -> Network:
    """The people with the most met groups (all of them in smaller programs) and their pairs;
    names and teams read now."""
    top, people = met.most_met(network.MAX_NODES)
    ids = {m for m, _ in top}
    return network.build(
        top,
        await uow.insights.people(sorted(ids)),
        met.pairs_among(ids),
        people,
        pairs_met,
        words.ANONYMOUS_NODE,
    )


# --- gratitude --------------------------------------------------------------------------------


async def _gratitude(uow: UnitOfWork, program_id: int, thanks: _Thanks) -> Gratitude:
    months = thanks.months
    wall = tuple(
        WallNote(note_id=i, created_at=c, author=a, recipients=tuple(r), text=t)
        for i, c, a, t, r in await uow.insights.public_notes(program_id, WALL_SIZE)
    )
    return Gratitude(
        total=len(thanks.times),
        public=thanks.public,
        per_month=tuple(Period(m, months[m]) for m in _month_range(sorted(months))),
        wall=wall,
    )


def _month_range(months: Sequence[str]) -> list[str]:
    """Every month from the first to the last (empty months included, so gaps show)."""
    if not months:
        return []
    year, month = map(int, months[0].split("-"))
    out = []
    while True:
        key = f"{year:04d}-{month:02d}"
        out.append(key)
        if key >= months[-1]:
            return out
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


# --- interests --------------------------------------------------------------------------------


async def _interests_of(uow: UnitOfWork, program: Program, db: object, now: datetime) -> Interests:
    async def compute() -> Interests:
        return _interests(await uow.insights.tags(program.id))

    state = (
        await uow.insights.memberships_state(program.id),
        await uow.insights.profiles_state(),
        await uow.insights.members_state(program.workspace_id),
    )
    return await cache.remember(db, ("interests", program.id), state, now, compute)


def _interests(rows: Sequence[tuple[list[str], list[str], list[str]]]) -> Interests:
    interests, offers, wants = _Tally(), _Tally(), _Tally()
    for i, o, w in rows:
        interests.add(i)
        offers.add(o)
        wants.add(w)
    unmet = [
        SkillGap(skill=wants.shown[k], wanted=n, offered=offers.counts.get(k, 0))
        for k, n in wants.counts.items()
        if n > offers.counts.get(k, 0)
    ]
    unmet.sort(key=lambda g: (-g.gap, -g.wanted, g.skill.casefold()))
    return Interests(
        people=len(rows),
        interests=interests.top(TOP_TAGS),
        offers=offers.top(TOP_TAGS),
        wants=wants.top(TOP_TAGS),
        unmet=tuple(unmet[:TOP_TAGS]),
    )


class _Tally:
    """Tags counted once per person, folded ("SQL", " sql" are one), shown as first seen."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.shown: dict[str, str] = {}

    def add(self, tags: Iterable[object]) -> None:
        seen = set()
        for tag in tags:
            if not isinstance(tag, str) or not tag.strip():
                continue
            text = " ".join(tag.split())
            key = text.casefold()
            if key in seen:
                continue
            seen.add(key)
            self.shown.setdefault(key, text)
            self.counts[key] += 1

    def top(self, n: int) -> tuple[TagCount, ...]:
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
        return tuple(TagCount(self.shown[k], c) for k, c in ranked)
