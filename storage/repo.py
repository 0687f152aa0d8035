"""Queries the core needs, over one `AsyncSession`. No business rules here."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.states import DeliveryStatus, GroupOutcome, RoundStatus
from storage.models import (
    CheckinAnswer,
    ConversationState,
    Delivery,
    Group,
    GroupMember,
    Member,
    Membership,
    OptOut,
    Profile,
    Program,
    Round,
    ThanksNote,
    ThanksRecipient,
    Workspace,
)

logger = logging.getLogger(__name__)


def user_hash(workspace_id: int, external_id: str) -> str:
    return hashlib.sha256(f"{workspace_id}:{external_id}".encode()).hexdigest()


class Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.s = session

    # --- workspaces and members ---------------------------------------------------------------

    async def workspace(self, platform: str, external_id: str, now: datetime) -> Workspace:
        stmt = select(Workspace).where(
            Workspace.platform == platform, Workspace.external_id == external_id
        )
        found = (await self.s.execute(stmt)).scalar_one_or_none()
        if found:
            return found
        return await self._insert_or_get(
            Workspace(platform=platform, external_id=external_id, created_at=now), stmt
        )

    async def find_workspace(self, platform: str, external_id: str) -> Workspace | None:
        stmt = select(Workspace).where(
            Workspace.platform == platform, Workspace.external_id == external_id
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def find_member(self, workspace_id: int, external_id: str) -> Member | None:
        stmt = select(Member).where(
            Member.workspace_id == workspace_id, Member.external_id == external_id
        )
        return (await self.s.execute(stmt)).unique().scalar_one_or_none()

    async def member(
        self, workspace_id: int, external_id: str, display_name: str, now: datetime
    ) -> Member:
        found = await self.find_member(workspace_id, external_id)
        if found:
            if found.profile is None:
                found.profile = Profile(updated_at=now, interests=[], offers=[], wants=[])
            return found
        stmt = select(Member).where(
            Member.workspace_id == workspace_id, Member.external_id == external_id
        )
        member = Member(
            workspace_id=workspace_id,
            external_id=external_id,
            display_name=display_name,
            created_at=now,
            profile=Profile(updated_at=now, interests=[], offers=[], wants=[]),
        )
        return await self._insert_or_get(member, stmt)

    async def members_by_ids(self, ids: Sequence[int]) -> dict[int, Member]:
        if not ids:
            return {}
        rows = (await self.s.execute(select(Member).where(Member.id.in_(ids)))).unique()
        return {m.id: m for m in rows.scalars()}

    async def _insert_or_get(self, obj: Any, stmt: Any) -> Any:
        try:
            async with self.s.begin_nested():
                self.s.add(obj)
        except IntegrityError:
            found = (await self.s.execute(stmt)).unique().scalar_one()
            return found
        return obj

    # --- programs and memberships -------------------------------------------------------------

    async def program_by_channel(self, workspace_id: int, channel_id: str) -> Program | None:
        stmt = select(Program).where(
            Program.workspace_id == workspace_id, Program.channel_id == channel_id
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def program(self, program_id: int) -> Program | None:
        return await self.s.get(Program, program_id)

    async def workspace_programs(self, workspace_id: int) -> list[Program]:
        stmt = select(Program).where(Program.workspace_id == workspace_id).order_by(Program.id)
        return list((await self.s.execute(stmt)).scalars())

    async def due_programs(self, now: datetime, platform: str) -> list[Program]:
        stmt = (
            select(Program)
            .join(Workspace, Workspace.id == Program.workspace_id)
            .where(
                Workspace.platform == platform,
                Program.active.is_(True),
                Program.next_round_at <= now,
            )
            .order_by(Program.next_round_at, Program.id)
        )
        return list((await self.s.execute(stmt)).scalars())

    async def membership(self, program_id: int, member_id: int) -> Membership | None:
        stmt = select(Membership).where(
            Membership.program_id == program_id, Membership.member_id == member_id
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def add_membership(self, program_id: int, member_id: int, now: datetime) -> Membership:
        """A new membership, or the one a concurrent request just created (never an error)."""
        stmt = select(Membership).where(
            Membership.program_id == program_id, Membership.member_id == member_id
        )
        return await self._insert_or_get(
            Membership(program_id=program_id, member_id=member_id, joined_at=now), stmt
        )

    async def member_programs(self, member_id: int) -> list[Program]:
        stmt = (
            select(Program)
            .join(Membership, Membership.program_id == Program.id)
            .where(Membership.member_id == member_id, Membership.left_at.is_(None))
            .order_by(Program.id)
        )
        return list((await self.s.execute(stmt)).scalars())

    async def program_member_external_ids(self, program_id: int) -> set[str]:
        """Everyone with a membership row in the program, left or not."""
        stmt = (
            select(Member.external_id)
            .join(Membership, Membership.member_id == Member.id)
            .where(Membership.program_id == program_id)
        )
        return set((await self.s.execute(stmt)).scalars())

    async def membership_changed_at(self, program_id: int) -> datetime | None:
        """The latest join or leave recorded in the program."""
        stmt = select(func.max(Membership.joined_at), func.max(Membership.left_at)).where(
            Membership.program_id == program_id
        )
        joined, left = (await self.s.execute(stmt)).one()
        moments = [m for m in (joined, left) if m is not None]
        return max(moments) if moments else None

    async def active_members(self, program_id: int) -> list[Member]:
        """Joined and not left, not bots, not deactivated (pauses are checked by the caller)."""
        stmt = (
            select(Member)
            .join(Membership, Membership.member_id == Member.id)
            .where(
                Membership.program_id == program_id,
                Membership.left_at.is_(None),
                Member.is_bot.is_(False),
                Member.deactivated.is_(False),
            )
            .order_by(Member.id)
        )
        return list((await self.s.execute(stmt)).unique().scalars())

    async def eligible_members(self, program_id: int, now: datetime) -> list[Member]:
        return [
            m
            for m in await self.active_members(program_id)
            if m.profile is None or m.profile.paused_until is None or m.profile.paused_until <= now
        ]

    # --- rounds and groups --------------------------------------------------------------------

    async def last_round(self, program_id: int) -> Round | None:
        stmt = (
            select(Round)
            .where(Round.program_id == program_id)
            .order_by(Round.number.desc())
            .limit(1)
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def round_by_number(self, program_id: int, number: int) -> Round | None:
        stmt = select(Round).where(Round.program_id == program_id, Round.number == number)
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def open_rounds(self, program_id: int) -> list[Round]:
        stmt = select(Round).where(Round.program_id == program_id, Round.status == RoundStatus.OPEN)
        return list((await self.s.execute(stmt)).scalars())

    async def round_groups(self, round_id: int) -> list[tuple[Group, list[int]]]:
        groups = list(
            (
                await self.s.execute(
                    select(Group).where(Group.round_id == round_id).order_by(Group.position)
                )
            ).scalars()
        )
        members = await self.group_member_ids([g.id for g in groups])
        return [(g, members.get(g.id, [])) for g in groups]

    async def group_member_ids(self, group_ids: Sequence[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {gid: [] for gid in group_ids}
        if not group_ids:
            return out
        stmt = (
            select(GroupMember.group_id, GroupMember.member_id)
            .where(GroupMember.group_id.in_(group_ids))
            .order_by(GroupMember.group_id, GroupMember.member_id)
        )
        for gid, mid in await self.s.execute(stmt):
            out[gid].append(mid)
        return out

    async def history(self, program_id: int, rounds: int) -> list[list[list[int]]]:
        """The last `rounds` rounds' groups as member ids, oldest first."""
        stmt = (
            select(Round.id)
            .where(Round.program_id == program_id)
            .order_by(Round.number.desc())
            .limit(rounds)
        )
        round_ids = list((await self.s.execute(stmt)).scalars())[::-1]
        if not round_ids:
            return []
        rows = await self.s.execute(
            select(Group.round_id, Group.id, GroupMember.member_id)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(Group.round_id.in_(round_ids))
            .order_by(Group.round_id, Group.position, GroupMember.member_id)
        )
        by_round: dict[int, dict[int, list[int]]] = {rid: {} for rid in round_ids}
        for rid, gid, mid in rows:
            by_round[rid].setdefault(gid, []).append(mid)
        return [list(by_round[rid].values()) for rid in round_ids]

    async def group_program(self, group_id: int) -> Program | None:
        stmt = (
            select(Program)
            .join(Round, Round.program_id == Program.id)
            .join(Group, Group.round_id == Round.id)
            .where(Group.id == group_id)
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def group(self, group_id: int) -> Group | None:
        return await self.s.get(Group, group_id)

    async def current_group_for(self, member_id: int) -> tuple[Group, Round] | None:
        stmt = (
            select(Group, Round)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .join(Round, Round.id == Group.round_id)
            .where(GroupMember.member_id == member_id, Round.status == RoundStatus.OPEN)
            .order_by(Round.started_at.desc())
            .limit(1)
        )
        row = (await self.s.execute(stmt)).first()
        return (row[0], row[1]) if row else None

    async def member_history(self, member_id: int, limit: int) -> list[tuple[Round, Group]]:
        stmt = (
            select(Round, Group)
            .join(Group, Group.round_id == Round.id)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.member_id == member_id)
            .order_by(Round.started_at.desc(), Round.id.desc())
            .limit(limit)
        )
        return [(r, g) for r, g in await self.s.execute(stmt)]

    async def colleagues_met(self, member_id: int) -> int:
        """Distinct people this member shared a group with where the group said it met."""
        mine = select(GroupMember.group_id).where(GroupMember.member_id == member_id)
        stmt = select(func.count(func.distinct(GroupMember.member_id))).where(
            GroupMember.group_id.in_(
                select(Group.id).where(Group.id.in_(mine), Group.outcome == GroupOutcome.MET)
            ),
            GroupMember.member_id != member_id,
        )
        return int((await self.s.execute(stmt)).scalar_one())

    # --- check-ins ----------------------------------------------------------------------------

    async def checkin_answer(self, group_id: int, member_id: int) -> CheckinAnswer | None:
        stmt = select(CheckinAnswer).where(
            CheckinAnswer.group_id == group_id, CheckinAnswer.member_id == member_id
        )
        return (await self.s.execute(stmt)).scalar_one_or_none()

    async def group_answers(self, group_id: int) -> list[str]:
        stmt = select(CheckinAnswer.answer).where(CheckinAnswer.group_id == group_id)
        return list((await self.s.execute(stmt)).scalars())

    # --- deliveries ---------------------------------------------------------------------------

    async def add_delivery(self, delivery: Delivery) -> bool:
        """Insert unless a delivery with the same key exists. True when inserted."""
        exists = await self.s.execute(select(Delivery.id).where(Delivery.key == delivery.key))
        if exists.scalar_one_or_none() is not None:
            return False
        try:
            async with self.s.begin_nested():
                self.s.add(delivery)
        except IntegrityError:
            return False
        return True

    async def due_delivery_ids(self, now: datetime, limit: int, platform: str) -> list[int]:
        """Due rows of one platform's workspaces (one database may serve several platforms)."""
        stmt = (
            select(Delivery.id)
            .join(Workspace, Workspace.id == Delivery.workspace_id)
            .where(
                Workspace.platform == platform,
                or_(
                    and_(Delivery.status == DeliveryStatus.PENDING, Delivery.due_at <= now),
                    and_(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_until < now),
                ),
            )
            .order_by(Delivery.due_at, Delivery.id)
            .limit(limit)
        )
        return list((await self.s.execute(stmt)).scalars())

    async def delivery_ids_by_key(self, keys: Sequence[str]) -> list[int]:
        if not keys:
            return []
        stmt = select(Delivery.id).where(Delivery.key.in_(keys)).order_by(Delivery.id)
        return list((await self.s.execute(stmt)).scalars())

    async def sending_deliveries(self, platform: str) -> list[tuple[int, str | None, int]]:
        """Rows of one platform now `sending`: (id, claimed_by, attempts)."""
        stmt = (
            select(Delivery.id, Delivery.claimed_by, Delivery.attempts)
            .join(Workspace, Workspace.id == Delivery.workspace_id)
            .where(Workspace.platform == platform, Delivery.status == DeliveryStatus.SENDING)
            .order_by(Delivery.due_at, Delivery.id)
        )
        return [(i, w, a) for i, w, a in (await self.s.execute(stmt)).all()]

    async def claim_delivery(
        self,
        delivery_id: int,
        now: datetime,
        lease_until: datetime,
        worker: str | None = None,
        takeover: int | None = None,
    ) -> bool:
        """Atomically move a due row to `sending` for `worker`. Exactly one caller wins.

        `takeover` takes a row still `sending` at that attempt number over from a dead worker.
        A row taken over from a claim (dead worker or expired lease) becomes *in doubt*: that
        claim may have posted it.
        """
        claimable = [
            and_(Delivery.status == DeliveryStatus.PENDING, Delivery.due_at <= now),
            and_(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_until < now),
        ]
        if takeover is not None:
            claimable.append(
                and_(Delivery.status == DeliveryStatus.SENDING, Delivery.attempts == takeover)
            )
        doubt = case(
            (
                Delivery.status == DeliveryStatus.SENDING,
                func.coalesce(Delivery.in_doubt_since, Delivery.claimed_at, Delivery.due_at),
            ),
            else_=Delivery.in_doubt_since,
        )
        result = await self.s.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, or_(*claimable))
            .values(
                status=DeliveryStatus.SENDING,
                lease_until=lease_until,
                attempts=Delivery.attempts + 1,
                claimed_by=worker,
                claimed_at=now,
                in_doubt_since=doubt,
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def duplicate_risk_count(self, since: datetime | None = None) -> int:
        """Deliveries re-sent in doubt where the platform couldn't be searched."""
        stmt = select(func.count()).select_from(Delivery).where(Delivery.duplicate_risk)
        if since is not None:
            stmt = stmt.where(Delivery.sent_at >= since)
        return int((await self.s.execute(stmt)).scalar_one())

    async def cancel_pending(self, **where: Any) -> int:
        stmt = update(Delivery).where(Delivery.status == DeliveryStatus.PENDING)
        for column, value in where.items():
            stmt = stmt.where(getattr(Delivery, column) == value)
        result = await self.s.execute(
            stmt.values(status=DeliveryStatus.CANCELLED).execution_options(
                synchronize_session=False
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    # --- conversation state -------------------------------------------------------------------

    async def conversation(self, member_id: int, flow: str) -> ConversationState | None:
        return await self.s.get(ConversationState, (member_id, flow))

    async def clear_conversation(self, member_id: int, flow: str) -> None:
        await self.s.execute(
            delete(ConversationState).where(
                ConversationState.member_id == member_id, ConversationState.flow == flow
            )
        )

    # --- thanks and stats ---------------------------------------------------------------------

    async def thanks_count(self, program_id: int) -> int:
        stmt = select(func.count(ThanksNote.id)).where(ThanksNote.program_id == program_id)
        return int((await self.s.execute(stmt)).scalar_one())

    async def program_stats(self, program_id: int) -> dict[str, int]:
        rounds = (
            await self.s.execute(select(func.count(Round.id)).where(Round.program_id == program_id))
        ).scalar_one()
        group_q = (
            select(Group.id)
            .join(Round, Round.id == Group.round_id)
            .where(Round.program_id == program_id)
        )
        groups = (
            await self.s.execute(select(func.count()).select_from(group_q.subquery()))
        ).scalar_one()
        met = (
            await self.s.execute(
                select(func.count()).select_from(
                    group_q.where(Group.outcome == GroupOutcome.MET).subquery()
                )
            )
        ).scalar_one()
        answered = (
            await self.s.execute(
                select(func.count(func.distinct(CheckinAnswer.group_id))).where(
                    CheckinAnswer.group_id.in_(group_q)
                )
            )
        ).scalar_one()
        return {"rounds": rounds, "groups": groups, "met": met, "answered": answered}

    async def add_thanks(self, note: ThanksNote, recipient_ids: Sequence[int]) -> ThanksNote:
        self.s.add(note)
        await self.s.flush()
        for mid in recipient_ids:
            self.s.add(ThanksRecipient(note_id=note.id, member_id=mid))
        return note

    async def opted_out(self, workspace_id: int, external_ids: Iterable[str]) -> set[str]:
        """Which of these people asked to be forgotten in this workspace."""
        by_hash = {user_hash(workspace_id, u): u for u in external_ids}
        if not by_hash:
            return set()
        stmt = select(OptOut.user_hash).where(
            OptOut.workspace_id == workspace_id, OptOut.user_hash.in_(list(by_hash))
        )
        return {by_hash[h] for h in (await self.s.execute(stmt)).scalars()}

    async def set_opt_out(self, workspace_id: int, external_id: str, now: datetime) -> None:
        digest = user_hash(workspace_id, external_id)
        if not await self.opted_out(workspace_id, [external_id]):
            self.s.add(OptOut(workspace_id=workspace_id, user_hash=digest, created_at=now))

    async def clear_opt_out(self, workspace_id: int, external_id: str) -> None:
        await self.s.execute(
            delete(OptOut).where(
                OptOut.workspace_id == workspace_id,
                OptOut.user_hash == user_hash(workspace_id, external_id),
            )
        )

    async def delete_member(self, member: Member) -> None:
        await self.s.execute(
            delete(Delivery).where(
                Delivery.workspace_id == member.workspace_id,
                Delivery.recipient == member.external_id,
            )
        )
        await self.s.execute(delete(Member).where(Member.id == member.id))
