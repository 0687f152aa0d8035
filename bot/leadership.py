"""Exactly one active scheduler across replicas: a PostgreSQL session advisory lock.

Ticking from several processes is safe (rounds are claimed by compare-and-set, deliveries by
conditional updates), but only one should do the work: the others stand by and take over
when the leader's connection goes away. SQLite serves one process, which always leads.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.engine import Database

logger = logging.getLogger(__name__)

LOCK_KEY = 0x5741524D  # "WARM"
PLATFORM_KEYS = {"slack": 1, "discord": 2, "console": 3}


def lock_key(platform: str) -> int:
    """One lock per platform: Slack's and Discord's schedulers may live in different processes."""
    return LOCK_KEY + PLATFORM_KEYS.get(platform, 0)


class Leadership:
    def __init__(self, db: Database, key: int = LOCK_KEY) -> None:
        self.db = db
        self.key = key
        self._conn: AsyncConnection | None = None
        self.leading = db.dialect != "postgresql"

    async def is_leader(self) -> bool:
        """Hold (or try to take) the lock; True while this process leads."""
        if self.db.dialect != "postgresql":
            return True
        try:
            if self._conn is None:
                self._conn = await self.db.engine.connect()
                self.leading = False
            if not self.leading:
                result = await self._conn.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
                )
                self.leading = bool(result.scalar_one())
                await self._conn.commit()
                if self.leading:
                    logger.info("this process is now the active scheduler")
            else:
                await self._conn.execute(text("SELECT 1"))  # still connected, still holding it
                await self._conn.commit()
        except Exception as exc:
            logger.warning("scheduler leadership lost (%s); will try again", exc)
            await self.release()
        return self.leading

    async def release(self) -> None:
        """Give the lock up. The connection is discarded, not pooled: a pooled session would
        keep holding a lock it failed to unlock."""
        conn, self._conn = self._conn, None
        leading, self.leading = self.leading, False
        if conn is None:
            return
        try:
            if leading:
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except Exception:
            logger.debug("unlocking failed; dropping the connection releases it", exc_info=True)
        finally:
            await conn.invalidate()
            await conn.close()


def lead_then(leadership: Leadership, tick):  # type: ignore[no-untyped-def]
    """Wrap a tick so it only runs on the leader."""

    async def run() -> object:
        if await leadership.is_leader():
            return await tick()
        return None

    return run
