"""The unit of work: one transaction, and a repository per aggregate over it.

    async with core.uow() as uow:
        member = await uow.members.find(workspace.id, user_id)
        ...

Leaving the block commits; an exception rolls everything back. The core never sees the
session: every query lives in `storage.repositories`. `read_only(db)` is the same for pure
reads (status, history, stats, previews): on SQLite it doesn't take the write lock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from storage.engine import Database
from storage.repositories import (
    AvoidRepository,
    CareRepository,
    DeliveryRepository,
    InsightsRepository,
    MemberRepository,
    ProgramRepository,
    RoundRepository,
    SignInRepository,
    ThanksRepository,
    WorkspaceRepository,
)


class UnitOfWork:
    def __init__(self, session: AsyncSession, read_only: bool = False) -> None:
        self._session = session
        # A read-only unit sees only committed rows (what it finds is there for good).
        self.read_only = read_only
        self.workspaces = WorkspaceRepository(session)
        self.members = MemberRepository(session)
        self.programs = ProgramRepository(session)
        self.rounds = RoundRepository(session)
        self.deliveries = DeliveryRepository(session)
        self.thanks = ThanksRepository(session)
        self.avoid = AvoidRepository(session)
        self.care = CareRepository(session)
        self.signin = SignInRepository(session)
        self.insights = InsightsRepository(session)

    async def flush(self) -> None:
        """Write pending changes now (ids, constraints) without ending the transaction."""
        await self._session.flush()


@asynccontextmanager
async def unit_of_work(db: Database) -> AsyncIterator[UnitOfWork]:
    """A unit of work over one transaction: committed on success, rolled back on error."""
    async with db.session() as session:
        try:
            yield UnitOfWork(session)
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


@asynccontextmanager
async def read_only(db: Database) -> AsyncIterator[UnitOfWork]:
    """A unit of work that only reads: on SQLite it does not take the write lock, so it never
    queues behind writers (WAL lets it read the last committed state). It ends with a
    rollback: nothing done in it is kept; the rows it loaded stay readable (detached).

    The session is closed, not rolled back first: closing detaches what it loaded without
    expiring it and rolls the connection's transaction back as it goes back to the pool (one
    trip, without the session's own rollback bookkeeping)."""
    async with db.readers() as session:
        yield UnitOfWork(session, read_only=True)
