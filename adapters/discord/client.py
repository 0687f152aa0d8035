"""The discord.py client: gateway events in, calls to the `WarmIntro` facade out.

    slash command ─▶ tree ─▶ CoffeeGroup ──┐
    button press ─▶ RoutedButton ──────────┼─▶ Router ─▶ WarmIntro (core) ─▶ Reply
    form submit ─▶ on_interaction ─────────┘     │                 │ outbox
                                   ephemeral answer ◀┘     DiscordPlatform ──▶ REST

The client builds the `Router` and hands it to the command group and the button class, so
nothing reaches back through `interaction.client`. DMs and server events go to the core here.
Intents: `guilds` and `dm_messages` only (DM text arrives without the privileged
message-content intent). `DISCORD_MEMBERS_INTENT` adds *Server Members* for instant removal.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import discord
from discord import app_commands
from discord.http import HTTPClient

from adapters.discord import custom_ids
from adapters.discord.commands import add_commands
from adapters.discord.components import FAILED, guarded, render_reply, send_text
from adapters.discord.options import DiscordOptions, parse_guild_ids
from adapters.discord.roles import RoleSync
from adapters.discord.router import GuildMemory, Router
from adapters.discord.routing import RoutedHTTPClient, Routes
from bot import wording
from bot.app import WarmIntro
from bot.config import Settings
from bot.core import Actor

logger = logging.getLogger(__name__)

_DM_HISTORY = 25


def intents_for(options: DiscordOptions) -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True  # servers, channels, roles, and channel/server removal
    intents.dm_messages = True  # interview answers by DM
    intents.members = options.members_intent  # privileged; opt-in only
    return intents


class WarmIntroTree(app_commands.CommandTree["WarmIntroClient"]):
    def __init__(self, client: WarmIntroClient, routes: Routes) -> None:
        super().__init__(client)
        self.routes = routes

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        self.routes.activate()
        return True

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError, /
    ) -> None:
        logger.error("command %r failed", interaction.command, exc_info=error)
        await send_text(interaction, FAILED)


class WarmIntroClient(discord.Client):
    """WarmIntro on Discord. Build it with `create_client`, then `attach` the app."""

    def __init__(
        self,
        settings: Settings,
        options: DiscordOptions | None = None,
        **client_options: Any,
    ) -> None:
        self.settings = settings
        self.options = options or DiscordOptions.from_settings(settings)
        self.guild_ids = parse_guild_ids(settings.discord_guild_ids)
        client_options.setdefault("intents", intents_for(self.options))
        client_options.setdefault("allowed_mentions", discord.AllowedMentions.none())
        self.routes = Routes(settings.discord_api_url, settings.discord_gateway_url)
        super().__init__(**client_options)  # sets `http`: see its setter below
        self.guild_memory = GuildMemory()
        self.router = Router(
            self.routes, self.guild_memory, RoleSync(self, self.options.member_role)
        )
        self.tree = WarmIntroTree(self, self.routes)
        add_commands(self.tree, self.router)
        self.add_dynamic_items(self.router.button_class())

    @property  # type: ignore[override]
    def http(self) -> HTTPClient:
        return self._routed_http

    @http.setter
    def http(self, http: HTTPClient) -> None:
        """discord.py builds its HTTP client in `Client.__init__` and hands it to its connection
        state; this client swaps in one with its own REST base and gateway right there."""
        if self.routes.api_base or self.routes.gateway:
            http = RoutedHTTPClient.replacing(http, self.routes.api_base, self.routes.gateway)
        self._routed_http = http

    @property
    def app(self) -> WarmIntro | None:
        return self.router.app

    def attach(self, app: WarmIntro) -> None:
        """Dispatch events and interactions to `app` from now on."""
        self.router.app = app

    # --- lifecycle ----------------------------------------------------------------------------

    async def setup_hook(self) -> None:
        self.routes.activate()
        if self.options.members_intent:
            logger.info(
                "requesting the privileged Server Members intent (DISCORD_MEMBERS_INTENT): "
                "enable it under Bot → Privileged Gateway Intents, or Discord refuses (4014)"
            )
        if self.options.member_role:
            logger.info(
                "role sync with %r: needs the Manage Roles permission and a bot role above it; "
                "no privileged intent",
                self.options.member_role,
            )
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """To `DISCORD_GUILD_IDS` at once (development), else globally."""
        try:
            if self.guild_ids:
                for guild_id in self.guild_ids:
                    guild = discord.Object(guild_id)
                    self.tree.copy_global_to(guild=guild)
                    synced = await self.tree.sync(guild=guild)
                    logger.info("synced %s commands to guild %s", len(synced), guild_id)
            else:
                synced = await self.tree.sync()
                logger.info("synced %s global commands", len(synced))
        except discord.HTTPException:
            logger.exception("could not sync the slash commands; the previous ones stay")

    async def on_ready(self) -> None:  # also after a reconnect: nothing here may repeat work
        logger.info("connected as %s to %s servers", self.user, len(self.guilds))

    # --- interactions (commands and buttons are routed by the tree and the dynamic item) ---

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Every form submit, answered from its payload (so any process can answer it)."""
        if interaction.type is discord.InteractionType.modal_submit:
            await self.router.form_submitted(interaction)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """Any event handler that raised: the log gets the traceback; a person who was waiting
        on an interaction hears that it failed (if nobody told them yet)."""
        # discord.py calls this from inside its `except`: the exception is the current one.
        logger.error("event %s failed", event_method, exc_info=sys.exc_info())
        interaction = next((a for a in args if isinstance(a, discord.Interaction)), None)
        if interaction is not None:
            await send_text(interaction, FAILED)

    # --- gateway events -----------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        """A DM to the bot: an interview answer, or just hello. Guild messages aren't ours."""
        if message.author.bot or message.guild is not None or self.app is None:
            return
        if not isinstance(message.channel, discord.DMChannel | discord.PartialMessageable):
            return
        text = message.content.strip()
        if not text:
            return
        author = message.author
        guild_id = await self.guild_for_dm(author.id, message.channel)
        if guild_id is None:
            await message.channel.send(
                wording.DM_HINT, allowed_mentions=discord.AllowedMentions.none()
            )
            return
        actor = Actor(str(guild_id), str(author.id), None, False, author.display_name)
        app = self.app
        reply = await guarded(
            message.channel, f"DM from {author.id}", lambda: app.direct_message(actor, text)
        )
        if reply is not None and reply.message is not None:
            for kwargs in render_reply(reply.message, str(guild_id)):
                await message.channel.send(**kwargs)

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        if self.app is not None:
            await self.app.bot_removed(str(channel.guild.id), str(channel.id))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot was removed from (or lost) a server: its programs pause."""
        if self.app is None:
            return
        await self.app.workspace_removed(str(guild.id))
        logger.info("removed from guild %s; its programs are paused", guild.id)

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """Someone left the server (needs the Server Members intent): out of every program."""
        if self.app is not None:
            await self.app.member_left_workspace(str(payload.guild_id), str(payload.user.id))

    # --- which server a DM is about -----------------------------------------------------------

    def remember_guild(self, user_id: int | str, guild_id: int | str) -> None:
        self.guild_memory.remember(user_id, guild_id)

    async def guild_for_dm(self, user_id: int, channel: discord.abc.Messageable) -> int | None:
        """The server a DM from `user_id` is about.

        The last server they used WarmIntro in (this process); else the server named in the
        buttons of our latest DM to them (survives restarts); else our only server.
        """
        known = self.guild_memory.get(user_id)
        if known is not None:
            return known
        try:
            async for earlier in channel.history(limit=_DM_HISTORY):
                if self.user is None or earlier.author.id != self.user.id:
                    continue
                for row in earlier.components:
                    for child in getattr(row, "children", ()):
                        custom_id = getattr(child, "custom_id", None) or ""
                        _, guild = custom_ids.decode_button(custom_id)
                        if guild is not None:
                            self.remember_guild(user_id, guild)
                            return int(guild)
        except (discord.HTTPException, NotImplementedError) as exc:
            logger.debug("DM history of %s unavailable: %s", user_id, exc)
        if len(self.guilds) == 1:
            return self.guilds[0].id
        return None


class ShardedWarmIntroClient(WarmIntroClient, discord.AutoShardedClient):
    """The same client on discord.py's auto-sharding (`DISCORD_SHARDED`), for large bots."""


def create_client(
    settings: Settings, options: DiscordOptions | None = None, **client_options: Any
) -> WarmIntroClient:
    """The discord.py client with its command tree, not connected. `client_options` go to
    discord.py (e.g. `guild_ready_timeout`)."""
    options = options or DiscordOptions.from_settings(settings)
    if options.sharded:
        if options.shard_count:
            client_options.setdefault("shard_count", options.shard_count)
        return ShardedWarmIntroClient(settings, options, **client_options)
    return WarmIntroClient(settings, options, **client_options)
