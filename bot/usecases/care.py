"""Answers to the "Still up for coffee chats?" question and to a rescue offer. The message with
the buttons is updated to show the answer (`Platform.update`) where it can be."""

from __future__ import annotations

import logging

from bot import ghosts, rescue, wording
from bot import keys as key_of
from bot.actions import AcceptRescue, GhostChoice, GhostReply
from bot.messages import Message, Reply, text_message
from bot.pauses import set_pause
from bot.ports import PlatformError, SentRef
from bot.replies import error
from bot.states import GhostAnswer
from bot.usecases.context import Context

logger = logging.getLogger(__name__)


async def ghost_reply(ctx: Context, action: GhostReply) -> Reply:
    now = ctx.core.now()
    async with ctx.as_member() as (uow, member):
        check = await uow.care.check(action.check_id, lock=True)
        if check is None:
            return error(wording.BUTTON_EXPIRED)
        if check.member_id != member.id:
            return error(wording.NOT_YOUR_QUESTION)
        if check.answer not in (None, GhostAnswer.AUTO_PAUSED):
            return Reply(text_message(wording.GHOST_ALREADY_ANSWERED))
        program = await uow.programs.get(check.program_id)
        if program is None:
            return error(wording.BUTTON_EXPIRED)
        until = None
        if action.choice == GhostChoice.KEEP:
            await set_pause(uow, member, None, now)
            membership = await uow.programs.membership(program.id, member.id)
            if membership is not None and membership.left_at is not None:
                await uow.programs.start_membership(program.id, member.id, now)
        elif action.choice == GhostChoice.PAUSE:
            until = await ghosts.pause_until(uow, member, now)
        else:
            membership = await uow.programs.membership(program.id, member.id)
            if membership is not None:
                await uow.programs.end_membership(membership, now)
        member.profile.updated_at = now
        check.answer = GhostAnswer(action.choice.value)
        check.answered_at = now
        tz = member.profile.timezone or program.timezone
        answered = wording.ghost_answered(action.choice, program.channel_id, until, tz)
        asked = await uow.deliveries.by_key(
            key_of.ghost_question(program.id, member.id, check.asked_round)
        )
        ref = asked.platform_ref if asked is not None else None
    await _show_answer(ctx, ref, answered)
    return Reply(answered)


async def accept_rescue(ctx: Context, action: AcceptRescue) -> Reply:
    async with ctx.as_member() as (uow, member):
        offer = await uow.care.rescue(action.rescue_id)
        if offer is None:
            return error(wording.BUTTON_EXPIRED)
        if offer.member_id != member.id:
            return error(wording.NOT_YOUR_OFFER)
        text, keys = await rescue.accept(ctx.core, uow, offer, ctx.core.now())
        sent = await uow.deliveries.by_key(key_of.rescue_offer(offer.round_id, member.id))
        ref = sent.platform_ref if sent is not None else None
    ctx.to_send += keys
    answered = text_message(text)
    await _show_answer(ctx, ref, answered)
    return Reply(answered)


async def _show_answer(ctx: Context, ref: str | None, message: Message) -> None:
    """Replace the message with the buttons by the answer (after the transaction)."""
    if not ref:
        return
    try:
        await ctx.core.platform.update(ctx.actor.workspace_id, SentRef.decode(ref), message)
    except PlatformError as exc:
        logger.info("could not update the answered message %s: %s", ref[:80], exc.reason)
