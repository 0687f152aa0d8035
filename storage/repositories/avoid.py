"""Pairs never grouped: a member's private `/coffee avoid`, and admins' `keep-apart` pairs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, delete, or_, select

from storage.models import AvoidPair
from storage.repositories.base import Repository


class AvoidRepository(Repository):
    async def add(
        self, workspace_id: int, member_id: int, other_id: int, by_admin: bool, now: datetime
    ) -> bool:
        """Store the pair (an admin pair in id order); False when it was there already."""
        if by_admin:
            member_id, other_id = sorted((member_id, other_id))
        found = self._pair(member_id, other_id, by_admin)
        if (await self._s.execute(found)).scalar_one_or_none() is not None:
            return False
        row = AvoidPair(
            workspace_id=workspace_id,
            member_id=member_id,
            other_id=other_id,
            by_admin=by_admin,
            created_at=now,
        )
        await self._insert_or_get(row, found)
        return True

    async def remove(self, member_id: int, other_id: int, by_admin: bool) -> bool:
        """Drop the pair; False when there was none."""
        if by_admin:
            member_id, other_id = sorted((member_id, other_id))
        result = await self._s.execute(
            delete(AvoidPair).where(
                AvoidPair.member_id == member_id,
                AvoidPair.other_id == other_id,
                AvoidPair.by_admin == by_admin,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def avoided_by(self, member_id: int) -> list[int]:
        """Whom a member asked not to meet (their own list, never admins' pairs)."""
        stmt = select(AvoidPair.other_id).where(
            AvoidPair.member_id == member_id, AvoidPair.by_admin.is_(False)
        )
        return list((await self._s.execute(stmt.order_by(AvoidPair.id))).scalars())

    async def pairs(self, workspace_id: int, admin_only: bool = False) -> list[tuple[int, int]]:
        """Every pair of the workspace (`admin_only`: admins' pairs only)."""
        stmt = select(AvoidPair.member_id, AvoidPair.other_id).where(
            AvoidPair.workspace_id == workspace_id
        )
        if admin_only:
            stmt = stmt.where(AvoidPair.by_admin.is_(True))
        rows = await self._s.execute(stmt.order_by(AvoidPair.id))
        return [(a, b) for a, b in rows]

    async def forget(self, member_id: int) -> None:
        """Every pair by or about a member (forget-me)."""
        await self._s.execute(
            delete(AvoidPair).where(
                or_(AvoidPair.member_id == member_id, AvoidPair.other_id == member_id)
            )
        )

    @staticmethod
    def _pair(member_id: int, other_id: int, by_admin: bool) -> Select[tuple[AvoidPair]]:
        return select(AvoidPair).where(
            AvoidPair.member_id == member_id,
            AvoidPair.other_id == other_id,
            AvoidPair.by_admin == by_admin,
        )
