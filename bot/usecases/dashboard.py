"""`/coffee dashboard` and `/coffee me`: private one-time links to the web dashboard."""

from __future__ import annotations

import logging

from bot import commands as cmd
from bot import wording
from bot.messages import Reply, text_message
from bot.replies import error
from bot.signin import Role, SignIn
from bot.usecases.context import Context

logger = logging.getLogger(__name__)


async def runs_a_program(ctx: Context) -> bool:
    """Whether the actor administers any program of their workspace."""
    if ctx.actor.is_admin:
        return True
    async with ctx.core.reading() as uow:
        ws = await uow.workspaces.find(ctx.core.platform.name, ctx.actor.workspace_id)
        programs = await uow.programs.in_workspace(ws.id) if ws else []
    return any(ctx.is_admin(p) for p in programs)


async def dashboard(ctx: Context, _command: cmd.Dashboard) -> Reply:
    if not await runs_a_program(ctx):
        return error(wording.DASHBOARD_ONLY_ADMINS)
    url = await SignIn(ctx.core).issue(ctx.actor, Role.ADMIN)
    return Reply(text_message(*wording.dashboard_link(url)))


async def my_page(ctx: Context, _command: cmd.MyPage) -> Reply:
    async with ctx.reading_member():
        pass  # the person is known (created on first sight) before their link exists
    url = await SignIn(ctx.core).issue(ctx.actor, Role.MEMBER)
    return Reply(text_message(*wording.my_page_link(url)))
