"""Who holds a delivery claim, and whether they are still alive.

Every process that sends deliveries is a `Worker` with an id that its claims record
(`deliveries.claimed_by`). On PostgreSQL the worker holds a session advisory lock
(`NAMESPACE`, its number) on a connection of its own: the database releases it the moment the
process dies or that connection is cut, so any other worker sees at once that the claim's
owner is gone (`pg_locks`) and takes the row over as *in doubt*, without waiting for the lease.
On SQLite the worker holds an exclusive `flock` on a file of its own beside the database
(`<database>-workers/<number>.lock`), which the OS drops with the process: a claim whose
file is no longer locked is dead. (Without `fcntl`, or for an in-memory database, SQLite is
taken to serve one process: any other worker's claim is a previous run's.)
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

logger = logging.getLogger(__name__)

NAMESPACE = 0x57524B52  # "WRKR": pg_advisory_lock(NAMESPACE, worker number)
# How often (seconds) `ensure` asks the lock's connection whether it is still there; between
# two asks a connection the driver knows is closed is noticed at once, without a round trip.
PING_EVERY = 1.0
_LIVE = text(
    "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = :ns "
    "AND objsubid = 2 AND granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def worker_number(worker_id: str | None) -> int | None:
    """The lock number in a worker id (`<number>@<host>:<pid>`), or None."""
    head = (worker_id or "").partition("@")[0]
    return int(head) if head.isdigit() else None


class Worker:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.id = ""
        # Deliveries this process is sending right now (claimed, result not recorded yet).
        self.in_flight: set[int] = set()
        self._conn: AsyncConnection | None = None
        self._lock = asyncio.Lock()  # one user of the lock's connection at a time
        self._dir = _lock_dir(engine)
        self._file: IO[bytes] | None = None
        self.ping_every = PING_EVERY
        self._pinged = 0.0  # time.monotonic() of the last answer on the lock's connection

    def _new_id(self, number: int) -> str:
        host = socket.gethostname()[:32]
        return f"{number}@{host}:{os.getpid()}"

    async def ensure(self) -> str:
        """This worker's id; on PostgreSQL, (re)take its lock first if it was lost.

        A lost lock means other workers may already treat our claims as dead: we go on under
        a new id, and rows we are sending under the old one stay ours (`in_flight`).
        """
        if not self.postgres:
            if not self.id:
                number = self._lock_file() if self._dir else random.randrange(1, 2**31)
                self.id = self._new_id(number)
            return self.id
        async with self._lock:
            return await self._ensure_locked()

    async def _ensure_locked(self) -> str:
        if self._conn is not None:
            # A claim made in the (short) window where the lock is gone but unnoticed is safe
            # anyway: another worker takes it over *in doubt* and results are fenced.
            fresh = time.monotonic() - self._pinged < self.ping_every
            if fresh and not await _closed(self._conn):
                return self.id
            try:
                await self._conn.execute(text("SELECT 1"))
                await self._conn.commit()
                self._pinged = time.monotonic()
                return self.id
            except Exception as exc:
                logger.warning("worker %s lost its database session (%s)", self.id, exc)
                await self._drop()
        conn = await self.engine.connect()
        try:
            while True:
                number = random.randrange(1, 2**31)
                held = await conn.execute(
                    text("SELECT pg_try_advisory_lock(:ns, :n)"), {"ns": NAMESPACE, "n": number}
                )
                await conn.commit()
                if held.scalar_one():
                    break
        except BaseException:
            await conn.invalidate()
            await conn.close()
            raise
        self._conn = conn
        self._pinged = time.monotonic()
        self.id = self._new_id(number)
        logger.info("delivery worker %s", self.id)
        return self.id

    async def alive(self, worker_ids: Iterable[str | None]) -> set[str]:
        """Which of `worker_ids` belong to a live worker (this one included)."""
        ids = {w for w in worker_ids if w}
        if not self.postgres:
            return {w for w in ids if w == self.id or self._file_locked(w)}
        async with self.engine.connect() as conn:
            live = set((await conn.execute(_LIVE, {"ns": NAMESPACE})).scalars())
        return {w for w in ids if worker_number(w) in live}

    async def release(self) -> None:
        """Give the lock up by dropping its connection (never back to the pool holding it)."""
        async with self._lock:
            await self._drop()
        self._unlock_file()

    # --- SQLite: a lock file per worker ---------------------------------------------------

    def _unlock_file(self) -> None:
        file, self._file = self._file, None
        if file is None:
            return
        Path(file.name).unlink(missing_ok=True)
        file.close()  # closing drops the flock
        self.id = ""

    def _lock_file(self) -> int:
        assert self._dir is not None and fcntl is not None
        self._dir.mkdir(parents=True, exist_ok=True)
        for stale in self._dir.glob("*.lock"):  # files of runs that ended without tidying up
            self._file_locked(stale.stem + "@")
        while True:
            number = random.randrange(1, 2**31)
            file = (self._dir / f"{number}.lock").open("ab")
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                file.close()
                continue
            self._file = file
            return number

    def _file_locked(self, worker_id: str) -> bool:
        """Whether the worker's lock file is held (by a live process)."""
        number = worker_number(worker_id)
        if self._dir is None or fcntl is None or number is None:
            return False
        path = self._dir / f"{number}.lock"
        if not path.exists():
            return False
        with path.open("ab") as file:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            path.unlink(missing_ok=True)  # its worker is gone: tidy up
            return False

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await conn.invalidate()
            await conn.close()
        except Exception:
            logger.debug("closing the worker's connection failed", exc_info=True)


async def _closed(conn: AsyncConnection) -> bool:
    """Whether the driver knows the connection is gone (no round trip: asyncpg notices a
    terminated backend when its socket closes)."""
    if conn.closed or conn.invalidated:
        return True
    raw = (await conn.get_raw_connection()).driver_connection
    is_closed = getattr(raw, "is_closed", None)
    return bool(is_closed()) if callable(is_closed) else False


def _lock_dir(engine: AsyncEngine) -> Path | None:
    """Where SQLite workers keep their lock files (None: one process is assumed)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or fcntl is None or not database or database == ":memory:":
        return None
    path = Path(database).expanduser().resolve()
    return path.with_name(path.name + "-workers")
