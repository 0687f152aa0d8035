"""Rescue matches: someone whose chat fell through this round ("Can't this time", or their
partner left) is offered once "Want a new match this round?". Whoever accepts is paired at once
with anyone else who accepted in the same round and is still waiting (the matching engine, the
program's history, weights and rules respected); an odd one waits for the next to accept, and is
told kindly if nobody came once a day is left of the round (when offers and pairing stop; at the
latest when the next round starts).

Exactly once: an offer per member and round (`rescues` is unique by round and member), pairing
under a lock on the round's row (accepts of one round serialise), offers, intros and notes are
deliveries with unique keys.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import attention, wording
from bot import keys as key_of
from bot.ledger import Outgoing, enqueue, enqueue_many
from bot.matching.engine import match
from bot.ports import DirectTarget, GroupTarget
from bot.program_settings import program_rules
from bot.states import CHECKIN_KINDS, DeliveryKind, GroupOutcome, RescueStatus, RoundStatus
from storage.models import Group, Member, Program, Rescue, Round
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.core import Core

logger = logging.getLogger(__name__)

# No offer when less than this is left of the round: too late to meet someone new.
MIN_LEFT = timedelta(days=1)
# The offer and the rescue intro: what an offer may add to a member's round.
OFFER_COST = 2


async def offer_after_skip(core: Core, uow: UnitOfWork, member: Member, group_id: int) -> list[str]:
    """`member` pressed "Can't this time": offer a new match if the group isn't meeting."""
    group = await uow.rounds.group(group_id)
    if group is None or group.outcome != GroupOutcome.SKIPPED:
        return []  # someone else in the group still meets
    return await _offer(core, uow, member, group_id, partner_gone=False)


async def offer_after_leave(
    core: Core, uow: UnitOfWork, leaver: Member, program_id: int
) -> list[str]:
    """`leaver` left the program mid-round: a partner left alone in a group that hasn't met is
    offered a new match."""
    keys: list[str] = []
    for group_id, round_id, status, _channel in await uow.rounds.memberships_of(leaver.id):
        if status != RoundStatus.OPEN:
            continue
        round_ = await uow.rounds.get(round_id)
        group = await uow.rounds.group(group_id)
        if round_.program_id != program_id or group is None or group.outcome == GroupOutcome.MET:
            continue
        others = [m for m in (await uow.rounds.member_ids([group_id]))[group_id] if m != leaver.id]
        if len(others) != 1:
            continue  # the others still have each other
        # The chat can't happen: no more check-ins for it.
        for kind in CHECKIN_KINDS:
            await uow.deliveries.cancel_pending(group_id=group_id, kind=kind)
        partner = (await uow.members.by_ids(others)).get(others[0])
        if partner is not None and not partner.deactivated:
            keys += await _offer(core, uow, partner, group_id, partner_gone=True)
    return keys


async def _offer(
    core: Core, uow: UnitOfWork, member: Member, group_id: int, *, partner_gone: bool
) -> list[str]:
    group = await uow.rounds.group(group_id)
    assert group is not None
    round_ = await uow.rounds.get(group.round_id)
    now = core.now()
    if round_.status != RoundStatus.OPEN or now >= round_.ends_at - MIN_LEFT:
        return []
    program = await uow.programs.get(round_.program_id)
    if program is None or not program.active:
        return []
    if await uow.care.asked_in(program.id, member.id, round_.number):
        return []  # one of the two per round: they had the "still up for chats?" question
    if await uow.care.rescue_of(round_.id, member.id) is not None:
        return []  # offered once a round
    if not await attention.room_for(uow, round_, member, OFFER_COST):
        return []
    # The chat that fell through gets no more check-ins (whatever is answered later).
    for kind in CHECKIN_KINDS:
        await uow.deliveries.cancel_pending(group_id=group_id, kind=kind)
    rescue = await uow.care.add_rescue(
        Rescue(
            round_id=round_.id,
            member_id=member.id,
            group_id=group_id,
            status=RescueStatus.OFFERED,
            created_at=now,
        )
    )
    if rescue is None:
        return []
    item = Outgoing(
        key_of.rescue_offer(round_.id, member.id),
        DeliveryKind.RESCUE_OFFER,
        DirectTarget(member.external_id, program.channel_id),
        wording.rescue_offer(rescue.id, program.channel_id, partner_gone),
        now,
        round_.id,
        None,
        member.external_id,
    )
    logger.info("round %s: rescue offered to member %s", round_.id, member.id)
    return [item.key] if await enqueue(uow, program.workspace_id, item, now) else []


async def accept(
    core: Core, uow: UnitOfWork, rescue: Rescue, now: datetime
) -> tuple[str, list[str]]:
    """The member took the offer: wait, or pair now. Returns the words for them and the keys
    of the messages queued. The caller checked the offer is theirs."""
    round_ = await uow.care.lock_round(rescue.round_id)  # accepts of one round queue here
    rescue = await uow.care.rescue(rescue.id, fresh=True) or rescue
    if round_ is None or round_.status != RoundStatus.OPEN or now >= round_.ends_at - MIN_LEFT:
        return wording.RESCUE_OVER, []
    if rescue.status == RescueStatus.PAIRED:
        return wording.RESCUE_PAIRED, []
    if rescue.status != RescueStatus.OFFERED:
        return wording.RESCUE_ALREADY, []
    rescue.status = RescueStatus.ACCEPTED
    rescue.accepted_at = now
    await uow.flush()
    program = await uow.programs.get(round_.program_id)
    assert program is not None
    keys = await _pair_waiting(uow, program, round_, now)
    return (
        wording.RESCUE_PAIRED if rescue.status == RescueStatus.PAIRED else wording.RESCUE_WAITING
    ), keys


async def _pair_waiting(
    uow: UnitOfWork, program: Program, round_: Round, now: datetime
) -> list[str]:
    """Pair everyone waiting in the round (under the round's lock)."""
    # bot.rounds starts rounds, which closes rescues (this module): imported here, not above.
    from bot.rounds import HISTORY_ROUNDS, candidates_of, program_weights

    waiting = await uow.care.waiting(round_.id)
    if len(waiting) < 2:
        return []
    members = await uow.members.by_ids([r.member_id for r in waiting])
    people = [members[r.member_id] for r in waiting if r.member_id in members]
    ids = {str(m.id) for m in people}
    avoided = await uow.avoid.pairs(program.workspace_id)
    exclude = frozenset((str(a), str(b)) for a, b in avoided if {str(a), str(b)} <= ids)
    history = await uow.rounds.history(program.id, HISTORY_ROUNDS)
    hist = [[[str(mid) for mid in group] for group in rnd] for rnd in history]
    result = match(
        candidates_of(people),
        hist,
        program_weights(program),
        round_.seed,
        group_size=2,
        rules=program_rules(program, exclude),
    )
    broken = {frozenset(v.group) for v in result.violations if v.rule == "exclude"}
    by_member = {r.member_id: r for r in waiting}
    position = await uow.care.next_position(round_.id)
    items: list[Outgoing] = []
    for found in result.groups:
        if len(found.members) < 2 or frozenset(found.members) in broken:
            continue
        member_ids = [int(x) for x in found.members]
        (group,) = await uow.rounds.add_groups(
            round_.id, [(Group(position=position, weight=found.weight, reasons=[]), member_ids)]
        )
        position += 1
        for mid in member_ids:
            by_member[mid].status = RescueStatus.PAIRED
            by_member[mid].rescue_group_id = group.id
        users = tuple(members[m].external_id for m in member_ids)
        starter = wording.STARTERS[(round_.seed + group.id) % len(wording.STARTERS)]
        items.append(
            Outgoing(
                key_of.group_message(round_.id, group.id, DeliveryKind.INTRO),
                DeliveryKind.INTRO,
                GroupTarget(users, program.channel_id, wording.round_title(round_.number)),
                wording.rescue_intro(users, program.channel_id, group.id, starter),
                now,
                round_.id,
                group.id,
            )
        )
        logger.info("round %s: rescue group %s for members %s", round_.id, group.id, member_ids)
    await enqueue_many(uow, program.workspace_id, items, now)
    return [i.key for i in items]


async def close_waiting(core: Core, program_id: int) -> list[str]:
    """At the start of a round: whoever still waits for a rescue in an earlier round is told
    kindly that nobody else was free. Returns the keys queued."""
    async with core.uow() as uow:
        program = await uow.programs.get(program_id)
        if program is None:
            return []
        rounds = await uow.rounds.open(program_id)
        waiting = await uow.care.waiting_in_rounds([r.id for r in rounds])
        return await _tell_unpaired(uow, program, waiting, core.now())


async def close_due(core: Core) -> list[str]:
    """On the clock's tick: rescues still waiting when their round has less than `MIN_LEFT`
    to go (no new match is made any more) are told, inside their own round."""
    now = core.now()
    keys: list[str] = []
    async with core.uow() as uow:
        due = await uow.care.waiting_until(now + MIN_LEFT, core.platform.name)
        for program_id, rescues in due.items():
            program = await uow.programs.get(program_id)
            if program is not None:
                keys += await _tell_unpaired(uow, program, rescues, now)
    return keys


async def _tell_unpaired(
    uow: UnitOfWork, program: Program, waiting: list[Rescue], now: datetime
) -> list[str]:
    keys: list[str] = []
    for found in waiting:
        await uow.care.lock_round(found.round_id)  # not while an accept pairs them
        rescue = await uow.care.rescue(found.id, fresh=True)
        if rescue is None or rescue.status != RescueStatus.ACCEPTED:
            continue
        rescue.status = RescueStatus.UNPAIRED
        member = (await uow.members.by_ids([rescue.member_id])).get(rescue.member_id)
        if member is None:
            continue
        item = Outgoing(
            key_of.rescue_unpaired(rescue.round_id, member.id),
            DeliveryKind.RESCUE_UNPAIRED,
            DirectTarget(member.external_id, program.channel_id),
            wording.rescue_unpaired(program.channel_id),
            now,
            rescue.round_id,
            None,
            member.external_id,
        )
        if await enqueue(uow, program.workspace_id, item, now):
            keys.append(item.key)
    return keys
