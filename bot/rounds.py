"""Rounds: who is eligible, matching, and writing the round with its deliveries atomically."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot import copy, interview
from bot import keys as key_of
from bot.cadence import checkin_times, next_round_time
from bot.core import UnknownUser
from bot.intros import intro_message, reason_to_json, render_reasons
from bot.ledger import Outgoing, enqueue
from bot.matching.engine import match
from bot.matching.tags import normalize_tags
from bot.matching.types import Candidate, MatchResult, Weights
from bot.outbox import Outbox
from bot.ports import DirectTarget, GroupTarget, PlatformError
from bot.states import CHECKIN_KINDS, DeliveryKind, RoundStatus
from storage.models import Group, Member, Program, Round
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.core import Core

logger = logging.getLogger(__name__)

HISTORY_ROUNDS = 12
# Reading a channel's members: up to len(POOL_SYNC_WAITS) + 1 tries, these many seconds apart,
# and no new try once POOL_SYNC_BUDGET seconds have gone by; then the stored membership is used.
POOL_SYNC_WAITS = (0.5, 2.0)
POOL_SYNC_BUDGET = 20.0


@dataclass(frozen=True, slots=True)
class Plan:
    """A matched round before it is saved."""

    program_id: int
    number: int
    seed: int
    members: dict[int, Member]
    result: MatchResult


@dataclass(frozen=True, slots=True)
class PoolSync:
    """What a pool sync did: interviews to send, and whether the platform failed to answer.

    `fallback_as_of` is set when the platform didn't answer: the membership stored by then
    (kept current by join and leave events) stands in for the channel's.
    """

    keys: list[str] = field(default_factory=list)
    fallback_as_of: datetime | None = None
    error: str | None = None


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


class PoolUnavailable(Exception):
    def __init__(self, reason: str, tries: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.tries = tries


def program_weights(program: Program) -> Weights:
    return Weights(**(program.weights or {}))


def candidate(member: Member) -> Candidate:
    profile = member.profile
    return Candidate(
        id=str(member.id),
        interests=normalize_tags(profile.interests or []),
        offers=normalize_tags(profile.offers or []),
        wants=normalize_tags(profile.wants or []),
        team=(profile.team or None),
        utc_offset_hours=profile.utc_offset_hours,
    )


async def sync_pool(core: Core, program_id: int, *, deliver: bool = True) -> PoolSync:
    """Where the platform defines the pool by channel membership (Slack), follow the channel.

    People no longer in the channel are out at once. People in it with no membership at all
    (they joined while we were offline) are enrolled and get the interview; people who said
    `/coffee leave` keep their choice. When the platform doesn't answer (after a few tries),
    nothing changes: the stored membership stands, and the result says since when.
    `deliver`: send the interviews now (else the caller flushes `keys`).
    """
    async with core.uow() as uow:
        program = await uow.programs.get(program_id)
        if program is None:
            return PoolSync()
        workspace, channel = program.workspace.external_id, program.channel_id
    try:
        current = await _channel_members(core, program_id, workspace, channel)
    except PoolUnavailable as exc:
        as_of = await _known_as_of(core, program_id)
        logger.warning(
            "program %s: %s didn't give the members of %s (%s; %s tries); using the "
            "membership known as of %s",
            program_id,
            core.platform.name,
            channel,
            exc.reason,
            exc.tries,
            as_of.isoformat(),
        )
        return PoolSync(fallback_as_of=as_of, error=exc.reason)
    if current is None:
        return PoolSync()
    now = core.now()
    async with core.uow() as uow:
        known_ids = await uow.programs.member_external_ids(program_id)
    # Profiles of newcomers are fetched now, outside the transaction below.
    try:
        known = await core.known_users(workspace, sorted(current - known_ids))
    except (PlatformError, TimeoutError, OSError) as exc:
        logger.warning(
            "program %s: newcomers' profiles unavailable (%s); they join at the next sync",
            program_id,
            exc,
        )
        known = None
    to_send: list[str] = []
    async with core.uow() as uow:
        program = await uow.programs.get(program_id)
        assert program is not None
        for member in await uow.programs.active_members(program_id):
            if member.external_id not in current:
                membership = await uow.programs.membership(program_id, member.id)
                if membership is not None:
                    membership.left_at = now
                    logger.info("member %s left channel %s", member.external_id, channel)
        newcomers = current - await uow.programs.member_external_ids(program_id)
        if known is None:
            newcomers = set()
        newcomers -= await uow.members.opted_out(program.workspace_id, newcomers)  # said forget-me
        for user_id in sorted(newcomers):
            try:
                member = await core.member(uow, program.workspace, user_id, known)
            except UnknownUser:
                continue
            if member.is_bot or member.deactivated:
                continue
            await uow.programs.add_membership(program_id, member.id, now)
            key = await interview.start(
                core, uow, member, channel, key_of.interview_suffix(program_id)
            )
            if key:
                to_send.append(key)
    core.pool_synced[program_id] = now
    if to_send and deliver:
        await Outbox(core).flush(to_send)
    return PoolSync(to_send)


async def _channel_members(
    core: Core, program_id: int, workspace: str, channel: str
) -> set[str] | None:
    """The platform's answer, retried with a short backoff; `PoolUnavailable` if none came."""
    began = time.monotonic()
    waits = list(POOL_SYNC_WAITS)
    tries = 0
    while True:
        tries += 1
        try:
            return await core.platform.channel_members(workspace, channel)
        except (PlatformError, TimeoutError, OSError) as exc:
            if isinstance(exc, PlatformError):
                reason, retryable = exc.reason, exc.retryable
            else:
                reason, retryable = f"{type(exc).__name__}: {exc}", True
            # A definite answer (channel_not_found, missing_scope) won't change in a second.
            if not retryable or not waits or time.monotonic() - began > POOL_SYNC_BUDGET:
                raise PoolUnavailable(reason, tries) from exc
            wait = waits.pop(0)
            logger.warning(
                "program %s: reading the members of %s failed (%s, try %s); again in %ss",
                program_id,
                channel,
                reason,
                tries,
                wait,
            )
            await core.sleep(wait)


async def _known_as_of(core: Core, program_id: int) -> datetime:
    """Since when the stored membership is known to be right: the last sync or the last
    join/leave we recorded, whichever is later (the program's creation if neither)."""
    async with core.uow() as uow:
        program = await uow.programs.get(program_id)
        moments = [
            await uow.programs.membership_changed_at(program_id),
            core.pool_synced.get(program_id),
        ]
        if program is not None:
            moments.append(program.created_at)
    return max(m for m in moments if m is not None)


async def plan_round(core: Core, program_id: int, seed: int | None = None) -> Plan | None:
    """Match the program's eligible members (nothing is saved)."""
    async with core.uow() as uow:
        program = await uow.programs.get(program_id)
        if program is None:
            return None
        members = await uow.programs.eligible_members(program_id, core.now())
        history = await uow.rounds.history(program_id, HISTORY_ROUNDS)
        number = program.last_round_number + 1
        weights = program_weights(program)
    if seed is None:
        seed = core.rng.randrange(2**31)
    candidates = [candidate(m) for m in members]
    hist = [[[str(mid) for mid in group] for group in rnd] for rnd in history]
    result = await asyncio.to_thread(match, candidates, hist, weights, seed)
    logger.info(
        "program %s round %s: %s members, %s groups, seed %s, total %.1f",
        program_id,
        number,
        len(members),
        len(result.groups),
        seed,
        result.total_weight,
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
    pool = await sync_pool(core, program_id, deliver=False)
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
    started = Started(saved.round_id, saved.number, saved.groups, pool.keys + saved.keys, pool)
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
    midway, end = checkin_times(now, ends)
    sent_first: list[str] = []
    ws = program.workspace_id
    external = {mid: m.external_id for mid, m in plan.members.items()}
    names = {mid: m.display_name for mid, m in plan.members.items()}
    placed: set[int] = set()
    for position, matched in enumerate(plan.result.groups):
        member_ids = [int(x) for x in matched.members]
        placed |= set(member_ids)
        group = Group(
            round_id=round_.id,
            position=position,
            weight=matched.weight,
            reasons=[reason_to_json(r) for r in matched.reasons],
        )
        await uow.rounds.add_group(group, member_ids)
        users = tuple(external[m] for m in member_ids)
        target = GroupTarget(users, program.channel_id, f"Coffee round {plan.number}")
        intro = intro_message(program, group, plan.seed, member_ids, external, names)
        for kind, when, message in (
            (DeliveryKind.INTRO, now, intro),
            (DeliveryKind.CHECKIN_MIDWAY, midway, copy.checkin("midway", group.id)),
            (DeliveryKind.CHECKIN_END, end, copy.checkin("end", group.id)),
        ):
            key = key_of.group_message(round_.id, group.id, kind)
            item = Outgoing(key, kind, target, message, when, round_.id, group.id)
            await enqueue(uow, ws, item, now)
            if kind == DeliveryKind.INTRO:
                sent_first.append(item.key)
    for mid in set(plan.members) - placed:  # a lone member: say so, never drop them silently
        user = external[mid]
        item = Outgoing(
            key_of.alone(round_.id, user),
            DeliveryKind.ALONE,
            DirectTarget(user, program.channel_id),
            copy.alone_this_round(program.channel_id),
            now,
            round_.id,
            None,
            user,
        )
        await enqueue(uow, ws, item, now)
        sent_first.append(item.key)
    logger.info(
        "program %s: round %s saved (id %s, seed %s, %s groups)",
        program.id,
        plan.number,
        round_.id,
        plan.seed,
        len(plan.result.groups),
    )
    return Started(round_.id, plan.number, len(plan.result.groups), sent_first)


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


def describe_plan(plan: Plan) -> list[copy.PreviewGroup]:
    external = {str(mid): m.external_id for mid, m in plan.members.items()}
    names = {str(mid): m.display_name for mid, m in plan.members.items()}
    return [
        copy.PreviewGroup(
            members=tuple(external[x] for x in g.members),
            weight=g.weight,
            reasons=tuple(render_reasons(g.reasons, names)),
            met_before=any(r.kind == "met_before" for r in g.reasons),
        )
        for g in plan.result.groups
    ]
