"""A program's pool where the platform defines it by channel membership (Slack): who is in
the channel now, read with a few quick retries, else the membership we stored."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot import interview
from bot.core import UnknownUser
from bot.outbox import Outbox
from bot.ports import PlatformError, UserInfo

if TYPE_CHECKING:
    from bot.core import Core

logger = logging.getLogger(__name__)

# Reading a channel's members: up to len(POOL_SYNC_WAITS) + 1 tries, these many seconds apart,
# and no new try once POOL_SYNC_BUDGET seconds have gone by; then the stored membership is used.
POOL_SYNC_WAITS = (0.5, 2.0)
POOL_SYNC_BUDGET = 20.0


@dataclass(frozen=True, slots=True)
class PoolSync:
    """What a pool sync did: interviews to send, and whether the platform failed to answer.

    `fallback_as_of` is set when the platform didn't answer: the membership stored by then
    (kept current by join and leave events) stands in for the channel's.
    """

    keys: list[str] = field(default_factory=list)
    fallback_as_of: datetime | None = None
    error: str | None = None
    changed: bool = False  # someone joined or left the pool in this sync


class PoolUnavailable(Exception):
    def __init__(self, reason: str, tries: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.tries = tries


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
    known = await _newcomer_profiles(core, program_id, workspace, current)
    to_send, changed = await _follow(core, program_id, current, known, now)
    core.pool_synced[program_id] = now
    if to_send and deliver:
        await Outbox(core).flush(to_send)
    return PoolSync(to_send, changed=changed)


async def _newcomer_profiles(
    core: Core, program_id: int, workspace: str, current: set[str]
) -> dict[str, UserInfo | None] | None:
    """Profiles of people in the channel we have no membership for, fetched before any write
    transaction opens; None when the platform can't give them now."""
    async with core.uow() as uow:
        known_ids = await uow.programs.member_external_ids(program_id)
    try:
        return await core.known_users(workspace, sorted(current - known_ids))
    except (PlatformError, TimeoutError, OSError) as exc:
        logger.warning(
            "program %s: newcomers' profiles unavailable (%s); they join at the next sync",
            program_id,
            exc,
        )
        return None


async def _follow(
    core: Core,
    program_id: int,
    current: set[str],
    known: dict[str, UserInfo | None] | None,
    now: datetime,
) -> tuple[list[str], bool]:
    """Memberships follow the channel: leavers out, newcomers in (with the interview, whose
    delivery keys are returned), and whether anyone came or went."""
    to_send: list[str] = []
    changed = False
    async with core.uow() as uow:
        program = await uow.programs.get(program_id)
        assert program is not None
        channel = program.channel_id
        for external_id, member_id in (await uow.programs.active_external_ids(program_id)).items():
            if external_id not in current:
                membership = await uow.programs.membership(program_id, member_id)
                if membership is not None and await uow.programs.end_membership(membership, now):
                    changed = True
                    logger.info("member %s left channel %s", external_id, channel)
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
            await uow.programs.start_membership(program_id, member.id, now)
            changed = True
            key = await interview.start(core, uow, member, channel, program_id)
            if key:
                to_send.append(key)
    return to_send, changed


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
