"""When a group loses a member before its intro went out (they can't be reached, or asked to
be forgotten): the intro is re-addressed to those left, or a lone partner is told."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import keys as key_of
from bot import wording
from bot.intros import intro_message, person_of
from bot.ledger import Outgoing, enqueue, redact
from bot.messages import Message
from bot.ports import (
    DirectTarget,
    GroupTarget,
    RecipientsUnavailable,
    target_from_dict,
    target_to_dict,
)
from bot.states import DeliveryKind, DeliveryStatus, RoundStatus
from storage.models import Delivery, Member
from storage.uow import UnitOfWork

FORGOTTEN = "a member asked to be forgotten"


async def intro_for(uow: UnitOfWork, group_id: int, picks: dict[int, int] | None = None) -> Message:
    """The intro of `group_id` as it stands now (its current members, the times they picked)."""
    group = await uow.rounds.group(group_id)
    assert group is not None
    round_ = await uow.rounds.get(group.round_id)
    program = await uow.programs.get(round_.program_id)
    assert program is not None
    member_ids = (await uow.rounds.member_ids([group_id]))[group_id]
    members = await uow.members.by_ids(member_ids)
    return intro_message(
        program,
        group,
        round_.seed,
        member_ids,
        {m.id: m.external_id for m in members.values()},
        {m.id: m.display_name for m in members.values()},
        {m.id: person_of(m) for m in members.values()},
        picks,
    )


async def readdress_intro(
    uow: UnitOfWork, row: Delivery, target: GroupTarget, users: tuple[str, ...]
) -> None:
    """The pending intro `row` goes to `users` instead, rewritten for the group as it is now."""
    assert row.group_id is not None
    row.target = target_to_dict(GroupTarget(users, target.channel_id, target.title))
    row.payload = (await intro_for(uow, row.group_id)).to_dict()


async def tell_partner(
    uow: UnitOfWork,
    workspace_id: int,
    round_id: int,
    group_id: int,
    user: str,
    channel: str | None,
    now: datetime,
) -> tuple[str, bool]:
    """Tell `user` their partner can't make it this round. Returns the key, and whether it is
    new (a second call for the same person and group is a no-op)."""
    item = Outgoing(
        key=key_of.group_member_message(round_id, group_id, DeliveryKind.PARTNER_UNAVAILABLE, user),
        kind=DeliveryKind.PARTNER_UNAVAILABLE,
        target=DirectTarget(user, channel),
        message=wording.partner_unavailable(channel or ""),
        due_at=now,
        round_id=round_id,
        group_id=group_id,
        recipient=user,
    )
    return item.key, await enqueue(uow, workspace_id, item, now)


async def regroup(
    uow: UnitOfWork,
    row: Delivery,
    target: GroupTarget,
    lost: list[Member],
    exc: RecipientsUnavailable,
    now: datetime,
) -> list[str]:
    """An intro some members can't get: send it to the rest, or tell a lone one. Returns the
    keys to send next."""
    assert row.group_id is not None and row.round_id is not None
    gone = set(exc.user_ids)
    await uow.rounds.remove_from_group(row.group_id, [m.id for m in lost])
    remaining = tuple(u for u in target.user_ids if u not in gone)
    if len(remaining) >= 2:
        # Nothing was sent: send the same row again, to those who are still here.
        await readdress_intro(uow, row, target, remaining)
        row.status = DeliveryStatus.PENDING
        row.in_doubt_since = None  # the conversation was never opened: nothing was posted
        row.error = f"re-sent without {', '.join(sorted(gone))} ({exc.reason})"
        return [row.key]
    row.status = DeliveryStatus.FAILED
    await uow.deliveries.cancel_pending(group_id=row.group_id)  # no group, no check-ins
    follow_up: list[str] = []
    for user in remaining:
        key, _ = await tell_partner(
            uow, row.workspace_id, row.round_id, row.group_id, user, target.channel_id, now
        )
        follow_up.append(key)
    return follow_up


async def withdraw(uow: UnitOfWork, member: Member, now: datetime) -> list[str]:
    """Take someone out of every group they were in (forget-me): nothing more is sent to them,
    and nothing about those groups names them any more.

    A pending intro (open round, or a closed one's intro still waiting on a retry) that still
    has two people is re-addressed to them; every other pending message of the group stops
    (the conversation may include the person who left); a lone partner in an open round is
    told. Everything else the group's messages held is redacted, the group's conversation
    reference is dropped and its reasons keep only those about the others alone.
    Rows in flight (`sending`) are left to finish. Returns delivery keys to flush.
    """
    keys: list[str] = []
    for group_id, round_id, status, channel in await uow.rounds.memberships_of(member.id):
        group = await uow.rounds.group(group_id)
        assert group is not None
        group.conversation_ref = None  # their conversation (its id may even name them)
        group.reasons = [r for r in group.reasons or [] if _about_others_only(r, member.id)]
        await uow.rounds.remove_from_group(group_id, [member.id])
        others = list((await uow.rounds.member_ids([group_id]))[group_id])
        people = await uow.members.by_ids(others)
        users = tuple(people[m].external_id for m in others if m in people)
        for row in await uow.deliveries.of_group(group_id):
            keys += await _withdraw_from(uow, row, users, len(others), channel)
        if status == RoundStatus.OPEN and len(others) == 1 and others[0] in people:
            partner = people[others[0]].external_id
            key, new = await tell_partner(
                uow, member.workspace_id, round_id, group_id, partner, channel, now
            )
            keys += [key] if new else []
    return keys


async def _withdraw_from(
    uow: UnitOfWork, row: Delivery, users: tuple[str, ...], left: int, channel: str
) -> list[str]:
    """One message of a group someone left: re-addressed, stopped or redacted."""
    if row.status == DeliveryStatus.SENDING:
        return []  # in flight: the platform has it or is about to
    if row.status == DeliveryStatus.PENDING and row.kind == DeliveryKind.INTRO and left >= 2:
        target = target_from_dict(row.target)
        if not isinstance(target, GroupTarget):
            target = GroupTarget(users, channel)
        await readdress_intro(uow, row, target, users)
        row.error = None
        return [row.key]
    if row.status == DeliveryStatus.PENDING:
        row.status = DeliveryStatus.CANCELLED
    redact(row, FORGOTTEN)
    return []


def _about_others_only(reason: dict[str, Any], member_id: int) -> bool:
    """A stored reason that names only other members (a whole-group reason includes everyone)."""
    named = {str(x) for x in (reason.get("giver"), reason.get("receiver")) if x is not None}
    named |= {str(x) for x in reason.get("members") or ()}
    return bool(named) and str(member_id) not in named
