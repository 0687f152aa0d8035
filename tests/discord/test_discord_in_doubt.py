"""An in-doubt Discord send: within the nonce window a re-send returns the first message, so
`find_sent` says "send"; past it, it can't say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.discord.platform import NONCE_WINDOW, DiscordPlatform
from bot.ports import CannotLook, ChannelTarget


async def test_find_sent_within_and_past_the_nonce_window() -> None:
    platform = DiscordPlatform(client=None)  # type: ignore[arg-type]
    target = ChannelTarget("42")
    recent = datetime.now(UTC) - timedelta(seconds=5)
    assert await platform.find_sent("1", target, "k", recent) is None
    with pytest.raises(CannotLook):
        await platform.find_sent("1", target, "k", recent - NONCE_WINDOW)
