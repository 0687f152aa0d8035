"""Check-in answers ("scheduled", "met", "can't this time") and the thanks nudge after "met"."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot import attention, wording
from bot import keys as key_of
from bot.ledger import Outgoing, enqueue
from bot.messages import Button
from bot.ports import DirectTarget
from bot.states import CHECKIN_KINDS, DeliveryKind, GroupOutcome
from storage.models import Member
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.core import Core

logger = logging.getLogger(__name__)

# A group's outcome is the most hopeful answer any member gave.
RANK = {GroupOutcome.SKIPPED: 0, GroupOutcome.SCHEDULED: 1, GroupOutcome.MET: 2}


@dataclass(slots=True)
class CheckinResult:
    text: str
    ok: bool = True
    keys: list[str] = field(default_factory=list)
    # Shown with the answer: the thanks button, when the nudge would go over the budget.
    buttons: tuple[Button, ...] = ()


async def record_answer(
    core: Core, uow: UnitOfWork, member: Member, group_id: int, answer: str
) -> CheckinResult:
    # Lock the group row: two members answering at once must not overwrite each other's outcome.
    group = await uow.rounds.group(group_id, lock=True)
    ids = (await uow.rounds.member_ids([group_id])).get(group_id, [])
    if group is None or member.id not in ids:
        return CheckinResult(wording.NOT_YOUR_CHECKIN, ok=False)
    now = core.now()
    previous = group.outcome
    answers = await uow.rounds.record_answer(group_id, member.id, answer, now)
    group.outcome = max(answers, key=lambda a: RANK[a]) if answers else answer
    keys: list[str] = []
    buttons: tuple[Button, ...] = ()
    if answer == GroupOutcome.MET and previous != GroupOutcome.MET:
        # The thanks nudge takes the end check-in's place, even if an answer changes later.
        for kind in CHECKIN_KINDS:
            await uow.deliveries.cancel_pending(group_id=group_id, kind=kind)
        round_ = await uow.rounds.get(group.round_id)
        program = await uow.programs.get(round_.program_id)
        assert program is not None
        others = await uow.members.by_ids(ids)
        for mid in ids:
            person = others.get(mid)
            if person is None:
                continue
            rest = [others[o].external_id for o in ids if o != mid and o in others]
            if not await attention.room_for(uow, round_, person):
                # The attention budget is spent: no nudge; whoever pressed sees the button.
                if mid == member.id:
                    buttons = wording.thanks_nudge(group_id, rest).buttons
                continue
            item = Outgoing(
                key=key_of.group_member_message(
                    round_.id, group_id, DeliveryKind.THANKS_NUDGE, person.external_id
                ),
                kind=DeliveryKind.THANKS_NUDGE,
                target=DirectTarget(person.external_id, program.channel_id),
                message=wording.thanks_nudge(group_id, rest),
                due_at=now,
                round_id=round_.id,
                group_id=group_id,
                recipient=person.external_id,
            )
            if await enqueue(uow, member.workspace_id, item, now):
                keys.append(item.key)
    logger.info("group %s: %s answered %s", group_id, member.id, answer)
    return CheckinResult(wording.CHECKIN_ANSWERS[answer], keys=keys, buttons=buttons)
