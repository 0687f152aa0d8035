"""Thank-you notes and who they thank."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select

from storage.models import ThanksNote, ThanksRecipient
from storage.repositories.base import Repository


class ThanksRepository(Repository):
    async def add(self, note: ThanksNote, recipient_ids: Sequence[int]) -> ThanksNote:
        await self._add_flushed(note)
        self._s.add_all(ThanksRecipient(note_id=note.id, member_id=m) for m in recipient_ids)
        return note

    async def get(self, note_id: int) -> ThanksNote | None:
        return await self._s.get(ThanksNote, note_id)

    async def count(self, program_id: int) -> int:
        stmt = select(func.count(ThanksNote.id)).where(ThanksNote.program_id == program_id)
        return int((await self._s.execute(stmt)).scalar_one())

    async def in_workspace(self, workspace_id: int) -> list[ThanksNote]:
        stmt = select(ThanksNote).where(ThanksNote.workspace_id == workspace_id)
        return list((await self._s.execute(stmt)).scalars())

    async def of_member(self, member_id: int) -> list[ThanksNote]:
        """The notes this member wrote or received (oldest first)."""
        received = select(ThanksRecipient.note_id).where(ThanksRecipient.member_id == member_id)
        stmt = (
            select(ThanksNote)
            .where((ThanksNote.from_member_id == member_id) | ThanksNote.id.in_(received))
            .order_by(ThanksNote.created_at, ThanksNote.id)
        )
        return list((await self._s.execute(stmt)).scalars())

    async def received_by(self, member_id: int) -> set[int]:
        """Ids of the notes that thank this member."""
        stmt = select(ThanksRecipient.note_id).where(ThanksRecipient.member_id == member_id)
        return set((await self._s.execute(stmt)).scalars())

    async def recipients_except(self, note_id: int, member_id: int) -> list[int]:
        stmt = select(ThanksRecipient.member_id).where(
            ThanksRecipient.note_id == note_id, ThanksRecipient.member_id != member_id
        )
        return list((await self._s.execute(stmt)).scalars())

    async def remove(self, note_id: int) -> None:
        await self._s.execute(delete(ThanksNote).where(ThanksNote.id == note_id))
