"""SQLite through aiosqlite, one thread round trip per statement.

aiosqlite runs every sqlite3 call on a thread of its own; SQLAlchemy's adapter makes four
round trips to it per statement (open a cursor, execute, fetch the rows, close the cursor),
and one more at every pool check-in (a ROLLBACK, even when the transaction has ended). Each
round trip is a queue put, a thread wake-up and the event loop's self-pipe: most of a short
statement's CPU. This adapter does the four in one trip (the rows are fetched whole, as
SQLAlchemy's adapter does anyway) and skips the ROLLBACK when sqlite3 says no transaction is
open (it reports `in_transaction` after every statement, commit and rollback). A transaction's
BEGIN goes to the thread with its first statement (`begin_with_next`, from
`storage.engine`'s begin listener), not in a trip of its own.

Used by `storage.engine.create_engine` for every SQLite engine (`module=`); the URL stays
`sqlite+aiosqlite://`. Server-side cursors keep SQLAlchemy's own adapter.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_


def _run(
    conn: sqlite3.Connection, sql: str, parameters: Any, many: bool, begin: str | None = None
) -> tuple[Any, int, int | None, list[Any], bool]:
    """On aiosqlite's thread: the whole statement (after `begin`, the transaction's BEGIN
    when this is its first statement), and whether a transaction is open after."""
    cursor = conn.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, cursor.rowcount, cursor.lastrowid, rows, conn.in_transaction
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: OneTripConnection) -> None:  # no trip to open it
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        return None  # nothing is open on the thread

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._trip(operation, parameters, False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            return await_(self._trip(operation, seq_of_parameters, True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _trip(self, sql: str, parameters: Any, many: bool) -> None:
        adapted = self._adapt_connection
        async with adapted._execute_mutex:
            conn = self._connection
            begin, adapted._begin = adapted._begin, None  # type: ignore[attr-defined]
            try:
                done = await conn._execute(_run, conn._conn, sql, parameters, many, begin)
            except BaseException:
                adapted._in_transaction = True  # type: ignore[attr-defined]  # not known: roll back
                raise
        self._description, self._rowcount, self._lastrowid, rows, open_ = done
        self._rows = collections.deque(rows)
        adapted._in_transaction = open_  # type: ignore[attr-defined]


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_begin", "_in_transaction")

    _cursor_cls = OneTripCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._in_transaction = True  # not known yet
        self._begin: str | None = None

    def begin_with_next(self, statement: str) -> None:
        """Run `statement` (BEGIN, BEGIN IMMEDIATE) on the thread just before the next one, in
        its round trip: the transaction starts (and takes its lock) before that statement
        reads anything, as if it had been sent alone; its errors (busy) are that statement's."""
        self._begin = statement

    def rollback(self) -> None:
        self._begin = None  # a transaction that never ran a statement never began
        if self._in_transaction:
            super().rollback()
            self._in_transaction = False

    def commit(self) -> None:
        if self._begin is not None and not self._in_transaction:
            self._begin = None  # nothing ran: nothing to commit
            return
        super().commit()
        self._in_transaction = False


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    """The DBAPI module to hand SQLAlchemy's aiosqlite dialect (`create_async_engine(module=)`)."""
    return OneTripDBAPI(aiosqlite, sqlite3)
