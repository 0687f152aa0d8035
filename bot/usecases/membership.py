"""Being in a program: join, leave, pause, resume, and the platform's join/leave events."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import commands as cmd
from bot import interview, rescue, wording
from bot.core import Core, UnknownUser
from bot.messages import Reply
from bot.pauses import set_pause
from bot.replies import error, reply
from bot.usecases.context import Context
from storage.models import Member, Membership, Program
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

# "Until you resume": a pause with no end is stored as a date no round reaches.
FOREVER = datetime(9999, 1, 1, tzinfo=ZoneInfo("UTC"))


async def enrol(core: Core, uow: UnitOfWork, program: Program, member: Member) -> list[str] | None:
    """Put `member` in `program` and start their interview. Returns the deliveries to send,
    or None when they were in already."""
    now = core.now()
    if member.deactivated:  # they're here and acting: whatever we knew is outdated
        member.deactivated = False
    if not await uow.programs.start_membership(program.id, member.id, now):
        return None
    key = await interview.start(core, uow, member, program.channel_id, program.id)
    return [key] if key else []


async def join(ctx: Context, _command: cmd.Join) -> Reply:
    actor = ctx.actor
    async with ctx.as_member() as (uow, member):
        program = await ctx.core.command_program(uow, actor, member, require_channel=True)
        if program is None:
            return error(
                wording.NOT_A_PROGRAM if actor.channel_id else wording.NEED_PROGRAM_CHANNEL
            )
        if not program.active:
            return error(wording.PAUSED_BY_ADMIN)
        # They chose to come back: a forget-me no longer keeps them out.
        await uow.members.clear_opt_out(member.workspace_id, member.external_id)
        keys = await enrol(ctx.core, uow, program, member)
        ctx.to_send += keys or []
        tz = program.timezone
        return Reply(wording.joined(program.channel_id, program.next_round_at, tz, keys is None))


async def leave(ctx: Context, _command: cmd.Leave) -> Reply:
    async with ctx.as_member() as (uow, member):
        program = await ctx.core.command_program(uow, ctx.actor, member)
        if program is None:
            return error(wording.NOT_IN_PROGRAM_LEAVE)
        membership = await uow.programs.membership(program.id, member.id)
        if membership is None or not await uow.programs.end_membership(membership, ctx.core.now()):
            return error(wording.NOT_IN_PROGRAM_LEAVE)
        ctx.to_send += await rescue.offer_after_leave(ctx.core, uow, member, program.id)
        return Reply(wording.left(program.channel_id))


async def pause(ctx: Context, command: cmd.Pause) -> Reply:
    async with ctx.as_member() as (uow, member):
        tz = member.profile.timezone or "UTC"
        moment = None
        if command.until is None:
            until = FOREVER
        else:
            moment = datetime.combine(command.until, datetime.min.time(), tzinfo=ZoneInfo(tz))
            until = moment
        await set_pause(uow, member, until, ctx.core.now())
        return reply(wording.paused(moment, tz))


async def resume(ctx: Context, _command: cmd.Resume) -> Reply:
    """End a pause, and cancel any `/coffee skip` of the next round."""
    async with ctx.as_member() as (uow, member):
        skipped = False
        for program, membership in await uow.programs.memberships_of(member.id):
            if sits_out_next(program, membership):
                membership.skip_round = None
                skipped = True
        profile = member.profile
        if profile.paused_until is None or profile.paused_until <= ctx.core.now():
            profile.paused_until = None
            return reply(wording.SKIP_CANCELLED if skipped else wording.NOT_PAUSED)
        await set_pause(uow, member, None, ctx.core.now())
        return reply(wording.RESUMED)


async def skip(ctx: Context, _command: cmd.Skip) -> Reply:
    """Sit out the next round only: of the program of the channel it's typed in, or of every
    program the member is in when typed elsewhere (a DM). Back automatically after it."""
    async with ctx.as_member() as (uow, member):
        mine = await uow.programs.memberships_of(member.id)
        here = await ctx.core.channel_program(uow, ctx.actor)
        if here is not None:
            mine = [(p, m) for p, m in mine if p.id == here.id]
        if not mine:
            return error(wording.NOT_IN_PROGRAM_SKIP)
        already = all(sits_out_next(p, m) for p, m in mine)
        for program, membership in mine:
            membership.skip_round = program.last_round_number + 1
        return reply(wording.skipping([p.channel_id for p, _ in mine], already))


def sits_out_next(program: Program, membership: Membership) -> bool:
    """Whether the member said `/coffee skip` for the program's next round."""
    return membership.skip_round == program.last_round_number + 1


# --- platform events --------------------------------------------------------------------------


async def member_joined(core: Core, workspace_id: str, channel_id: str, user_id: str) -> list[str]:
    """Someone joined a program channel: they're in, and get the interview."""
    known = await core.known_users(workspace_id, [user_id])
    async with core.uow() as uow:
        program = await core.program_at(uow, workspace_id, channel_id)
        if program is None:
            return []
        ws = await core.workspace(uow, workspace_id)
        if await uow.members.opted_out(ws.id, [user_id]):
            return []  # they asked to be forgotten; only their own /coffee join brings them back
        try:
            member = await core.member(uow, ws, user_id, known)
        except UnknownUser:
            logger.warning("member_joined: unknown user %s", user_id)
            return []
        if member.is_bot:
            return []
        return await enrol(core, uow, program, member) or []


async def member_left(core: Core, workspace_id: str, channel_id: str, user_id: str) -> list[str]:
    """Someone left a program channel: out of the next round at once; a partner left alone
    this round is offered a new match. Returns the deliveries to send."""
    async with core.uow() as uow:
        program = await core.program_at(uow, workspace_id, channel_id)
        member = await core.find_member(uow, workspace_id, user_id)
        if program is None or member is None:
            return []
        membership = await uow.programs.membership(program.id, member.id)
        if membership is not None and await uow.programs.end_membership(membership, core.now()):
            return await rescue.offer_after_leave(core, uow, member, program.id)
        return []


async def member_left_workspace(core: Core, workspace_id: str, user_id: str) -> list[str]:
    """Someone left the workspace or server: out of every program there at once (partners
    left alone this round are offered a new match). Returns the deliveries to send."""
    keys: list[str] = []
    async with core.uow() as uow:
        member = await core.find_member(uow, workspace_id, user_id)
        if member is None:
            return []
        now = core.now()
        for program in await uow.programs.of_member(member.id):
            membership = await uow.programs.membership(program.id, member.id)
            if membership is not None and await uow.programs.end_membership(membership, now):
                keys += await rescue.offer_after_leave(core, uow, member, program.id)
    return keys


async def is_member(core: Core, workspace_id: str, channel_id: str | None, user_id: str) -> bool:
    """Whether the user is in the program of `channel_id`."""
    if not channel_id:
        return False
    async with core.reading() as uow:
        program = await core.program_at(uow, workspace_id, channel_id)
        member = await core.find_member(uow, workspace_id, user_id)
        if program is None or member is None:
            return False
        membership = await uow.programs.membership(program.id, member.id)
        return membership is not None and membership.left_at is None
