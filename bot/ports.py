"""The seam between the core and a chat platform.

Adapters call the core (`bot.app.WarmIntro`) with events; the core asks the platform to act
through this protocol. Platform failures come back as the exceptions below, never as
SDK-specific errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from bot.messages import Message

# `<conversation>/<message>`: the message id may itself hold slashes, the conversation id not.
_SENT_REF = re.compile(r"(?P<conversation>[^/]*)/(?P<message>.*)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class DirectTarget:
    """A direct message; `fallback_channel_id` is where to say so when their DMs are closed."""

    user_id: str
    fallback_channel_id: str | None = None
    kind: Literal["dm"] = "dm"


@dataclass(frozen=True, slots=True)
class GroupTarget:
    """A private conversation with all `user_ids` (Slack group DM, Discord private thread)."""

    user_ids: tuple[str, ...]
    channel_id: str | None = None
    title: str | None = None
    kind: Literal["group"] = "group"


@dataclass(frozen=True, slots=True)
class ConversationTarget:
    """A conversation the platform opened before (its id came back in a `SentRef`)."""

    conversation_id: str
    kind: Literal["conversation"] = "conversation"


@dataclass(frozen=True, slots=True)
class ChannelTarget:
    channel_id: str
    kind: Literal["channel"] = "channel"


Target = DirectTarget | GroupTarget | ConversationTarget | ChannelTarget


def target_to_dict(target: Target) -> dict[str, Any]:
    if isinstance(target, GroupTarget):
        return {
            "kind": "group",
            "user_ids": list(target.user_ids),
            "channel_id": target.channel_id,
            "title": target.title,
        }
    if isinstance(target, DirectTarget):
        return {"kind": "dm", "user_id": target.user_id, "fallback": target.fallback_channel_id}
    if isinstance(target, ConversationTarget):
        return {"kind": "conversation", "conversation_id": target.conversation_id}
    return {"kind": "channel", "channel_id": target.channel_id}


def target_from_dict(data: dict[str, Any]) -> Target:
    kind = data["kind"]
    if kind == "group":
        return GroupTarget(tuple(data["user_ids"]), data.get("channel_id"), data.get("title"))
    if kind == "dm":
        return DirectTarget(data["user_id"], data.get("fallback"))
    if kind == "conversation":
        return ConversationTarget(data["conversation_id"])
    return ChannelTarget(data["channel_id"])


@dataclass(frozen=True, slots=True)
class SentRef:
    """Where a message landed: the conversation and the message id within it."""

    conversation_id: str
    message_id: str

    def encode(self) -> str:
        return f"{self.conversation_id}/{self.message_id}"

    @classmethod
    def decode(cls, value: str) -> SentRef:
        found = _SENT_REF.fullmatch(value)
        if found is None:
            return cls(value, "")
        return cls(found["conversation"], found["message"])


@dataclass(frozen=True, slots=True)
class UserInfo:
    user_id: str
    display_name: str
    is_bot: bool = False
    deactivated: bool = False
    is_admin: bool = False
    timezone: str | None = None
    utc_offset_hours: float | None = None


DMS_CLOSED = "cannot_dm"


class PlatformError(Exception):
    """A platform call failed. `retryable` errors are tried again later with backoff."""

    def __init__(self, reason: str, *, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class InDoubt(PlatformError):
    """The platform may or may not have acted (the connection dropped after the request went
    out, a timeout, a 5xx that doesn't say). A post is never retried blindly after this: the
    next attempt asks `Platform.find_sent` first."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=True)


class CannotLook(PlatformError):
    """`Platform.find_sent` can't tell whether a message arrived (e.g. no history scope)."""


class EmailLookupUnsupported(PlatformError):
    """The platform can't find people by email (Discord): name them by their user id."""


class RecipientsUnavailable(PlatformError):
    """Some recipients can't be reached: skip them.

    `reason` is one of `GONE_REASONS` in `bot.outbox` when they're gone for good (left,
    deactivated), or `DMS_CLOSED` when only direct messages to them fail.
    """

    def __init__(self, user_ids: tuple[str, ...], reason: str) -> None:
        super().__init__(reason, retryable=False)
        self.user_ids = user_ids


class Platform(Protocol):
    """What the core needs from a chat platform."""

    name: str

    # Whether a program's pool is its channel's members (Slack) or explicit opt-in.
    pool_is_channel: bool

    async def send(
        self, workspace_id: str, target: Target, message: Message, *, key: str | None = None
    ) -> SentRef:
        """Post `message`; raise `RecipientsUnavailable` or `PlatformError` on failure.

        `key` is the delivery's unique key: a platform with idempotent sends (Discord's nonce)
        uses it so that a retry after a lost answer can't post twice; others attach it to the
        message so that `find_sent` can find it. Raise `InDoubt` when the post may have landed.
        """
        ...

    async def find_sent(
        self, workspace_id: str, target: Target, key: str, since: datetime
    ) -> SentRef | None:
        """Resolve a send that is in doubt (an attempt since `since` may have posted `key`).

        Returns where it landed when it did; None when sending it again cannot make a second
        copy (it never arrived, or the platform deduplicates the re-send); raises `CannotLook`
        when neither can be said (the re-send may duplicate it), or another `PlatformError`.
        """
        ...

    async def update(self, workspace_id: str, ref: SentRef, message: Message) -> None:
        """Replace a message sent earlier (e.g. to show which button was pressed)."""
        ...

    async def user_info(self, workspace_id: str, user_id: str) -> UserInfo | None:
        """The user's profile, or None when the platform does not know them."""
        ...

    async def channel_members(self, workspace_id: str, channel_id: str) -> set[str] | None:
        """The channel's current members, or None when the pool is explicit opt-in only."""
        ...

    async def user_by_email(self, workspace_id: str, email: str) -> str | None:
        """The user id of whoever has this email, or None; raise `EmailLookupUnsupported`
        where the platform can't look people up by email."""
        ...
