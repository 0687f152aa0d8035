"""The optional member role (`DISCORD_MEMBER_ROLE`): given on joining, removed on leaving."""

from __future__ import annotations

import logging

import discord

from bot.core import Actor

logger = logging.getLogger(__name__)


class RoleSync:
    """Needs the Manage Roles permission and a bot role above the member role; no intent."""

    def __init__(self, client: discord.Client, member_role: str | None) -> None:
        self.client = client
        self.member_role = member_role

    async def sync(self, actor: Actor, joined: bool) -> None:
        """Give (or take) the role to someone who joined (or left) a program."""
        wanted = self.member_role
        if not wanted:
            return
        guild = self.client.get_guild(int(actor.workspace_id))
        if guild is None:
            return
        role = guild.get_role(int(wanted)) if wanted.isdigit() else None
        role = role or discord.utils.get(guild.roles, name=wanted)
        if role is None:
            logger.warning("role sync: no role %r in guild %s", wanted, guild.id)
            return
        http = self.client.http
        reason = "WarmIntro: joined the coffee chats" if joined else "WarmIntro: left"
        try:
            if joined:
                await http.add_role(guild.id, int(actor.user_id), role.id, reason=reason)
            else:
                await http.remove_role(guild.id, int(actor.user_id), role.id, reason=reason)
        except discord.HTTPException as exc:
            logger.warning(
                "role sync failed (the bot needs Manage Roles, above %r): %s", role.name, exc
            )
