"""What every repository shares: its session, and insert-unless-a-racer-got-there-first."""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


def upsert(dialect: str, model: Any) -> Any:
    """An INSERT for `model` (a mapped class or a table) that can take `ON CONFLICT DO
    NOTHING` and `RETURNING` (one round trip where a SELECT, a SAVEPOINT, the INSERT and its
    RELEASE took four)."""
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(model)


@functools.cache
def insert_new(dialect: str, table: Any) -> Any:
    """`INSERT … ON CONFLICT DO NOTHING RETURNING id` for `table`, built once per dialect: the
    new row's id, or no row when it existed already."""
    return upsert(dialect, table).on_conflict_do_nothing().returning(table.c.id)


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    @property
    def _dialect(self) -> str:
        return self._s.get_bind().dialect.name

    def _upsert(self, model: Any) -> Any:
        return upsert(self._dialect, model)

    async def _add_flushed(self, obj: T) -> T:
        """Insert `obj` now (its id is known from here on), inside the transaction."""
        self._s.add(obj)
        await self._s.flush()
        return obj

    async def _insert_or_get(self, obj: T, stmt: Select[Any]) -> T:
        """Insert `obj`; when a concurrent transaction inserted the same row first (a unique
        constraint fails), return that row instead. Never an error."""
        try:
            async with self._s.begin_nested():
                self._s.add(obj)
        except IntegrityError:
            found: T = (await self._s.execute(stmt)).unique().scalar_one()
            return found
        return obj
