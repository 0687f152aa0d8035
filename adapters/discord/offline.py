"""Discord without a gateway connection, for offline commands (`warmintro import-profiles`):
it knows nobody it hasn't stored, and can't look people up by email."""

from __future__ import annotations

from datetime import datetime

from bot.messages import Message
from bot.ports import EmailLookupUnsupported, PlatformError, SentRef, Target, UserInfo


class OfflineDiscord:
    name = "discord"
    pool_is_channel = False

    async def send(
        self, workspace_id: str, target: Target, message: Message, *, key: str | None = None
    ) -> SentRef:
        raise PlatformError("offline: nothing is sent")

    async def find_sent(
        self, workspace_id: str, target: Target, key: str, since: datetime
    ) -> SentRef | None:
        raise PlatformError("offline")

    async def update(self, workspace_id: str, ref: SentRef, message: Message) -> None:
        raise PlatformError("offline")

    async def user_info(self, workspace_id: str, user_id: str) -> UserInfo | None:
        return None  # only members WarmIntro has stored (who used the bot) are known offline

    async def channel_members(self, workspace_id: str, channel_id: str) -> set[str] | None:
        return None

    async def user_by_email(self, workspace_id: str, email: str) -> str | None:
        raise EmailLookupUnsupported("Discord can't look people up by email")
