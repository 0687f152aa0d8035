"""The onboarding interview by DM, as an explicit persisted state machine.

    (join) ──start──▶ interests ──answer/skip──▶ offers ──answer/skip──▶ wants ──answer/skip──▶ done
                          ▲  │ no tags found: ask again (state unchanged)
                          └──┘

Each state is the question the member has been asked; the answer fills that profile field.
State lives in `conversation_states` (flow "interview"), so a restart loses nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot import keys as key_of
from bot import wording
from bot.ledger import Outgoing, enqueue
from bot.messages import Message, text_message
from bot.ports import DirectTarget
from bot.states import DeliveryKind
from bot.text import InputError, parse_tags
from storage.models import ConversationState, Member
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.core import Core

logger = logging.getLogger(__name__)

FLOW = "interview"
STEPS = ("interests", "offers", "wants")
NEXT: dict[str, str | None] = {"interests": "offers", "offers": "wants", "wants": None}


async def start(
    core: Core, uow: UnitOfWork, member: Member, channel_id: str | None, program_id: int
) -> str | None:
    """Ask the first question (once per program joined). Returns the delivery key to flush."""
    now = core.now()
    profile = member.profile
    if profile.onboarded_at is None and profile.interests and profile.offers and profile.wants:
        profile.onboarded_at = now  # they've told us everything already; don't ask again
    if profile.onboarded_at is not None:
        return None
    step = await uow.members.conversation_at(member.id, FLOW, STEPS[0], now)
    intro = wording.interview_intro(channel_id)
    question = wording.interview_question(step, STEPS.index(step) + 1)
    message = Message(intro.lines + question.lines, question.buttons)
    key = key_of.interview(member.id, program_id)
    item = Outgoing(
        key,
        DeliveryKind.INTERVIEW,
        DirectTarget(member.external_id, channel_id),
        message,
        now,
        recipient=member.external_id,
    )
    return key if await enqueue(uow, member.workspace_id, item, now) else None


async def answer(core: Core, uow: UnitOfWork, member: Member, text: str) -> Message | None:
    """A DM from the member. Returns the reply, or None when no interview is running."""
    state = await uow.members.conversation(member.id, FLOW)
    if state is None:
        return None
    try:
        tags = parse_tags(text)
    except InputError as exc:
        return Message((exc.line,))
    if not tags:
        return Message(((wording.interview_nothing_found(),),))
    setattr(member.profile, state.state, tags)
    member.profile.updated_at = core.now()
    return await _advance(core, uow, member, state)


async def skip(core: Core, uow: UnitOfWork, member: Member, step: str) -> Message:
    state = await uow.members.conversation(member.id, FLOW)
    if state is None or state.state != step:
        return text_message(wording.QUESTION_ANSWERED)
    return await _advance(core, uow, member, state)


async def finish(core: Core, uow: UnitOfWork, member: Member) -> None:
    """All answers are in (e.g. from the profile form): the interview is over."""
    await uow.members.clear_conversation(member.id, FLOW)
    member.profile.onboarded_at = member.profile.onboarded_at or core.now()


async def _advance(
    core: Core, uow: UnitOfWork, member: Member, state: ConversationState
) -> Message:
    following = NEXT[state.state]
    if following is None:
        await finish(core, uow, member)
        profile = member.profile
        return wording.interview_done(profile.interests, profile.offers, profile.wants)
    state.state = following
    state.updated_at = core.now()
    return wording.interview_question(following, STEPS.index(following) + 1)
