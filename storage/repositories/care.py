"""Ghost checks, rescue offers, the attention budget's counts and the monthly digest's figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select

from bot.states import DeliveryStatus, GroupOutcome
from storage.models import (
    CheckinAnswer,
    Delivery,
    GhostCheck,
    Group,
    GroupMember,
    Membership,
    Profile,
    Program,
    Rescue,
    Round,
    ThanksNote,
    ThanksRecipient,
    Workspace,
)
from storage.repositories.base import Repository

# Rows that reached, or will reach, their recipient.
_LIVE = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.SENT)


class CareRepository(Repository):
    # --- ghosts -------------------------------------------------------------------------------

    async def participation(
        self, program_id: int, before_number: int, rounds: int
    ) -> list[tuple[int, datetime, int, str | None, bool]]:
        """The program's last `rounds` rounds before round `before_number`: one row per member
        and group, (round number, round start, member id, group outcome, they answered)."""
        numbers = (
            select(Round.id)
            .where(Round.program_id == program_id, Round.number < before_number)
            .order_by(Round.number.desc())
            .limit(rounds)
        )
        answered = (
            select(CheckinAnswer.id)
            .where(
                CheckinAnswer.group_id == GroupMember.group_id,
                CheckinAnswer.member_id == GroupMember.member_id,
            )
            .exists()
        )
        stmt = (
            select(Round.number, Round.started_at, GroupMember.member_id, Group.outcome, answered)
            .join(Group, Group.round_id == Round.id)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(Round.id.in_(numbers))
        )
        return [(n, s, m, o, bool(a)) for n, s, m, o, a in await self._s.execute(stmt)]

    async def latest_checks(self, program_id: int) -> dict[int, GhostCheck]:
        """Each member's most recent ghost check in the program."""
        stmt = (
            select(GhostCheck)
            .where(GhostCheck.program_id == program_id)
            .order_by(GhostCheck.member_id, GhostCheck.asked_round)
        )
        return {c.member_id: c for c in (await self._s.execute(stmt)).scalars()}

    async def add_check(self, check: GhostCheck) -> GhostCheck:
        stmt = select(GhostCheck).where(
            GhostCheck.program_id == check.program_id,
            GhostCheck.member_id == check.member_id,
            GhostCheck.asked_round == check.asked_round,
        )
        return await self._insert_or_get(check, stmt)

    async def check(self, check_id: int, *, lock: bool = False) -> GhostCheck | None:
        return await self._s.get(GhostCheck, check_id, with_for_update=lock)

    async def asked_in(self, program_id: int, member_id: int, round_number: int) -> bool:
        stmt = select(GhostCheck.id).where(
            GhostCheck.program_id == program_id,
            GhostCheck.member_id == member_id,
            GhostCheck.asked_round == round_number,
        )
        return (await self._s.execute(stmt)).first() is not None

    async def ghost_count(self, program_id: int, now: datetime) -> int:
        """Members still in the program who went quiet: asked "still up for coffee chats?" and
        not answered yet, or paused because they didn't answer (and still paused)."""
        latest = (
            select(GhostCheck.member_id, func.max(GhostCheck.asked_round).label("asked"))
            .where(GhostCheck.program_id == program_id)
            .group_by(GhostCheck.member_id)
            .subquery()
        )
        stmt = (
            select(func.count())
            .select_from(GhostCheck)
            .join(
                latest,
                (latest.c.member_id == GhostCheck.member_id)
                & (latest.c.asked == GhostCheck.asked_round),
            )
            .join(
                Membership,
                (Membership.member_id == GhostCheck.member_id)
                & (Membership.program_id == program_id),
            )
            .join(Profile, Profile.member_id == GhostCheck.member_id)
            .where(
                GhostCheck.program_id == program_id,
                Membership.left_at.is_(None),
                or_(
                    GhostCheck.answer.is_(None),
                    (GhostCheck.answer == "auto_paused") & (Profile.paused_until > now),
                ),
            )
        )
        return int((await self._s.execute(stmt)).scalar_one())

    # --- rescue -------------------------------------------------------------------------------

    async def lock_round(self, round_id: int) -> Round | None:
        """The round, its row held until the transaction ends: rescue pairing serialises here."""
        return await self._s.get(Round, round_id, with_for_update=True)

    async def add_rescue(self, rescue: Rescue) -> Rescue | None:
        """Record an offer; None when this member had one this round already."""
        exists = select(Rescue.id).where(
            Rescue.round_id == rescue.round_id, Rescue.member_id == rescue.member_id
        )
        if (await self._s.execute(exists)).first() is not None:
            return None
        stmt = select(Rescue).where(
            Rescue.round_id == rescue.round_id, Rescue.member_id == rescue.member_id
        )
        saved = await self._insert_or_get(rescue, stmt)
        return saved if saved is rescue else None

    async def rescue(self, rescue_id: int, *, fresh: bool = False) -> Rescue | None:
        """An offer; `fresh` reads it again (after taking a lock) rather than from memory."""
        return await self._s.get(Rescue, rescue_id, populate_existing=fresh)

    async def rescue_of(self, round_id: int, member_id: int) -> Rescue | None:
        stmt = select(Rescue).where(Rescue.round_id == round_id, Rescue.member_id == member_id)
        return (await self._s.execute(stmt)).scalar_one_or_none()

    async def waiting(self, round_id: int) -> list[Rescue]:
        """Who accepted a rescue this round and has no new match yet, first come first."""
        stmt = (
            select(Rescue)
            .where(Rescue.round_id == round_id, Rescue.status == "accepted")
            .order_by(Rescue.accepted_at, Rescue.id)
            .execution_options(populate_existing=True)
        )
        return list((await self._s.execute(stmt)).scalars())

    async def waiting_in_rounds(self, round_ids: Sequence[int]) -> list[Rescue]:
        if not round_ids:
            return []
        stmt = select(Rescue).where(
            Rescue.round_id.in_(list(round_ids)), Rescue.status == "accepted"
        )
        return list((await self._s.execute(stmt)).scalars())

    async def waiting_until(self, ends_before: datetime, platform: str) -> dict[int, list[Rescue]]:
        """Rescues still waiting in open rounds that end before `ends_before`, by program."""
        stmt = (
            select(Round.program_id, Rescue)
            .join(Round, Round.id == Rescue.round_id)
            .join(Program, Program.id == Round.program_id)
            .join(Workspace, Workspace.id == Program.workspace_id)
            .where(
                Rescue.status == "accepted",
                Round.status == "open",
                Round.ends_at <= ends_before,
                Workspace.platform == platform,
            )
            .order_by(Rescue.id)
        )
        out: dict[int, list[Rescue]] = {}
        for program_id, rescue in await self._s.execute(stmt):
            out.setdefault(program_id, []).append(rescue)
        return out

    async def next_position(self, round_id: int) -> int:
        stmt = select(func.max(Group.position)).where(Group.round_id == round_id)
        top = (await self._s.execute(stmt)).scalar_one_or_none()
        return 0 if top is None else top + 1

    # --- the attention budget -----------------------------------------------------------------

    async def round_messages(self, round_id: int, user: str, group_ids: Sequence[int]) -> int:
        """Messages of a round that reached (or will reach) `user`: their own, and those to
        their groups, not counting check-ins a group's answer made moot."""
        own = Delivery.recipient == user
        to_group = (Delivery.recipient == "") & Delivery.group_id.in_(list(group_ids) or [-1])
        stmt = (
            select(Delivery.kind, Delivery.status, Group.outcome)
            .outerjoin(Group, Group.id == Delivery.group_id)
            .where(Delivery.round_id == round_id, Delivery.status.in_(_LIVE), or_(own, to_group))
        )
        count = 0
        for kind, status, outcome in await self._s.execute(stmt):
            moot = (
                status == DeliveryStatus.PENDING
                and kind in ("checkin_midway", "checkin_end")
                and outcome in (GroupOutcome.MET, GroupOutcome.SKIPPED)
            )
            count += 0 if moot else 1
        return count

    async def groups_in_round(self, round_id: int, member_id: int) -> list[int]:
        stmt = (
            select(Group.id)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(Group.round_id == round_id, GroupMember.member_id == member_id)
        )
        return list((await self._s.execute(stmt)).scalars())

    # --- the digest ---------------------------------------------------------------------------

    async def rounds_between(self, program_id: int, start: datetime, end: datetime) -> int:
        stmt = select(func.count(Round.id)).where(
            Round.program_id == program_id, Round.started_at >= start, Round.started_at < end
        )
        return int((await self._s.execute(stmt)).scalar_one())

    async def met_groups(
        self, program_id: int, end: datetime, start: datetime | None = None
    ) -> list[list[int]]:
        """Member ids of every group that said it met, in rounds started before `end` (and
        from `start`)."""
        stmt = (
            select(Group.id, GroupMember.member_id)
            .join(Round, Round.id == Group.round_id)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(
                Round.program_id == program_id,
                Round.started_at < end,
                Group.outcome == GroupOutcome.MET,
            )
            .order_by(Group.id, GroupMember.member_id)
        )
        if start is not None:
            stmt = stmt.where(Round.started_at >= start)
        groups: dict[int, list[int]] = {}
        for gid, mid in await self._s.execute(stmt):
            groups.setdefault(gid, []).append(mid)
        return list(groups.values())

    async def public_thanks(
        self, program_id: int, start: datetime, end: datetime
    ) -> list[tuple[ThanksNote, list[int]]]:
        """Public thank-you notes of the program written in [start, end), oldest first, with
        who they thank."""
        stmt = (
            select(ThanksNote)
            .where(
                ThanksNote.program_id == program_id,
                ThanksNote.public.is_(True),
                ThanksNote.created_at >= start,
                ThanksNote.created_at < end,
            )
            .order_by(ThanksNote.created_at, ThanksNote.id)
        )
        notes = list((await self._s.execute(stmt)).scalars())
        if not notes:
            return []
        rows = await self._s.execute(
            select(ThanksRecipient.note_id, ThanksRecipient.member_id).where(
                ThanksRecipient.note_id.in_([n.id for n in notes])
            )
        )
        to: dict[int, list[int]] = {n.id: [] for n in notes}
        for nid, mid in rows:
            to[nid].append(mid)
        return [(n, sorted(to[n.id])) for n in notes]

    async def joined_at(self, program_id: int) -> dict[int, datetime]:
        stmt = select(Membership.member_id, Membership.joined_at).where(
            Membership.program_id == program_id
        )
        return {row[0]: row[1] for row in await self._s.execute(stmt)}

    async def active_programs(self, platform: str) -> list[Program]:
        stmt = (
            select(Program)
            .join(Workspace, Workspace.id == Program.workspace_id)
            .where(Workspace.platform == platform, Program.active.is_(True))
            .order_by(Program.id)
        )
        return list((await self._s.execute(stmt)).scalars())
