"""Interactions → the core: who acted, which `WarmIntro` entry point, and the answer.

The client builds one `Router` and hands it to what needs it — the `/coffee` group, its
`ActionButton` subclass, its own `on_interaction` — so nothing reaches back through
`interaction.client`. Every entry runs inside `guarded` (the person hears when it failed).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from adapters.discord import custom_ids
from adapters.discord.components import (
    ActionButton,
    answer_deferred,
    answer_within_budget,
    guarded,
    send_text,
    submitted_values,
)
from adapters.discord.roles import RoleSync
from adapters.discord.routing import Routes
from bot import actions, wording
from bot.app import WarmIntro
from bot.core import Actor
from bot.messages import Reply

logger = logging.getLogger(__name__)

NOT_READY = "WarmIntro is starting up — try again in a moment."
EXPIRED = wording.BUTTON_EXPIRED
_GUILDS_REMEMBERED = 50_000

CommandWork = Callable[[WarmIntro, Actor], Awaitable[Reply]]


class GuildMemory:
    """user id → the guild they last dealt with us in (to place their DMs); bounded."""

    def __init__(self, size: int = _GUILDS_REMEMBERED) -> None:
        self.size = size
        self._guild_of: OrderedDict[int, int] = OrderedDict()

    def remember(self, user_id: int | str, guild_id: int | str) -> None:
        key = int(user_id)
        self._guild_of[key] = int(guild_id)
        self._guild_of.move_to_end(key)
        while len(self._guild_of) > self.size:
            self._guild_of.popitem(last=False)

    def get(self, user_id: int) -> int | None:
        return self._guild_of.get(user_id)

    def clear(self) -> None:
        self._guild_of.clear()


class Router:
    """Slash commands, button presses and form submits, each to its `WarmIntro` entry point."""

    def __init__(self, routes: Routes, guilds: GuildMemory, roles: RoleSync) -> None:
        self.routes = routes
        self.guilds = guilds
        self.roles = roles
        self.app: WarmIntro | None = None

    def actor_for(
        self, interaction: discord.Interaction[Any], guild_hint: str | None = None
    ) -> Actor | None:
        """Who acted, where: the program channel (a thread's parent), Manage Server = admin."""
        user = interaction.user
        if interaction.guild_id is not None:
            channel = interaction.channel
            if isinstance(channel, discord.Thread):
                channel_id = channel.parent_id
            else:
                channel_id = channel.id if channel is not None else None
            self.guilds.remember(user.id, interaction.guild_id)
            return Actor(
                workspace_id=str(interaction.guild_id),
                user_id=str(user.id),
                channel_id=str(channel_id) if channel_id else None,
                is_admin=interaction.permissions.manage_guild,
                display_name=user.display_name,
            )
        if guild_hint:  # a button or form in a DM: the guild came in its custom id
            return Actor(str(guild_hint), str(user.id), None, False, user.display_name)
        return None

    def _ready(
        self, interaction: discord.Interaction[Any], guild_hint: str | None = None
    ) -> tuple[WarmIntro, Actor] | None:
        self.routes.activate()
        app, actor = self.app, self.actor_for(interaction, guild_hint)
        if app is None or actor is None:
            return None
        return app, actor

    async def command(
        self, interaction: discord.Interaction[Any], work: CommandWork, joins: bool | None = None
    ) -> None:
        """A slash command: defer, ask the core, follow up ephemerally. `joins`: the command
        joins (True) or leaves (False) a program, and the member role follows if it worked."""
        ready = self._ready(interaction)
        if ready is None:
            await send_text(interaction, NOT_READY)
            return
        app, actor = ready
        reply = await guarded(
            interaction,
            f"command from {actor.user_id}",
            lambda: answer_deferred(interaction, actor, lambda: work(app, actor)),
        )
        if joins is not None:
            await self._sync_role(actor, reply, joins)

    async def _sync_role(self, actor: Actor, reply: Reply | None, joined: bool) -> None:
        if reply is not None and reply.ok:
            await self.roles.sync(actor, joined)

    async def button(
        self, interaction: discord.Interaction[Any], action_id: str, guild_id: str | None
    ) -> None:
        ready = self._ready(interaction, guild_id)
        if ready is None:
            await send_text(interaction, NOT_READY if self.app is None else EXPIRED)
            return
        app, actor = ready
        reply = await guarded(
            interaction,
            f"button {action_id[:100]!r} from {actor.user_id}",
            lambda: answer_within_budget(interaction, actor, lambda: app.action(actor, action_id)),
        )
        if isinstance(actions.decode_action(action_id), actions.JoinProgram):
            await self._sync_role(actor, reply, joined=True)

    async def form_submitted(self, interaction: discord.Interaction[Any]) -> None:
        """A modal submit, answered from its payload alone (any process, any time)."""
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        parsed = custom_ids.decode_form(str(data.get("custom_id") or ""))
        if parsed is None:  # no form of ours: still, the person gets an answer
            await send_text(interaction, wording.FORM_EXPIRED)
            return
        form_id, guild_id = parsed
        ready = self._ready(interaction, guild_id)
        if ready is None:
            await send_text(interaction, NOT_READY)
            return
        app, actor = ready
        values = submitted_values(data)
        await guarded(
            interaction,
            f"form {form_id[:40]!r} from {actor.user_id}",
            lambda: answer_deferred(
                interaction, actor, lambda: app.form_submitted(actor, form_id, values)
            ),
        )

    def button_class(self) -> type[ActionButton]:
        """`ActionButton` with its presses routed here: the client registers it."""
        router = self

        class RoutedButton(ActionButton, template=custom_ids.BUTTON):
            async def callback(self, interaction: discord.Interaction[Any]) -> None:
                await router.button(interaction, self.action_id, self.guild_id)

        return RoutedButton
