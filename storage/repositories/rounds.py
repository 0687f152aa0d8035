"""Rounds, their groups and who is in them, check-in answers, and a program's figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select

from bot.states import GroupOutcome, RoundStatus
from storage.models import CheckinAnswer, Group, GroupMember, Program, Round, SlotPick
from storage.repositories.base import Repository


@dataclass(frozen=True, slots=True)
class NewGroup:
    """A group to insert: its row's values and who is in it."""

    position: int
    weight: float
    reasons: list[dict[str, Any]]
    slots: list[str] | None
    member_ids: Sequence[int]


def status_rounds_columns(member: Any) -> tuple[Any, Any]:
    """What `/coffee status` shows of a member's rounds, as two scalar subqueries over
    `member` (a bound parameter, or the member row's id column of an enclosing SELECT): the
    id of their group in their latest open round (NULL when none), and how many distinct
    people they shared a group with where the group said it met."""
    current = (
        select(Group.id)
        .join(GroupMember, GroupMember.group_id == Group.id)
        .join(Round, Round.id == Group.round_id)
        .where(GroupMember.member_id == member, Round.status == RoundStatus.OPEN)
        .order_by(Round.started_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    # Two levels down from the member's row: correlated explicitly (auto-correlation looks
    # one level up only).
    mine = (
        select(GroupMember.group_id)
        .where(GroupMember.member_id == member)
        .correlate_except(GroupMember)
    )
    met = (
        select(func.count(func.distinct(GroupMember.member_id)))
        .where(
            GroupMember.group_id.in_(
                select(Group.id).where(Group.id.in_(mine), Group.outcome == GroupOutcome.MET)
            ),
            GroupMember.member_id != member,
        )
        .scalar_subquery()
    )
    return current.label("current_group"), met.label("colleagues_met")


# `current_group_and_colleagues`' statement, built once.
_STATUS_ROUNDS = select(*status_rounds_columns(bindparam("p_member")))


class RoundRepository(Repository):
    async def add(self, round_: Round) -> Round:
        return await self._add_flushed(round_)

    async def get(self, round_id: int) -> Round:
        return await self._s.get_one(Round, round_id)

    async def last(self, program_id: int) -> Round | None:
        stmt = (
            select(Round)
            .where(Round.program_id == program_id)
            .order_by(Round.number.desc())
            .limit(1)
        )
        return (await self._s.execute(stmt)).scalar_one_or_none()

    async def open(self, program_id: int) -> list[Round]:
        stmt = select(Round).where(Round.program_id == program_id, Round.status == RoundStatus.OPEN)
        return list((await self._s.execute(stmt)).scalars())

    async def history(self, program_id: int, rounds: int) -> list[list[list[int]]]:
        """The last `rounds` rounds' groups as member ids, oldest first."""
        stmt = (
            select(Round.id)
            .where(Round.program_id == program_id)
            .order_by(Round.number.desc())
            .limit(rounds)
        )
        round_ids = list((await self._s.execute(stmt)).scalars())[::-1]
        if not round_ids:
            return []
        rows = await self._s.execute(
            select(Group.round_id, Group.id, GroupMember.member_id)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(Group.round_id.in_(round_ids))
            .order_by(Group.round_id, Group.position, GroupMember.member_id)
        )
        by_round: dict[int, dict[int, list[int]]] = {rid: {} for rid in round_ids}
        for rid, gid, mid in rows:
            by_round[rid].setdefault(gid, []).append(mid)
        return [list(by_round[rid].values()) for rid in round_ids]

    # --- groups -------------------------------------------------------------------------------

    async def add_groups(
        self, round_id: int, groups: Sequence[tuple[Group, Sequence[int]]]
    ) -> list[Group]:
        """A round's groups and their members (`insert_groups`). The `Group`s given are filled
        in (id, round) and returned; they stay outside the session."""
        rows = [NewGroup(g.position, g.weight, g.reasons, g.slots, ids) for g, ids in groups]
        group_ids = await self.insert_groups(round_id, rows)
        for (group, _), group_id in zip(groups, group_ids, strict=True):
            group.id, group.round_id = group_id, round_id
        return [g for g, _ in groups]

    async def insert_groups(self, round_id: int, groups: Sequence[NewGroup]) -> list[int]:
        """Insert a round's groups and their members; their ids, in the order given.

        Three statements whatever the count: one INSERT of every group (no RETURNING: SQLite
        would run an INSERT … RETURNING once per row to keep the order), one SELECT of their
        ids by (round, position), which is unique, and one INSERT of every member."""
        if not groups:
            return []
        rows = [
            {
                "round_id": round_id,
                "position": g.position,
                "weight": g.weight,
                "reasons": g.reasons,
                "slots": g.slots,
            }
            for g in groups
        ]
        await self._s.execute(insert(Group.__table__), rows)  # Core: no ORM bookkeeping
        positions = [g.position for g in groups]
        found = await self._s.execute(
            select(Group.position, Group.id).where(
                Group.round_id == round_id,
                Group.position >= min(positions),
                Group.position <= max(positions),
            )
        )
        by_position: dict[int, int] = dict(found.all())
        ids = [by_position[p] for p in positions]
        members = [
            {"group_id": gid, "member_id": m}
            for g, gid in zip(groups, ids, strict=True)
            for m in g.member_ids
        ]
        if members:
            await self._s.execute(insert(GroupMember.__table__), members)
        return ids

    async def slot_picks(self, group_id: int) -> dict[int, int]:
        """Which proposed time (1-based) each member of the group picked, by member id."""
        stmt = select(SlotPick.member_id, SlotPick.slot).where(SlotPick.group_id == group_id)
        return {row[0]: row[1] for row in await self._s.execute(stmt)}

    async def pick_slot(self, group_id: int, member_id: int, slot: int, now: datetime) -> bool:
        """Record (or change) a member's pick; False when it was already that one."""
        stmt = select(SlotPick).where(
            SlotPick.group_id == group_id, SlotPick.member_id == member_id
        )
        row = (await self._s.execute(stmt)).scalar_one_or_none()
        if row is not None:
            if row.slot == slot:
                return False
            row.slot, row.picked_at = slot, now
            return True
        self._s.add(SlotPick(group_id=group_id, member_id=member_id, slot=slot, picked_at=now))
        await self._s.flush()
        return True

    async def group(self, group_id: int, *, lock: bool = False) -> Group | None:
        """A group; `lock` holds its row until the transaction ends (answers that race)."""
        if lock:
            return await self._s.get(Group, group_id, with_for_update=True)
        return await self._s.get(Group, group_id)

    async def member_ids(self, group_ids: Sequence[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {gid: [] for gid in group_ids}
        if not group_ids:
            return out
        stmt = (
            select(GroupMember.group_id, GroupMember.member_id)
            .where(GroupMember.group_id.in_(group_ids))
            .order_by(GroupMember.group_id, GroupMember.member_id)
        )
        for gid, mid in await self._s.execute(stmt):
            out[gid].append(mid)
        return out

    async def remove_from_group(self, group_id: int, member_ids: Sequence[int]) -> None:
        await self._s.execute(
            delete(GroupMember).where(
                GroupMember.group_id == group_id, GroupMember.member_id.in_(list(member_ids))
            )
        )

    async def program_of_group(self, group_id: int) -> Program | None:
        stmt = (
            select(Program)
            .join(Round, Round.program_id == Program.id)
            .join(Group, Group.round_id == Round.id)
            .where(Group.id == group_id)
        )
        return (await self._s.execute(stmt)).scalar_one_or_none()

    async def memberships_of(self, member_id: int) -> list[tuple[int, int, str, str]]:
        """Every group the member is in: (group id, round id, round status, program channel)."""
        rows = await self._s.execute(
            select(GroupMember.group_id, Round.id, Round.status, Program.channel_id)
            .join(Group, Group.id == GroupMember.group_id)
            .join(Round, Round.id == Group.round_id)
            .join(Program, Program.id == Round.program_id)
            .where(GroupMember.member_id == member_id)
        )
        return [(g, r, s, c) for g, r, s, c in rows.all()]

    async def current_group_and_colleagues(self, member_id: int) -> tuple[int | None, int]:
        """For `/coffee status`, in one statement: the id of the member's group in their
        latest open round (None when they have none), and how many distinct people they
        shared a group with where the group said it met."""
        row = (await self._s.execute(_STATUS_ROUNDS, {"p_member": member_id})).one()
        return row[0], int(row[1])

    async def member_history(self, member_id: int, limit: int) -> list[tuple[Round, Group]]:
        stmt = (
            select(Round, Group)
            .join(Group, Group.round_id == Round.id)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.member_id == member_id)
            .order_by(Round.started_at.desc(), Round.id.desc())
            .limit(limit)
        )
        return [(r, g) for r, g in await self._s.execute(stmt)]

    # --- check-ins ----------------------------------------------------------------------------

    async def record_answer(
        self, group_id: int, member_id: int, answer: str, now: datetime
    ) -> list[str]:
        """Save (or change) a member's answer; returns every answer the group has given."""
        stmt = select(CheckinAnswer).where(
            CheckinAnswer.group_id == group_id, CheckinAnswer.member_id == member_id
        )
        existing = (await self._s.execute(stmt)).scalar_one_or_none()
        if existing is None:
            self._s.add(
                CheckinAnswer(
                    group_id=group_id, member_id=member_id, answer=answer, answered_at=now
                )
            )
        else:
            existing.answer = answer
            existing.answered_at = now
        await self._s.flush()
        answers = select(CheckinAnswer.answer).where(CheckinAnswer.group_id == group_id)
        return list((await self._s.execute(answers)).scalars())

    async def stats(self, program_id: int) -> dict[str, int]:
        rounds = (
            await self._s.execute(
                select(func.count(Round.id)).where(Round.program_id == program_id)
            )
        ).scalar_one()
        group_q = (
            select(Group.id)
            .join(Round, Round.id == Group.round_id)
            .where(Round.program_id == program_id)
        )
        groups = (
            await self._s.execute(select(func.count()).select_from(group_q.subquery()))
        ).scalar_one()
        met_q = group_q.where(Group.outcome == GroupOutcome.MET)
        met = (
            await self._s.execute(select(func.count()).select_from(met_q.subquery()))
        ).scalar_one()
        answered = (
            await self._s.execute(
                select(func.count(func.distinct(CheckinAnswer.group_id))).where(
                    CheckinAnswer.group_id.in_(group_q)
                )
            )
        ).scalar_one()
        return {"rounds": rounds, "groups": groups, "met": met, "answered": answered}
