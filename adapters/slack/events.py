"""Slack events: channel membership, people leaving, DMs to the bot, uninstalls."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from adapters.slack.context import ACTOR, RequestActor, team_of, unescape
from adapters.slack.failures import guarded
from adapters.slack.oauth import InstallationStore
from adapters.slack.platform import SlackPlatform
from bot.app import WarmIntro

logger = logging.getLogger(__name__)


def add_membership_events(app: AsyncApp, warm: WarmIntro, platform: SlackPlatform) -> None:
    @app.event("member_joined_channel")
    @guarded
    async def joined(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        team, channel, user = team_of(body, context), event["channel"], event["user"]
        if user == context.get("bot_user_id"):
            await warm.bot_added(team, channel, event.get("inviter"))
        else:
            await warm.member_joined(team, channel, user)

    @app.event("member_left_channel")
    @guarded
    async def left(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        team, channel, user = team_of(body, context), event["channel"], event["user"]
        if user == context.get("bot_user_id"):
            await warm.bot_removed(team, channel)
        else:
            await warm.member_left(team, channel, user)

    @app.event("channel_left")
    @app.event("group_left")
    @guarded
    async def removed(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        await warm.bot_removed(team_of(body, context), event["channel"])

    @app.event("user_change")
    @guarded
    async def user_change(
        event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]
    ) -> None:
        user = event.get("user") or {}
        platform.forget_user(team_of(body, context), str(user.get("id")))
        if user.get("deleted"):
            await warm.member_left_workspace(team_of(body, context), str(user.get("id")))


def add_direct_messages(app: AsyncApp, warm: WarmIntro) -> None:
    """DMs to the bot (only when the optional im:history scope is granted)."""

    @app.event("message")
    @guarded
    async def message(
        event: dict[str, Any], context: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        actor: RequestActor = context[ACTOR]
        reply = await warm.direct_message(
            actor.without_admin_check(), unescape(str(event.get("text") or ""))
        )
        if reply.message is not None:
            await client.chat_postMessage(
                channel=event["channel"], **render.post_args(reply.message)
            )


def add_uninstall_events(
    app: AsyncApp,
    warm: WarmIntro,
    installations: InstallationStore | None,
    forget_tokens: Callable[[str], None],
) -> None:
    @app.event("app_uninstalled")
    @guarded
    async def uninstalled(body: dict[str, Any], context: dict[str, Any]) -> None:
        team = team_of(body, context)
        if installations is not None:
            await installations.async_delete_all(
                enterprise_id=context.get("enterprise_id"), team_id=team
            )
        await warm.workspace_removed(team)

    @app.event("tokens_revoked")
    @guarded
    async def revoked(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        if installations is None:
            return
        team, enterprise = team_of(body, context), context.get("enterprise_id")
        forget_tokens(team)
        tokens = event.get("tokens") or {}
        if tokens.get("bot"):
            await installations.async_delete_bot(enterprise_id=enterprise, team_id=team)
            await warm.workspace_removed(team)  # nothing can be sent there any more
        for user in tokens.get("oauth") or []:
            await installations.async_delete_installation(
                enterprise_id=enterprise, team_id=team, user_id=user
            )
