"""App Home: the member's profile, current match, colleagues met, and an edit button."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import limits, render
from adapters.slack.context import actor_of
from adapters.slack.failures import guarded
from bot.actions import EditProfile
from bot.app import WarmIntro
from bot.commands import Status
from bot.core import Actor
from bot.messages import Message

logger = logging.getLogger(__name__)


def add_home(app: AsyncApp, warm: WarmIntro) -> None:
    @app.event("app_home_opened")
    @guarded
    async def home(event: dict[str, Any], context: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        await publish_home(warm, client, await actor_of(context))


async def publish_home(warm: WarmIntro, client: AsyncWebClient, who: Actor) -> None:
    status = await warm.run(who, Status())
    await client.views_publish(user_id=who.user_id, view=home_view(status.message))


def home_view(status: Message | None) -> dict[str, Any]:
    """The App Home tab: the status (what `/coffee status` says) and an edit button."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "☕ Your coffee chats"}},
    ]
    if status is not None:  # the header above and the 3 blocks below leave 96 for the status
        blocks += render.blocks(status, limits.VIEW_BLOCKS - 4)
    edit = EditProfile().encode()
    blocks += [
        {"type": "divider"},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": edit,
                    "text": {"type": "plain_text", "text": "Edit interests"},
                    "style": "primary",
                    "value": edit,
                }
            ],
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "`/coffee help` lists every command · `/thanks @someone …` says thanks",
                }
            ],
        },
    ]
    return {"type": "home", "blocks": blocks}
