"""The discord.py client: events and interactions in, calls to the `WarmIntro` facade out.

    gateway event / interaction ──▶ WarmIntroClient ──▶ WarmIntro (core) ──▶ Reply
                                         │                     │
                                         ▼                     ▼ outbox
                              ephemeral response        DiscordPlatform ──▶ REST

Intents: `guilds` and `dm_messages` only (DM text arrives without the privileged
message-content intent). `DISCORD_MEMBERS_INTENT` adds *Server Members* for instant removal.
"""

from __future__ import annotations

import logging
import sys
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from adapters.discord.commands import add_commands
from adapters.discord.components import (
    FAILED,
    ActionButton,
    FormModal,
    answer_deferred,
    answer_within_budget,
    guarded,
    parse_form_custom_id,
    render_reply,
    send_text,
    submitted_values,
)
from adapters.discord.options import DiscordOptions, parse_guild_ids
from adapters.discord.render import decode_custom_id
from adapters.discord.routing import RoutedHTTPClient, Routes
from bot import wording as copy
from bot.app import WarmIntro
from bot.config import Settings
from bot.core import Actor
from bot.messages import Reply

logger = logging.getLogger(__name__)

JOIN_ACTION = "program:join"
NOT_READY = "WarmIntro is starting up — try again in a moment."
EXPIRED = copy.BUTTON_EXPIRED
_GUILDS_REMEMBERED = 50_000
_DM_HISTORY = 25

CommandWork = Callable[[WarmIntro, Actor], Awaitable[Reply]]


def intents_for(options: DiscordOptions) -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True  # servers, channels, roles, and channel/server removal
    intents.dm_messages = True  # interview answers by DM
    intents.members = options.members_intent  # privileged; opt-in only
    return intents


class WarmIntroTree(app_commands.CommandTree["WarmIntroClient"]):
    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        self.client.routes.activate()
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
        super().__init__(**client_options)
        self.routes = Routes(settings.discord_api_url, settings.discord_gateway_url)
        if self.routes.api_base or self.routes.gateway:
            self.http = RoutedHTTPClient.replacing(
                self.http, self.routes.api_base, self.routes.gateway
            )
            self._connection.http = self.http
        self.app: WarmIntro | None = None
        self.tree = WarmIntroTree(self)  # after the HTTP swap: the tree keeps `self.http`
        add_commands(self.tree)
        self.add_dynamic_items(ActionButton)
        # user id → the guild they last dealt with us in (to place their DMs)
        self._guild_of: OrderedDict[int, int] = OrderedDict()

    def attach(self, app: WarmIntro) -> None:
        """Dispatch events and interactions to `app` from now on."""
        self.app = app

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

    # --- interactions -------------------------------------------------------------------------

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
            self.remember_guild(user.id, interaction.guild_id)
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

    async def handle_command(
        self, interaction: discord.Interaction[Any], work: CommandWork
    ) -> Reply | None:
        """A slash command: defer, ask the core, follow up ephemerally."""
        self.routes.activate()
        app, actor = self.app, self.actor_for(interaction)
        if app is None or actor is None:
            await send_text(interaction, NOT_READY)
            return None
        return await guarded(
            interaction,
            f"command from {actor.user_id}",
            lambda: answer_deferred(interaction, actor, lambda: work(app, actor)),
        )

    async def handle_button(
        self, interaction: discord.Interaction[Any], action_id: str, guild_id: str | None
    ) -> None:
        self.routes.activate()
        app, actor = self.app, self.actor_for(interaction, guild_id)
        if app is None or actor is None:
            await send_text(interaction, NOT_READY if app is None else EXPIRED)
            return
        reply = await guarded(
            interaction,
            f"button {action_id[:100]!r} from {actor.user_id}",
            lambda: answer_within_budget(interaction, actor, lambda: app.action(actor, action_id)),
        )
        if reply is not None and action_id == JOIN_ACTION and reply.ok:
            await self.sync_role(actor, joined=True)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """A form submitted that this process didn't open (after a restart, on another
        replica, or after the modal's timeout): answer it from the payload alone."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        custom_id = str(data.get("custom_id") or "")
        parsed = parse_form_custom_id(custom_id)
        store = getattr(getattr(self._connection, "_view_store", None), "_modals", None)
        if store is None or custom_id in store:
            return  # a live modal handles it
        if parsed is None:  # no form of ours: still, the person gets an answer
            await send_text(interaction, copy.FORM_EXPIRED)
            return
        form_id, guild_id = parsed
        app, actor = self.app, self.actor_for(interaction, guild_id)
        if app is None or actor is None:
            await send_text(interaction, NOT_READY)
            return
        values = submitted_values(data)
        await guarded(
            interaction,
            f"form {form_id[:40]!r} from {actor.user_id}",
            lambda: answer_deferred(
                interaction, actor, lambda: app.form_submitted(actor, form_id, values)
            ),
        )

    async def handle_form(self, interaction: discord.Interaction[Any], modal: FormModal) -> None:
        self.routes.activate()
        app, actor = self.app, self.actor_for(interaction, modal.guild_id)
        if app is None or actor is None:
            await send_text(interaction, NOT_READY)
            return
        values = modal.values()
        await guarded(
            interaction,
            f"form {modal.form.form_id[:40]!r} from {actor.user_id}",
            lambda: answer_deferred(
                interaction, actor, lambda: app.form_submitted(actor, modal.form.form_id, values)
            ),
        )

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
                copy.DM_HINT, allowed_mentions=discord.AllowedMentions.none()
            )
            return
        actor = Actor(str(guild_id), str(author.id), None, False, author.display_name)
        try:
            reply = await self.app.direct_message(actor, text)
        except Exception:
            logger.exception("DM from %s failed", author.id)
            await message.channel.send(FAILED, allowed_mentions=discord.AllowedMentions.none())
            return
        if reply.message is not None:
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
        key = int(user_id)
        self._guild_of[key] = int(guild_id)
        self._guild_of.move_to_end(key)
        while len(self._guild_of) > _GUILDS_REMEMBERED:
            self._guild_of.popitem(last=False)

    async def guild_for_dm(self, user_id: int, channel: discord.abc.Messageable) -> int | None:
        """The server a DM from `user_id` is about.

        The last server they used WarmIntro in (this process); else the server named in the
        buttons of our latest DM to them (survives restarts); else our only server.
        """
        if user_id in self._guild_of:
            return self._guild_of[user_id]
        try:
            async for earlier in channel.history(limit=_DM_HISTORY):
                if self.user is None or earlier.author.id != self.user.id:
                    continue
                for row in earlier.components:
                    for child in getattr(row, "children", ()):
                        _, guild = decode_custom_id(getattr(child, "custom_id", None) or "")
                        if guild is not None:
                            self.remember_guild(user_id, guild)
                            return int(guild)
        except (discord.HTTPException, NotImplementedError) as exc:
            logger.debug("DM history of %s unavailable: %s", user_id, exc)
        if len(self.guilds) == 1:
            return self.guilds[0].id
        return None

    # --- optional role sync -------------------------------------------------------------------

    async def sync_role(self, actor: Actor, joined: bool) -> None:
        """Give (or take) `DISCORD_MEMBER_ROLE` to someone who joined (or left) a program."""
        wanted = self.options.member_role
        if not wanted:
            return
        guild = self.get_guild(int(actor.workspace_id))
        if guild is None:
            return
        role = guild.get_role(int(wanted)) if wanted.isdigit() else None
        role = role or discord.utils.get(guild.roles, name=wanted)
        if role is None:
            logger.warning("role sync: no role %r in guild %s", wanted, guild.id)
            return
        reason = "WarmIntro: joined the coffee chats" if joined else "WarmIntro: left"
        try:
            if joined:
                await self.http.add_role(guild.id, int(actor.user_id), role.id, reason=reason)
            else:
                await self.http.remove_role(guild.id, int(actor.user_id), role.id, reason=reason)
        except discord.HTTPException as exc:
            logger.warning(
                "role sync failed (the bot needs Manage Roles, above %r): %s", role.name, exc
            )


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
