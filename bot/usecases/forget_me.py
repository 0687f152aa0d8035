"""`/coffee forget-me`: delete everything WarmIntro knows about the person."""

from __future__ import annotations

import logging

from bot import commands as cmd
from bot import wording
from bot.forget import forget
from bot.messages import Reply
from bot.replies import reply
from bot.usecases.context import Context

logger = logging.getLogger(__name__)


async def forget_me(ctx: Context, command: cmd.ForgetMe) -> Reply:
    async with ctx.as_member() as (uow, member):
        if not command.confirmed:
            return reply(wording.FORGET_ME_CONFIRM)
        now = ctx.core.now()
        await uow.members.set_opt_out(member.workspace_id, member.external_id, now)
        # Out of their groups, partners told, no traces left.
        ctx.to_send += await forget(uow, member, now)
        logger.info("member %s deleted their data", member.id)
    return reply(wording.FORGOTTEN)
