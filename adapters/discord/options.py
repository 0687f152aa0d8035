"""Discord-only options, read from `bot.config.Settings`.

- `DISCORD_SHARDED` (off): run discord.py's `AutoShardedClient`, for large bots;
  `DISCORD_SHARD_COUNT` fixes the number of shards (default: what Discord advises).
- `DISCORD_MEMBERS_INTENT` (off): opt in to the privileged *Server Members* intent, so people
  who leave the server are dropped from their programs at once (without it: at their next intro).
- `DISCORD_MEMBER_ROLE` (unset): a role id or name given to people who join a program and taken
  when they leave. Needs the *Manage Roles* permission, and no privileged intent.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings


@dataclass(frozen=True, slots=True)
class DiscordOptions:
    sharded: bool = False
    shard_count: int | None = None
    members_intent: bool = False
    member_role: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> DiscordOptions:
        return cls(
            sharded=settings.discord_sharded,
            shard_count=settings.discord_shard_count,
            members_intent=settings.discord_members_intent,
            member_role=settings.discord_member_role,
        )


def parse_guild_ids(value: str | None) -> list[int]:
    """`DISCORD_GUILD_IDS`: comma- or space-separated guild ids."""
    ids: list[int] = []
    for part in (value or "").replace(",", " ").split():
        if not part.isdigit():
            raise ValueError(f"DISCORD_GUILD_IDS: {part[:30]!r} is not a guild id")
        ids.append(int(part))
    return ids
