"""The attention budget: at most `BUDGET` bot messages to a member per round — the intro, the
midway check-in, the end check-in or the thanks nudge, and one of the "still up for coffee
chats?" question or a rescue offer. Optional messages ask `room_for` before they are queued; a
rescue the member accepted and still waits for holds the room of the message it will bring."""

from __future__ import annotations

from bot.states import RescueStatus
from storage.models import Member, Round
from storage.uow import UnitOfWork

BUDGET = 4


async def spent(uow: UnitOfWork, round_: Round, member: Member) -> int:
    """Messages of the round that reached `member` or are still on their way to them (check-ins
    made moot by their group's answer don't count); the ghost question counts in the round it
    was asked at the start of."""
    groups = await uow.care.groups_in_round(round_.id, member.id)
    count = await uow.care.round_messages(round_.id, member.external_id, groups)
    if await uow.care.asked_in(round_.program_id, member.id, round_.number):
        count += 1
    rescue = await uow.care.rescue_of(round_.id, member.id)
    if rescue is not None and rescue.status == RescueStatus.ACCEPTED:
        count += 1  # still waiting: its rescue intro or "nobody was free" is yet to come
    return count


async def room_for(uow: UnitOfWork, round_: Round, member: Member, messages: int = 1) -> bool:
    """Whether `messages` more bot messages to `member` this round stay within the budget."""
    return await spent(uow, round_, member) + messages <= BUDGET
