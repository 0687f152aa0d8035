"""The use cases: one short handler per `/coffee` command, registered by command type.

    reply = await HANDLERS[type(command)](ctx, command)

A handler opens its transaction as the actor (`ctx.as_member()`), changes what it must,
queues messages on `ctx.to_send` (sent once the transaction has committed) and returns the
`Reply`. Adding a command: a dataclass and a parser branch in `bot.commands`, a handler here
(in the module of its concern), its words in `bot.wording`, and a test.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot import commands as cmd
from bot import wording
from bot.messages import Reply
from bot.usecases import (
    avoid,
    dashboard,
    forget_me,
    membership,
    profile,
    programs,
    rounds,
    slots,
)
from bot.usecases.context import Context

Handler = Callable[[Context, Any], Awaitable[Reply]]


async def help_(_ctx: Context, command: cmd.Help) -> Reply:
    return Reply(wording.help_message(command.topic))


HANDLERS: dict[type, Handler] = {
    cmd.Help: help_,
    cmd.Join: membership.join,
    cmd.Leave: membership.leave,
    cmd.Pause: membership.pause,
    cmd.Resume: membership.resume,
    cmd.Skip: membership.skip,
    cmd.SetTags: profile.set_tags,
    cmd.SetTeam: profile.set_team,
    cmd.SetLocation: profile.set_location,
    cmd.SetTimezone: profile.set_timezone,
    cmd.SetHours: slots.set_hours,
    cmd.Avoid: avoid.avoid,
    cmd.Unavoid: avoid.unavoid,
    cmd.KeepApart: avoid.keep_apart,
    cmd.Status: profile.status,
    cmd.History: profile.history,
    cmd.Stats: programs.stats,
    cmd.Config: programs.config,
    cmd.Preview: rounds.preview,
    cmd.MatchNow: rounds.match_now,
    cmd.Dashboard: dashboard.dashboard,
    cmd.MyPage: dashboard.my_page,
    cmd.ForgetMe: forget_me.forget_me,
}

__all__ = ["HANDLERS", "Context", "Handler"]
