"""Pausing and resuming a member's coffee chats: every change of `profiles.paused_until` goes
through `set_pause`, which also keeps the pause history (`pause_periods`) the dashboard counts
paused members per round from. The history is written in the same transaction as the pause."""

from __future__ import annotations

import logging
from datetime import datetime

from storage.models import Member
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)


async def set_pause(uow: UnitOfWork, member: Member, until: datetime | None, now: datetime) -> None:
    """Pause `member` until `until` (None: not paused), from now."""
    member.profile.paused_until = until
    member.profile.updated_at = now
    await uow.members.record_pause(member.id, until, now)
