"""Slash commands over HTTP, answered in the acknowledgement when the answer is ready in time.

Slack waits three seconds for the HTTP answer to a slash command, and shows a message in that
answer as the ephemeral reply. So a command runs as soon as it arrives; when its reply is ready
within `ACK_SECONDS` it *is* the ack (no second request to the response_url). A command still
running then is acknowledged empty and keeps going; its reply goes to the response_url when it
is ready (by DM when there is no usable one). What a command queued (an interview DM, a
welcome) is sent after the reply either way (`Core.deliver_soon`).

This path leaves bolt out: the guard (`guard.py`) has already checked the signature and the
shape, and a slash command needs nothing else bolt does per request (its listener matching,
a Web API client per request, a second signature check, polling for the ack). Socket Mode
still goes through bolt's listener (`commands.py`), which acknowledges first.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from adapters.slack import render
from adapters.slack.context import RequestActor, reply_later, unescape
from adapters.slack.platform import SlackPlatform
from bot import wording
from bot.app import WarmIntro
from bot.messages import Reply, text_message

logger = logging.getLogger(__name__)

COMMANDS = {"/coffee": "coffee", "/thanks": "thanks"}  # the command → the `WarmIntro` entry
# How long a command may run before the ack goes out without it (Slack gives up at 3 s; the
# rest is for the network and for a loaded event loop to write the answer).
ACK_SECONDS = 2.0
# Commands run at most this many at a time, the rest wait their turn in arrival order. All at
# once, a burst interleaves on the event loop: every command then takes as long as the whole
# burst, and a transaction holds its locks (SQLite's write lock, a pooled connection) while it
# waits behind the others. In turn, each one is answered about as soon as its CPU allows.
CONCURRENT = 4


def is_slash_command(body: dict[str, Any]) -> bool:
    """A `/coffee` or `/thanks` request (not Slack's ssl_check, which has no command)."""
    return body.get("command") in COMMANDS and not body.get("ssl_check")


@dataclass(slots=True)
class _Answer:
    """One command's reply, and whether the ack has gone out without it."""

    ready: asyncio.Future[Reply] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    late: bool = False


class SlashCommands:
    """Runs `/coffee` and `/thanks` for the HTTP endpoint (see the module docstring)."""

    def __init__(
        self, warm: WarmIntro, platform: SlackPlatform, check_installed: bool = False
    ) -> None:
        self.warm = warm
        self.platform = platform
        # With OAuth a workspace may not have installed the app: nothing is run for it.
        self.check_installed = check_installed
        self._turns = asyncio.Semaphore(CONCURRENT)

    async def handle(self, body: dict[str, Any]) -> web.Response:
        team = str(body.get("team_id") or "")
        if self.check_installed and not await self.platform.installed(team):
            return _ack_with(Reply(text_message(wording.NOT_INSTALLED)))
        answer = _Answer()
        self.warm.core.background.spawn(self._run(body, answer), "slash-command")
        try:
            reply = await asyncio.wait_for(asyncio.shield(answer.ready), ACK_SECONDS)
        except TimeoutError:
            answer.late = True
            logger.info("%s still running after %ss: acknowledged", body["command"], ACK_SECONDS)
            return web.Response(status=200)
        except asyncio.CancelledError:  # the connection went away: the reply goes by URL
            answer.late = not answer.ready.done()
            raise
        return _ack_with(reply)

    async def _run(self, body: dict[str, Any], answer: _Answer) -> None:
        async with self._turns:
            reply = await self._reply(body)
        if not answer.late:
            answer.ready.set_result(reply)
            return
        try:
            await reply_later(self.platform, reply, body)
        except Exception:
            logger.warning("could not send a late slash-command reply", exc_info=True)

    async def _reply(self, body: dict[str, Any]) -> Reply:
        """The command's reply; a failure is logged and answered "something went wrong"."""
        who = RequestActor(
            self.platform,
            str(body.get("team_id") or ""),
            str(body.get("user_id") or ""),
            body.get("channel_id"),
        )
        run = getattr(self.warm, COMMANDS[str(body["command"])])
        try:
            return await run(await who(), unescape(body.get("text") or ""))  # type: ignore[no-any-return]
        except Exception:
            logger.exception("Slack command %s failed", body.get("command"))
            return Reply(text_message(wording.SOMETHING_WENT_WRONG))


def _ack_with(reply: Reply) -> web.Response:
    """The ack, carrying the reply (ephemeral) when there is one."""
    if reply.message is None:
        return web.Response(status=200)
    payload = {"response_type": "ephemeral", **render.post_args(reply.message)}
    return web.json_response(payload)
