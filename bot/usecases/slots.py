"""Meeting times: a member picks one of the times their intro proposed; `/coffee hours`.

A pick changes no message count: the intro itself is updated (`Platform.update`) to show who
picked what. When everyone picked the same time, the group is told once, with a calendar file,
in place of its midway check-in (still pending, it is cancelled): the attention budget of a
round stays at intro, one mid-round message, end check-in and the thanks nudge. Settled after
the midway check-in went out, the updated intro says so and no message is added.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from bot import commands as cmd
from bot import keys as key_of
from bot import wording
from bot.actions import PickSlot
from bot.calendar import meeting_file
from bot.intros import local_times, person_of, settled_slot, slot_starts, zone_label
from bot.ledger import Outgoing, enqueue
from bot.messages import Message, Reply, text_message
from bot.ports import ConversationTarget, PlatformError, SentRef, target_from_dict
from bot.regroup import intro_for
from bot.replies import error, reply
from bot.slots import DEFAULT_HOURS, HoursError, parse_hours
from bot.states import DeliveryKind, DeliveryStatus, RoundStatus
from bot.usecases.context import Context
from storage.models import Group, Member
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class _Refresh:
    ref: SentRef
    message: Message


async def pick(ctx: Context, action: PickSlot) -> Reply:
    """Record the member's pick (idempotent; changing it is fine), then update the intro."""
    now = ctx.core.now()
    refresh: _Refresh | None = None
    async with ctx.as_member() as (uow, member):
        group = await uow.rounds.group(action.group_id, lock=True)
        starts = slot_starts(group) if group is not None else None
        if group is None or not starts or action.slot > len(starts):
            return error(wording.BUTTON_EXPIRED)
        member_ids = (await uow.rounds.member_ids([group.id]))[group.id]
        if member.id not in member_ids:
            return error(wording.SLOT_NOT_YOURS)
        round_ = await uow.rounds.get(group.round_id)
        if round_.status != RoundStatus.OPEN:
            return error(wording.SLOT_ROUND_OVER)
        start = starts[action.slot - 1]
        if start <= now:
            return error(wording.SLOT_PASSED)
        changed = await uow.rounds.pick_slot(group.id, member.id, action.slot, now)
        picks = await uow.rounds.slot_picks(group.id)
        members = await uow.members.by_ids(member_ids)
        people = {m.id: person_of(m) for m in members.values()}
        mine = local_times(start, member_ids, people)
        if not changed:
            return reply(wording.slot_already_picked(action.slot))
        settled = settled_slot(member_ids, picks)
        if settled is not None:
            key = await _settle(ctx, uow, group, member_ids, members, settled, now)
            if key:
                ctx.to_send.append(key)
        if group.conversation_ref:
            ref = SentRef.decode(group.conversation_ref)
            refresh = _Refresh(ref, await intro_for(uow, group.id, picks))
    if refresh is not None:
        await _update(ctx, refresh)
    if settled is not None:
        return reply(wording.slot_settled_reply(settled))
    return Reply(text_message(wording.slot_picked(action.slot, mine)))


async def _settle(
    ctx: Context,
    uow: UnitOfWork,
    group: Group,
    member_ids: list[int],
    members: dict[int, Member],
    slot: int,
    now: object,
) -> str | None:
    """Everyone picked `slot`: queue the settled message with its calendar file in place of
    the group's midway check-in, if that is still to come (else the intro's update says it)."""
    taken = await uow.deliveries.cancel_pending(
        round_id=group.round_id, group_id=group.id, kind=DeliveryKind.CHECKIN_MIDWAY
    )
    already = [
        d
        for d in await uow.deliveries.of_group(group.id)
        if d.kind == DeliveryKind.SLOT_SETTLED and d.status != DeliveryStatus.CANCELLED
    ]
    if not taken or already:
        return None
    starts = slot_starts(group) or []
    start = starts[slot - 1]
    people = {m.id: person_of(m) for m in members.values()}
    names = [members[m].display_name for m in member_ids if m in members]
    calendar = meeting_file(
        group_id=group.id,
        start=start,
        summary=wording.calendar_summary(names),
        description=wording.CALENDAR_DESCRIPTION,
        now=ctx.core.now(),
    )
    intro = next(
        (d for d in await uow.deliveries.of_group(group.id) if d.kind == DeliveryKind.INTRO), None
    )
    if group.conversation_ref:
        target = ConversationTarget(SentRef.decode(group.conversation_ref).conversation_id)
    elif intro is not None:
        target = target_from_dict(intro.target)  # type: ignore[assignment]
    else:
        return None
    item = Outgoing(
        key=key_of.group_message(group.round_id, group.id, DeliveryKind.SLOT_SETTLED),
        kind=DeliveryKind.SLOT_SETTLED,
        target=target,
        message=replace(
            wording.slot_settled(local_times(start, member_ids, people), calendar),
            buttons=wording.checkin_buttons(group.id),  # it stands in for the midway check-in
        ),
        due_at=ctx.core.now(),
        round_id=group.round_id,
        group_id=group.id,
    )
    workspace = members[member_ids[0]].workspace_id
    return item.key if await enqueue(uow, workspace, item, ctx.core.now()) else None


async def _update(ctx: Context, refresh: _Refresh) -> None:
    """Show the picks on the intro. A failure only costs the view (the next pick redraws it)."""
    try:
        await ctx.core.platform.update(ctx.actor.workspace_id, refresh.ref, refresh.message)
    except PlatformError as exc:
        logger.warning("intro %s: update failed: %s", refresh.ref.encode(), exc.reason)


# --- /coffee hours -----------------------------------------------------------------------------


async def set_hours(ctx: Context, command: cmd.SetHours) -> Reply:
    async with ctx.as_member() as (_uow, member):
        profile = member.profile
        person = person_of(member)
        if command.hours is None and not command.reset:
            default = profile.work_start is None or profile.work_end is None
            return reply(wording.hours_shown(person.hours.label(), zone_label(person), default))
        if command.reset:
            profile.work_start = profile.work_end = None
            profile.updated_at = ctx.core.now()
            return reply(wording.HOURS_RESET)
        assert command.hours is not None
        profile.work_start, profile.work_end = command.hours.encode()
        profile.updated_at = ctx.core.now()
        return reply(wording.hours_saved(command.hours.label(), zone_label(person)))


def hours_from_form(text: str) -> tuple[str | None, str | None] | None:
    """The profile form's hours field: "" → the default (None, None); bad → raises."""
    if not text.strip():
        return (None, None)
    hours = parse_hours(text)
    if hours == DEFAULT_HOURS:
        return (None, None)
    return hours.encode()


__all__ = ["HoursError", "hours_from_form", "pick", "set_hours"]
