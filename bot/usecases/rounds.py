"""Admins and rounds: preview the next round, start it now."""

from __future__ import annotations

from bot import commands as cmd
from bot import wording
from bot.messages import Reply
from bot.replies import error, reply
from bot.rounds import (
    AlreadyStarted,
    describe_plan,
    describe_violations,
    plan_round,
    start_round,
)
from bot.usecases.context import Context
from bot.usecases.programs import admin_program
from storage.models import Program

# A `match-now` this soon (seconds) after the last round's start asks for confirmation.
CONFIRM_WINDOW = 10 * 60


async def _admin_program(ctx: Context) -> Program | Reply:
    async with ctx.reading_member() as (uow, _member):
        return await admin_program(ctx, uow)


async def preview(ctx: Context, _command: cmd.Preview) -> Reply:
    program = await _admin_program(ctx)
    if isinstance(program, Reply):
        return program
    plan = await plan_round(ctx.core, program.id)
    if plan is None:
        return error(wording.NOT_A_PROGRAM)
    violations = wording.violation_lines(describe_violations(plan))
    return Reply(wording.preview_message(describe_plan(plan), violations))


async def match_now(ctx: Context, command: cmd.MatchNow) -> Reply:
    """Start the next round now; answer as soon as it is saved, deliver in the background.

    A second `match-now` within `CONFIRM_WINDOW` of the last round's start asks first; a
    request that loses the race to another (a replica, a double click) says so.
    """
    core = ctx.core
    program = await _admin_program(ctx)
    if isinstance(program, Reply):
        return program
    async with core.uow() as uow:
        last = await uow.rounds.last(program.id)
        current = await uow.programs.get(program.id)
        seen = current.last_round_number if current else 0  # the round this one follows
    if command.round_number is not None:
        if command.round_number <= seen:  # confirmed once already: a repeat changes nothing
            return reply(wording.round_already_started(command.round_number))
        if command.round_number != seen + 1:
            return error(wording.no_such_next_round(command.round_number, seen + 1))
    if not command.confirmed and last is not None:
        ago = (core.now() - last.started_at).total_seconds()
        if ago < CONFIRM_WINDOW:
            return reply(wording.match_now_confirm(last.number, ago))
    started = await start_round(core, program.id, scheduled_for=None, after=seen, deliver=False)
    if isinstance(started, AlreadyStarted):
        return reply(wording.round_started_elsewhere(started.number))
    if started is None:
        return error(wording.NOBODY_TO_MATCH)
    if started.keys:
        delivery = ctx.outbox.flush(started.keys)
        core.background.spawn(delivery, f"round-{started.round_id}-delivery")
    as_of = started.pool.fallback_as_of
    return reply(
        wording.round_started_now(
            started.number,
            started.groups,
            core.platform.name,
            wording.when(as_of, program.timezone) if as_of else None,
        )
    )
