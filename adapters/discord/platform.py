"""The `Platform` port on Discord: what the core asks for, as discord.py REST calls.

Targets: a `DirectTarget` is a DM; a `GroupTarget` is a private thread in the program channel
with the group added (or, when the bot may not create threads, a DM to each member); a
`ConversationTarget` is that thread again (or those DMs, `dms:<ids>`); a `ChannelTarget` is a
channel. Errors become the core's: DMs closed (50007) → `RecipientsUnavailable(DMS_CLOSED)`,
unknown member or user (10007, 10013) → `RecipientsUnavailable("left_server")`, 5xx and
connection errors → retryable `PlatformError`. discord.py itself waits out 429s.
"""

from __future__ import annotations

import io
import logging
from collections import OrderedDict
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
import discord

from adapters.discord.components import build_view
from adapters.discord.render import (
    allowed_mentions,
    message_fingerprint,
    nonce_for,
    render_text,
    split_content,
)
from bot import metrics, wording
from bot.messages import Message
from bot.ports import (
    DMS_CLOSED,
    CannotLook,
    ChannelTarget,
    ConversationTarget,
    DirectTarget,
    EmailLookupUnsupported,
    GroupTarget,
    InDoubt,
    PlatformError,
    RecipientsUnavailable,
    SentRef,
    Target,
    UserInfo,
)

if TYPE_CHECKING:
    from adapters.discord.client import WarmIntroClient

logger = logging.getLogger(__name__)

# The delivery key of the send under way (per task, so concurrent flushes never mix them up).
_SEND_KEY: ContextVar[str | None] = ContextVar("warmintro_send_key", default=None)

LEFT_SERVER = "left_server"
CANNOT_DM = 50007
UNKNOWN_MEMBER = 10007
UNKNOWN_USER = 10013
UNKNOWN_CHANNEL = 10003
DM_GROUP_PREFIX = "dms:"
THREAD_ARCHIVE_MINUTES = 10080  # a week: the length of a round
MAX_THREAD_NAME = 100
_THREADS_KEPT = 1000
# Discord deduplicates a message by its nonce for "a few minutes" (enforce_nonce): within
# this much of an in-doubt attempt, sending again returns the first message instead.
NONCE_WINDOW = timedelta(minutes=2)


class DiscordPlatform:
    """`bot.ports.Platform` for Discord. Workspace ids are guild ids; all ids are strings."""

    name = "discord"
    pool_is_channel = False  # opt-in is explicit: the Join button or /coffee join

    def __init__(self, client: WarmIntroClient) -> None:
        self.client = client
        # Threads opened for a group, so a retried intro reuses its thread (bounded).
        self._threads: OrderedDict[tuple[str, ...], int] = OrderedDict()
        count_rate_limits()

    # --- Platform -----------------------------------------------------------------------------

    async def send(
        self, workspace_id: str, target: Target, message: Message, *, key: str | None = None
    ) -> SentRef:
        _SEND_KEY.set(key)  # the nonce of what this call posts comes from the delivery's key
        try:
            if isinstance(target, DirectTarget):
                return await self._send_dm(workspace_id, target.user_id, message)
            if isinstance(target, GroupTarget):
                return await self._send_group(workspace_id, target, message)
            if isinstance(target, ConversationTarget):
                if target.conversation_id.startswith(DM_GROUP_PREFIX):
                    users = tuple(target.conversation_id[len(DM_GROUP_PREFIX) :].split(","))
                    return await self._send_each(workspace_id, users, message, None)
                return await self._post(workspace_id, int(target.conversation_id), message)
            if isinstance(target, ChannelTarget):
                return await self._post(workspace_id, int(target.channel_id), message)
        except (RecipientsUnavailable, PlatformError):
            raise
        except discord.HTTPException as exc:
            if exc.status >= 500:  # it may have been posted; the nonce makes a re-send safe
                raise InDoubt(_platform_error(exc).reason) from exc
            raise _platform_error(exc) from exc
        except discord.RateLimited as exc:
            raise PlatformError(f"rate limited for {exc.retry_after:.0f}s", retryable=True) from exc
        except aiohttp.ClientConnectorError as exc:  # never connected: nothing was sent
            raise PlatformError(f"connection: {exc}", retryable=True) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise InDoubt(f"connection: {type(exc).__name__}: {exc}") from exc
        except ValueError as exc:
            raise PlatformError(f"bad target {target!r}: {exc}") from exc
        raise PlatformError(f"unknown target {target!r}")

    async def find_sent(
        self, workspace_id: str, target: Target, key: str, since: datetime
    ) -> SentRef | None:
        """Every message's nonce comes from its delivery key, so sending it again within
        Discord's nonce window returns the first one: say "send" (None). Past the window a
        re-send may duplicate it, and Discord's history doesn't show nonces: `CannotLook`."""
        if datetime.now(UTC) - since <= NONCE_WINDOW:
            return None
        raise CannotLook("past Discord's nonce window")

    async def update(self, workspace_id: str, ref: SentRef, message: Message) -> None:
        if ref.conversation_id.startswith(DM_GROUP_PREFIX):
            return  # one DM each: there is no single message to edit
        channel = self.client.get_partial_messageable(int(ref.conversation_id))
        parts = split_content(render_text(message))
        try:
            await channel.get_partial_message(int(ref.message_id)).edit(
                content=parts[0],
                view=build_view(message),
                allowed_mentions=allowed_mentions(message.mentions),
            )
        except discord.HTTPException as exc:
            raise _platform_error(exc) from exc

    async def user_info(self, workspace_id: str, user_id: str) -> UserInfo | None:
        member = await self.member(workspace_id, user_id)
        if member is None:
            return None
        return UserInfo(
            user_id=str(member.id),
            display_name=member.display_name,
            is_bot=member.bot,
            is_admin=member.guild_permissions.manage_guild,
        )

    async def channel_members(self, workspace_id: str, channel_id: str) -> set[str] | None:
        return None  # on Discord, joining is explicit: the Join button or /coffee join

    async def user_by_email(self, workspace_id: str, email: str) -> str | None:
        raise EmailLookupUnsupported("Discord can't look people up by email")

    # --- helpers ------------------------------------------------------------------------------

    async def member(self, workspace_id: str, user_id: str) -> discord.Member | None:
        """The guild member, from the cache or REST; None when they're not in the server."""
        if not (workspace_id.isdigit() and user_id.isdigit()):
            return None
        guild = self.client.get_guild(int(workspace_id))
        try:
            if guild is None:
                guild = await self.client.fetch_guild(int(workspace_id), with_counts=False)
            return guild.get_member(int(user_id)) or await guild.fetch_member(int(user_id))
        except discord.NotFound:
            return None
        except discord.HTTPException as exc:
            raise _platform_error(exc) from exc

    async def _post(
        self, workspace_id: str, channel_id: int, message: Message, dm_guild: str | None = None
    ) -> SentRef:
        channel = self.client.get_channel(channel_id) or self.client.get_partial_messageable(
            channel_id, guild_id=None if dm_guild else int(workspace_id)
        )
        return await self._send_to(channel, message, dm_guild)  # type: ignore[arg-type]

    async def _send_to(
        self, channel: discord.abc.Messageable, message: Message, dm_guild: str | None
    ) -> SentRef:
        channel_id = str(getattr(channel, "id", ""))
        parts = split_content(render_text(message))
        fingerprint = _SEND_KEY.get() or message_fingerprint(message)
        first: discord.Message | None = None
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            view = build_view(message, dm_guild) if last else None
            extra: dict[str, Any] = {"view": view} if view is not None else {}
            if last and message.attachments:
                extra["files"] = [
                    discord.File(io.BytesIO(a.content.encode("utf-8")), filename=a.filename)
                    for a in message.attachments
                ]
            sent = await channel.send(
                content=part,
                allowed_mentions=allowed_mentions(message.mentions),
                nonce=nonce_for(channel_id, [fingerprint, index]),
                **extra,
            )
            first = first or sent
        assert first is not None
        return SentRef(str(first.channel.id), str(first.id))

    async def _send_dm(self, workspace_id: str, user_id: str, message: Message) -> SentRef:
        try:
            user = self.client.get_user(int(user_id))
            if user is not None:
                channel = user.dm_channel or await user.create_dm()
            else:
                channel = await self.client.create_dm(discord.Object(int(user_id)))
            ref = await self._send_to(channel, message, dm_guild=workspace_id)
        except discord.HTTPException as exc:
            if exc.code in (UNKNOWN_USER, UNKNOWN_MEMBER):
                raise RecipientsUnavailable((user_id,), LEFT_SERVER) from exc
            if exc.code == CANNOT_DM:
                # Discord also refuses DMs to someone who shares no server with the bot.
                if await self.member(workspace_id, user_id) is None:
                    raise RecipientsUnavailable((user_id,), LEFT_SERVER) from exc
                raise RecipientsUnavailable((user_id,), DMS_CLOSED) from exc
            raise
        self.client.remember_guild(user_id, workspace_id)
        return ref

    async def _send_each(
        self,
        workspace_id: str,
        users: tuple[str, ...],
        message: Message,
        notify_channel: str | None,
    ) -> SentRef:
        """One DM each; those with DMs closed are skipped (and told in `notify_channel`)."""
        first: SentRef | None = None
        closed: list[str] = []
        for user in users:
            try:
                ref = await self._send_dm(workspace_id, user, message)
            except RecipientsUnavailable as exc:
                logger.info("group DM to %s skipped: %s", user, exc.reason)
                closed.append(user)
                continue
            first = first or ref
        if first is None:
            raise RecipientsUnavailable(users, DMS_CLOSED)
        if notify_channel and closed:
            await self._tell_closed(workspace_id, notify_channel, closed)
        return SentRef(DM_GROUP_PREFIX + ",".join(users), first.message_id)

    async def _tell_closed(self, workspace_id: str, channel_id: str, users: list[str]) -> None:
        base = _SEND_KEY.get() or "dms_closed"
        for user in users:
            _SEND_KEY.set(f"{base}:dms_closed:{user}")  # a nonce of its own for each notice
            try:
                await self._post(workspace_id, int(channel_id), wording.dms_closed(user))
            except discord.HTTPException as exc:
                logger.warning("could not tell %s in %s: %s", user, channel_id, exc)

    async def _send_group(
        self, workspace_id: str, target: GroupTarget, message: Message
    ) -> SentRef:
        users = tuple(dict.fromkeys(target.user_ids))
        members: dict[str, discord.Member] = {}
        for user in users:
            member = await self.member(workspace_id, user)
            if member is not None:
                members[user] = member
        gone = tuple(u for u in users if u not in members)
        if gone:
            raise RecipientsUnavailable(gone, LEFT_SERVER)
        if target.channel_id is None:
            return await self._send_each(workspace_id, users, message, None)
        try:
            thread = await self._thread_for(target, users, members)
        except discord.Forbidden as exc:
            logger.warning(
                "no permission for a private thread in %s (%s); DMing the group instead",
                target.channel_id,
                exc.text or exc.code,
            )
            thread = None
        if thread is None:
            return await self._send_each(workspace_id, users, message, target.channel_id)
        ref = await self._send_to(thread, message, None)
        for user in users:
            self.client.remember_guild(user, workspace_id)
        return ref

    async def _thread_for(
        self, target: GroupTarget, users: tuple[str, ...], members: dict[str, discord.Member]
    ) -> discord.abc.Messageable | None:
        """A private thread in the program channel with the group added (reused on retry).

        None when the channel can't hold private threads (announcements, forums, voice chats).
        """
        assert target.channel_id is not None
        key = (target.channel_id, target.title or "", *sorted(users))
        cached = self._threads.get(key)
        if cached is not None:
            return self.client.get_partial_messageable(cached)
        channel = self.client.get_channel(int(target.channel_id))
        if channel is None:
            channel = await self.client.fetch_channel(int(target.channel_id))
        if not isinstance(channel, discord.TextChannel) or channel.is_news():
            logger.warning("channel %s can't hold private threads", target.channel_id)
            return None
        names = " & ".join(members[u].display_name for u in users)
        title = f"{target.title} · {names}" if target.title else names
        thread = await channel.create_thread(
            name=title[:MAX_THREAD_NAME],
            type=discord.ChannelType.private_thread,
            invitable=False,
            auto_archive_duration=THREAD_ARCHIVE_MINUTES,
            reason="WarmIntro: a coffee-chat group",
        )
        for user in users:
            try:
                await thread.add_user(discord.Object(int(user)))
            except discord.HTTPException as exc:
                await _delete_quietly(thread)
                if exc.code == UNKNOWN_MEMBER:  # they left between the check and the add
                    raise RecipientsUnavailable((user,), LEFT_SERVER) from exc
                raise
        self._threads[key] = thread.id
        while len(self._threads) > _THREADS_KEPT:
            self._threads.popitem(last=False)
        return thread


async def _delete_quietly(thread: discord.Thread) -> None:
    try:
        await thread.delete(reason="WarmIntro: could not add the group")
    except discord.HTTPException as exc:
        logger.warning("could not delete the unused thread %s: %s", thread.id, exc)


class _RateLimitCounter(logging.Filter):
    """Counts discord.py's 429s (it waits them out itself and only logs them) by route."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        if "429" in str(record.msg) and len(args) >= 2:
            route = urlsplit(str(args[1])).path.split("/api/v10", 1)[-1]
            metrics.rate_limited("discord", f"{args[0]} {route}")
        return True


def count_rate_limits() -> None:
    """Attach the 429 counter to discord.py's HTTP logger (once per process)."""
    http_logger = logging.getLogger("discord.http")
    if not any(isinstance(f, _RateLimitCounter) for f in http_logger.filters):
        http_logger.addFilter(_RateLimitCounter())


def _platform_error(exc: discord.HTTPException) -> PlatformError:
    """A discord.py HTTP error as the core's `PlatformError` (5xx and 429 are retryable)."""
    reason = f"discord {exc.status} ({exc.code}): {exc.text or ''}".strip()
    if exc.code == UNKNOWN_CHANNEL:
        return PlatformError(f"channel_not_found: {reason}")
    retryable = exc.status >= 500 or exc.status == 429
    return PlatformError(reason, retryable=retryable)
