"""Exclusions: `/coffee avoid` / `unavoid` (private to whoever asks; the reply is ephemeral)
and admins' `/coffee keep-apart` pairs. Both are per workspace and reach the engine as
`Rules.exclude` (see `bot.rounds`)."""

from __future__ import annotations

from bot import commands as cmd
from bot import wording
from bot.core import UnknownUser
from bot.messages import Reply
from bot.replies import Rejected, error, reply
from bot.usecases.context import Context
from bot.usecases.programs import admin_program
from storage.models import Member
from storage.uow import UnitOfWork


async def avoid(ctx: Context, command: cmd.Avoid) -> Reply:
    if command.user is None:
        async with ctx.as_member() as (uow, member):
            others = await uow.members.by_ids(await uow.avoid.avoided_by(member.id))
            return reply(wording.avoid_list([m.external_id for m in others.values()]))
    if command.user == ctx.actor.user_id:
        return error(wording.AVOID_SELF)
    try:
        async with ctx.as_member(command.user) as (uow, member):
            other = await _person(ctx, uow, member, command.user, wording.USAGE["avoid"])
            now = ctx.core.now()
            added = await uow.avoid.add(member.workspace_id, member.id, other.id, False, now)
    except Rejected as exc:
        return exc.reply
    return reply(wording.avoid_saved(command.user, already=not added))


async def unavoid(ctx: Context, command: cmd.Unavoid) -> Reply:
    async with ctx.as_member() as (uow, member):
        other = await uow.members.find(member.workspace_id, command.user)
        removed = other is not None and await uow.avoid.remove(member.id, other.id, False)
    return reply(wording.unavoid_done(command.user, removed))


async def keep_apart(ctx: Context, command: cmd.KeepApart) -> Reply:
    users = command.users or ()
    try:
        async with ctx.as_member(*users) as (uow, member):
            program = await admin_program(ctx, uow)
            if isinstance(program, Reply):
                return program
            if command.users is None:
                return Reply(wording.kept_apart_list(await _admin_pairs(uow, member)))
            usage = wording.USAGE["keep-apart"]
            a, b = [await _person(ctx, uow, member, u, usage) for u in command.users]
            if command.remove:
                changed = await uow.avoid.remove(a.id, b.id, True)
            else:
                now = ctx.core.now()
                changed = await uow.avoid.add(member.workspace_id, a.id, b.id, True, now)
    except Rejected as exc:
        return exc.reply
    return reply(wording.kept_apart(*command.users, command.remove, changed))


async def _person(ctx: Context, uow: UnitOfWork, actor: Member, user: str, usage: str) -> Member:
    """The member `user` names (created from the platform on first sight); refuses
    (`Rejected`) strangers and bots."""
    workspace = await uow.workspaces.get(actor.workspace_id)
    try:
        other = await ctx.core.member(uow, workspace, user, ctx.profiles)
    except UnknownUser:
        raise Rejected(error(wording.unknown_user("@" + user), usage)) from None
    if other.is_bot:
        raise Rejected(error(wording.AVOID_BOT))
    return other


async def _admin_pairs(uow: UnitOfWork, member: Member) -> list[tuple[str, str]]:
    pairs = await uow.avoid.pairs(member.workspace_id, admin_only=True)
    people = await uow.members.by_ids(sorted({i for pair in pairs for i in pair}))
    return [(people[a].external_id, people[b].external_id) for a, b in pairs]
