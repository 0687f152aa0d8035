"""`/coffee …` and `/thanks …`: acknowledged at once, answered ephemerally."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.context import actor_of, answer, unescape
from adapters.slack.failures import guarded
from bot.app import WarmIntro

logger = logging.getLogger(__name__)

COMMANDS = {"/coffee": "coffee", "/thanks": "thanks"}  # the command → the `WarmIntro` entry


def add_commands(app: AsyncApp, warm: WarmIntro) -> None:
    @app.command(re.compile(r"^/(coffee|thanks)$"))
    @guarded
    async def slash_command(
        ack: AsyncAck,
        body: dict[str, Any],
        context: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        run = getattr(warm, COMMANDS[str(body.get("command"))])
        reply = await run(await actor_of(context), unescape(body.get("text") or ""))
        await answer(respond, reply, body, client)
