"""Check-in buttons ("We met", …) and the interview's DM answers and skips."""

from __future__ import annotations

from bot import interview, rescue, wording
from bot.actions import Checkin, CheckinAnswer, SkipQuestion
from bot.checkins import record_answer
from bot.core import UnknownUser
from bot.messages import Reply, text_message
from bot.replies import error, reply
from bot.usecases.context import Context


async def checkin(ctx: Context, action: Checkin) -> Reply:
    async with ctx.as_member() as (uow, member):
        result = await record_answer(ctx.core, uow, member, action.group_id, action.answer)
        if result.ok and action.answer == CheckinAnswer.SKIPPED:
            result.keys += await rescue.offer_after_skip(ctx.core, uow, member, action.group_id)
    ctx.to_send += result.keys
    return Reply(text_message(result.text, buttons=result.buttons), ok=result.ok)


async def skip_question(ctx: Context, action: SkipQuestion) -> Reply:
    async with ctx.as_member() as (uow, member):
        return Reply(await interview.skip(ctx.core, uow, member, action.step))


async def direct_message(ctx: Context, text: str) -> Reply:
    """A DM to the bot: the answer to an interview question, or just saying hi."""
    core, actor = ctx.core, ctx.actor
    known = await core.known_users(actor.workspace_id, [actor.user_id])
    async with core.uow() as uow:
        ws = await core.workspace(uow, actor.workspace_id)
        try:
            member = await core.member(uow, ws, actor.user_id, known)
        except UnknownUser:
            return error(wording.unknown_user(actor.user_id))
        message = await interview.answer(core, uow, member, text)
    return Reply(message) if message else reply(wording.DM_HINT)
