"""Programs: the bot joining and leaving channels, setup, settings and figures (admins)."""

from __future__ import annotations

import logging

from bot import commands as cmd
from bot import keys as key_of
from bot import wording
from bot.core import Core
from bot.ledger import Outgoing, enqueue
from bot.messages import Message, Reply
from bot.ports import ChannelTarget
from bot.program_settings import apply_setting, max_size_on, reschedule, settings_rows
from bot.replies import Rejected, error, reply
from bot.states import DeliveryKind
from bot.text import InputError
from bot.usecases.context import Context
from storage.models import Program
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)


async def admin_program(ctx: Context, uow: UnitOfWork) -> Program | Reply:
    """The program of the channel the actor typed in, if they may run it; else the refusal."""
    program = await ctx.core.channel_program(uow, ctx.actor)
    if program is None:
        return error(wording.NOT_A_PROGRAM)
    if not ctx.is_admin(program):
        return error(wording.NOT_ADMIN)
    return program


async def open_program(
    core: Core,
    uow: UnitOfWork,
    workspace_id: str,
    channel_id: str,
    added_by: str | None,
    name: str | None,
) -> tuple[Program, bool]:
    """Create or re-activate the program of a channel. Returns it, and whether it was
    (re)opened now (False: it was active already)."""
    now = core.now()
    ws = await core.workspace(uow, workspace_id)
    program = await uow.programs.by_channel(ws.id, channel_id)
    if program is None:
        program = Program(
            workspace_id=ws.id,
            channel_id=channel_id,
            name=name,
            cadence="weekly",
            weekday=0,
            local_time="10:00",
            timezone=core.settings.default_timezone,
            group_size=2,
            active=True,
            added_by=added_by,
            last_round_number=0,
            created_at=now,
        )
        uow.programs.add(program)
    elif program.active:
        return program, False
    program.active = True
    program.added_by = program.added_by or added_by
    reschedule(program, now)
    await uow.flush()
    return program, True


async def welcome(core: Core, uow: UnitOfWork, program: Program) -> str:
    """Queue the program's welcome post; returns its delivery key."""
    now = core.now()
    schedule = wording.describe_schedule(
        program.cadence, program.weekday, program.local_time, program.timezone
    )
    pool_is_channel = getattr(core.platform, "pool_is_channel", False)
    item = Outgoing(
        key_of.welcome(program.id, now),
        DeliveryKind.WELCOME,
        ChannelTarget(program.channel_id),
        wording.welcome(program.channel_id, program.purpose, schedule, pool_is_channel),
        now,
    )
    await enqueue(uow, program.workspace_id, item, now)
    return item.key


async def bot_added(
    core: Core, workspace_id: str, channel_id: str, added_by: str | None, name: str | None
) -> tuple[Program, str | None]:
    """The bot joined a channel: its program opens (once), with a welcome to send."""
    async with core.uow() as uow:
        program, opened = await open_program(core, uow, workspace_id, channel_id, added_by, name)
        return program, (await welcome(core, uow, program) if opened else None)


async def setup(ctx: Context, settings: dict[str, str], name: str | None) -> Reply:
    """Open the actor's channel as a program with `settings`; any bad value changes nothing."""
    actor = ctx.actor
    assert actor.channel_id is not None
    try:
        async with ctx.as_member() as (uow, _member):
            program, _ = await open_program(
                ctx.core, uow, actor.workspace_id, actor.channel_id, actor.user_id, name
            )
            for config_key, value in settings.items():
                try:
                    limit = max_size_on(ctx.core.platform)
                    apply_setting(program, config_key, value, ctx.core.now(), limit)
                except InputError as exc:
                    raise Rejected(error(exc.line, wording.USAGE["config"])) from None
            reschedule(program, ctx.core.now())
            ctx.to_send.append(await welcome(ctx.core, uow, program))
            rows = settings_rows(program)
    except Rejected as exc:
        return exc.reply
    return Reply(wording.config_shown(rows))


async def bot_removed(core: Core, workspace_id: str, channel_id: str) -> None:
    async with core.uow() as uow:
        program = await core.program_at(uow, workspace_id, channel_id)
        if program is not None:
            program.active = False
            logger.info("program %s paused: bot removed from %s", program.id, channel_id)


async def workspace_removed(core: Core, workspace_id: str) -> None:
    """The app was uninstalled: the workspace's programs pause (their data stays)."""
    async with core.uow() as uow:
        ws = await uow.workspaces.find(core.platform.name, workspace_id)
        if ws is None:
            return
        for program in await uow.programs.in_workspace(ws.id):
            program.active = False
    logger.info("workspace %s uninstalled: programs paused", workspace_id)


async def config(ctx: Context, command: cmd.Config) -> Reply:
    key, value = command.key, command.value
    async with ctx.as_member() as (uow, _member):
        program = await admin_program(ctx, uow)
        if isinstance(program, Reply):
            return program
        if key is None:
            return Reply(wording.config_shown(settings_rows(program)))
        if value is None:
            rows = dict(settings_rows(program))
            if key in rows:
                return reply(wording.setting_shown(key, rows[key]))
            return error(wording.no_such_setting(key), wording.USAGE["config"])
        try:
            limit = max_size_on(ctx.core.platform)
            shown = apply_setting(program, key, value, ctx.core.now(), limit)
        except InputError as exc:
            return error(exc.line, wording.USAGE["config"])
        return reply(wording.config_saved(key, shown))


async def stats(ctx: Context, _command: cmd.Stats) -> Reply:
    async with ctx.reading_member() as (uow, member):
        program = await ctx.core.command_program(uow, ctx.actor, member)
        if program is None:
            return error(wording.NOT_A_PROGRAM)
        active = await uow.programs.active_members(program.id)
        now = ctx.core.now()
        paused = sum(1 for m in active if m.profile.paused_until and m.profile.paused_until > now)
        figures = await uow.rounds.stats(program.id)
        quiet = await uow.care.ghost_count(program.id, now)
        shown = wording.stats_message(
            program.channel_id,
            len(active),
            paused,
            figures["rounds"],
            figures["groups"],
            figures["met"],
            figures["answered"],
            await uow.thanks.count(program.id),
        )
        return Reply(Message((*shown.lines, (wording.quiet_members(quiet),))))
