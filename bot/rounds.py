"""Rounds: who is eligible, matching, and writing the round with its deliveries atomically."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from bot import ghosts, metrics, rescue, wording
from bot import keys as key_of
from bot.cadence import checkin_times, next_round_time
from bot.intros import compose_intro, person_of, reason_to_json, render_reasons
from bot.ledger import Outgoing, enqueue_many
from bot.matching.engine import match
from bot.matching.tags import normalize_tags
from bot.matching.types import Candidate, MatchResult, Reason, Weights
from bot.outbox import Outbox
from bot.pool import POOL_SYNC_WAITS, PoolSync, sync_pool
from bot.ports import DirectTarget, GroupTarget
from bot.program_settings import max_size_on, program_rules
from bot.slots import Person, RoundSlots
from bot.states import CHECKIN_KINDS, DeliveryKind, RoundStatus
from storage.models import Member, Program, Round
from storage.repositories.programs import RosterMember
from storage.repositories.rounds import NewGroup
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.core import Core

logger = logging.getLogger(__name__)

HISTORY_ROUNDS = 12


@dataclass(frozen=True, slots=True)
class Plan:
    """A matched round before it is saved."""

    program_id: int
    number: int
    seed: int
    members: dict[int, Member | RosterMember]
    result: MatchResult


@dataclass(frozen=True, slots=True)
class Started:
    round_id: int
    number: int
    groups: int
    keys: list[str]
    pool: PoolSync = field(default_factory=PoolSync)


@dataclass(frozen=True, slots=True)
class AlreadyStarted:
    """Another request (a replica, a double click) started round `number` first."""

    number: int


def program_weights(program: Program) -> Weights:
    return Weights(**(program.weights or {}))


def candidate(member: Member | RosterMember) -> Candidate:
    profile = member.profile
    return Candidate(
        id=str(member.id),
        interests=normalize_tags(profile.interests or []),
        offers=normalize_tags(profile.offers or []),
        wants=normalize_tags(profile.wants or []),
        team=(profile.team or None),
        utc_offset_hours=profile.utc_offset_hours,
        location=(profile.location or None),
        manager=(profile.manager or None),
    )


def candidates_of(members: Sequence[Member | RosterMember]) -> list[Candidate]:
    """The members as the engine sees them; locations that differ only in case or spaces
    ("berlin ", "Berlin") are one office, spelt as the member with the smallest id spells it."""
    spelling: dict[str, str] = {}
    for member in sorted(members, key=lambda m: m.id):
        if member.profile.location:
            spelling.setdefault(_folded(member.profile.location), member.profile.location)
    return [
        replace(c, location=spelling[_folded(c.location)]) if c.location else c
        for c in map(candidate, members)
    ]


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


async def plan_round(core: Core, program_id: int, seed: int | None = None) -> Plan | None:
    """Match the program's eligible members (nothing is saved)."""
    async with core.reading() as uow:
        program = await uow.programs.get(program_id)
        if program is None:
            return None
        # Plain rows, not ORM objects: this read is on the way to the matcher.
        members = await uow.programs.eligible_roster(program_id, core.now())
        history = await uow.rounds.history(program_id, HISTORY_ROUNDS)
        number = program.last_round_number + 1
        weights = program_weights(program)
        eligible = {str(m.id) for m in members}
        avoided = await uow.avoid.pairs(program.workspace_id)
        exclude = frozenset(
            (a, b) for a, b in ((str(x), str(y)) for x, y in avoided) if {a, b} <= eligible
        )
        rules = program_rules(program, exclude)
        size = min(program.group_size, max_size_on(core.platform))
    if seed is None:
        seed = core.rng.randrange(2**31)
    candidates = candidates_of(members)
    hist = [[[str(mid) for mid in group] for group in rnd] for rnd in history]
    with metrics.timed(metrics.MATCHING_SECONDS):
        result = await asyncio.to_thread(
            partial(match, group_size=size, rules=rules), candidates, hist, weights, seed
        )
    broken = Counter(v.rule for v in result.violations)
    logger.info(
        "program %s round %s: %s members, %s groups of size %s, seed %s, total %.1f, "
        "rule violations: %s",
        program_id,
        number,
        len(members),
        len(result.groups),
        size,
        seed,
        result.total_weight,
        ", ".join(f"{rule} in {n} groups" for rule, n in sorted(broken.items())) or "none",
    )
    return Plan(program_id, number, seed, {m.id: m for m in members}, result)


async def start_round(
    core: Core,
    program_id: int,
    *,
    scheduled_for: datetime | None,
    seed: int | None = None,
    after: int | None = None,
    deliver: bool = True,
) -> Started | AlreadyStarted | None:
    """Run the program's next round now. Safe to race: exactly one caller creates it.

    `scheduled_for` is the program's `next_round_at` that a scheduled run is for; `None` starts
    one by hand (`match-now`). Either way the schedule moves on from now. `after`: start only
    the round that follows round `after` (what the admin saw when asking). `deliver`: send the
    intros before returning; otherwise the caller sends `Started.keys` (the tick sends any it
    doesn't). Returns None when nobody is available, `AlreadyStarted` when another caller won.
    """
    if seed is None:
        seed = core.rng.randrange(2**31)
    # Match on the stored pool while the platform's is read (Slack: a page of 200 members per
    # call): join and leave events keep the stored one current, so the sync usually changes
    # nothing and the matching has run in its shadow. If it did change, match again.
    early = asyncio.create_task(plan_round(core, program_id, seed), name="early-plan")
    try:
        pool = await sync_pool(core, program_id, deliver=False)
        # Before matching: who went quiet is asked (or paused), rescues still waiting are told.
        care = await ghosts.before_round(core, program_id)
        care += await rescue.close_waiting(core, program_id)
    finally:
        plan = await early
    if pool.changed or care:  # (a quiet member paused: they leave the pool)
        plan = await plan_round(core, program_id, seed)
    if plan is None:
        return None
    if after is not None and plan.number - 1 != after:
        return AlreadyStarted(plan.number - 1)
    if not plan.members:
        return None
    now = core.now()
    async with core.uow() as uow:
        program = await uow.programs.get(program_id)
        if program is None:
            return None
        following = next_round_time(
            program.cadence, program.weekday, program.local_time, program.timezone, now, now
        )
        # Compare-and-set on the round counter (and the schedule slot): racing callers serialise
        # on this row, and every one but the first finds it changed and backs off.
        elsewhere = await uow.programs.claim_round(program, plan.number, following, scheduled_for)
        if elsewhere is not None:
            logger.info("program %s round %s: already started elsewhere", program_id, plan.number)
            return AlreadyStarted(elsewhere)
        saved = await _save_round(uow, program, plan, now, following, scheduled_for or now)
    metrics.ROUNDS_STARTED.inc()
    keys = pool.keys + care + saved.keys
    started = Started(saved.round_id, saved.number, saved.groups, keys, pool)
    if started.keys and deliver:
        await Outbox(core).flush(started.keys)
    return started


async def _save_round(
    uow: UnitOfWork, program: Program, plan: Plan, now: datetime, ends: datetime, due_at: datetime
) -> Started:
    for previous in await uow.rounds.open(program.id):
        previous.status = RoundStatus.CLOSED
        # Its remaining check-ins are moot; intros and nudges still waiting on a retry go out.
        for kind in CHECKIN_KINDS:
            await uow.deliveries.cancel_pending(round_id=previous.id, kind=kind)
    round_ = Round(
        program_id=program.id,
        number=plan.number,
        due_at=due_at,
        started_at=now,
        ends_at=ends,
        status=RoundStatus.OPEN,
        seed=plan.seed,
        total_weight=plan.result.total_weight,
    )
    await uow.rounds.add(round_)
    # Per-group work is kept small: each member's zone and hours are read once, groups with
    # the same zones and hours share their proposed times, and the intro is written from the
    # plan's reasons and times (not read back from the rows).
    people = {mid: person_of(m) for mid, m in plan.members.items()}
    slots = RoundSlots(now, ends)
    drafts = []
    for position, g in enumerate(plan.result.groups):
        member_ids = [int(x) for x in g.members]
        starts = slots([people[m] for m in member_ids])
        drafts.append(
            (
                NewGroup(
                    position,
                    g.weight,
                    [reason_to_json(r) for r in g.reasons],
                    [s.isoformat() for s in starts],
                    member_ids,
                ),
                starts,
            )
        )
    # One INSERT for the groups (and a SELECT of their ids), one for their members, one for
    # every delivery of the round.
    group_ids = await uow.rounds.insert_groups(round_.id, [d for d, _ in drafts])
    checkins = checkin_times(now, round_.ends_at)
    items: list[Outgoing] = []
    for g, (draft, starts), group_id in zip(plan.result.groups, drafts, group_ids, strict=True):
        items += _group_messages(
            program, plan, round_, group_id, draft, g.reasons, starts, people, now, checkins
        )
    intros = [i.key for i in items if i.kind == DeliveryKind.INTRO]
    placed = {mid for draft, _ in drafts for mid in draft.member_ids}
    for mid in set(plan.members) - placed:  # a lone member: say so, never drop them silently
        user = plan.members[mid].external_id
        items.append(
            Outgoing(
                key_of.alone(round_.id, user),
                DeliveryKind.ALONE,
                DirectTarget(user, program.channel_id),
                wording.alone_this_round(program.channel_id),
                now,
                round_.id,
                None,
                user,
            )
        )
        intros.append(items[-1].key)
    await enqueue_many(uow, program.workspace_id, items, now)
    logger.info(
        "program %s: round %s saved (id %s, seed %s, %s groups)",
        program.id,
        plan.number,
        round_.id,
        plan.seed,
        len(plan.result.groups),
    )
    return Started(round_.id, plan.number, len(plan.result.groups), intros)


def _group_messages(
    program: Program,
    plan: Plan,
    round_: Round,
    group_id: int,
    group: NewGroup,
    reasons: Sequence[Reason],
    starts: list[datetime],
    people: dict[int, Person],
    now: datetime,
    checkins: tuple[datetime, datetime],
) -> list[Outgoing]:
    """A group's intro (now) and its two check-ins."""
    member_ids = list(group.member_ids)
    users = tuple(plan.members[m].external_id for m in member_ids)
    external = {m: plan.members[m].external_id for m in member_ids}
    names = {m: plan.members[m].display_name for m in member_ids}
    mine = {m: people[m] for m in member_ids}
    target = GroupTarget(users, program.channel_id, wording.round_title(plan.number))
    intro = compose_intro(
        program,
        group_id,
        group.position,
        reasons,
        starts,
        plan.seed,
        member_ids,
        external,
        names,
        mine,
    )
    midway, end = checkins
    return [
        Outgoing(
            key_of.group_message(round_.id, group_id, kind),
            kind,
            target,
            message,
            when,
            round_.id,
            group_id,
        )
        for kind, when, message in (
            (DeliveryKind.INTRO, now, intro),
            (DeliveryKind.CHECKIN_MIDWAY, midway, wording.checkin("midway", group_id, len(users))),
            (DeliveryKind.CHECKIN_END, end, wording.checkin("end", group_id, len(users))),
        )
    ]


async def run_due_rounds(core: Core) -> list[Started]:
    """Start every round that is due now. Missed rounds are not replayed: one round catches up.

    A round that fails (the database, a bug) stays due and is tried again at the next tick.
    """
    async with core.uow() as uow:
        due = [
            (p.id, p.next_round_at) for p in await uow.programs.due(core.now(), core.platform.name)
        ]
    started = []
    for program_id, scheduled_for in due:
        try:
            result = await start_round(core, program_id, scheduled_for=scheduled_for)
        except Exception:
            logger.exception("program %s: round failed; trying again at the next tick", program_id)
            continue
        if result is None:
            await _skip_schedule(core, program_id, scheduled_for)
        elif isinstance(result, Started):
            started.append(result)
    return started


async def _skip_schedule(core: Core, program_id: int, scheduled_for: datetime | None) -> None:
    """Nobody to match: move the schedule on so we don't retry every tick."""
    now = core.now()
    async with core.uow() as uow:
        program = await uow.programs.get(program_id)
        if program is None or program.next_round_at != scheduled_for:
            return
        program.next_round_at = next_round_time(
            program.cadence, program.weekday, program.local_time, program.timezone, now
        )


def describe_violations(plan: Plan) -> list[tuple[str, tuple[str, ...], int]]:
    """The rules the plan breaks: (rule, the group's platform user ids, pairs breaking it)."""
    external = {str(mid): m.external_id for mid, m in plan.members.items()}
    return [(v.rule, tuple(external[x] for x in v.group), v.pairs) for v in plan.result.violations]


def describe_plan(plan: Plan) -> list[wording.PreviewGroup]:
    external = {str(mid): m.external_id for mid, m in plan.members.items()}
    names = {str(mid): m.display_name for mid, m in plan.members.items()}
    return [
        wording.PreviewGroup(
            members=tuple(external[x] for x in g.members),
            weight=g.weight,
            reasons=tuple(render_reasons(g.reasons, names)),
            met_before=any(r.kind == "met_before" for r in g.reasons),
        )
        for g in plan.result.groups
    ]


__all__ = ["POOL_SYNC_WAITS", "AlreadyStarted", "Plan", "Started", "start_round"]
