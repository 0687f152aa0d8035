"""Engine and session setup for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.sqlite_driver import one_trip_dbapi

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from storage.worker import Worker

# PostgreSQL session settings accepted in DATABASE_URL's query (asyncpg takes them apart).
SERVER_SETTINGS = ("search_path", "application_name")
APPLICATION_NAME = "warmintro"
# SQLSTATE classes that mean "try again": serialization failure, deadlock, connection
# exceptions, admin shutdown (pg_terminate_backend), the server going away.
TRANSIENT_SQLSTATES = ("40001", "40P01", "08", "57P")


def normalize_url(url: str) -> str:
    """Accept the common spellings and pick the async drivers (aiosqlite, asyncpg)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, open transactions (so SAVEPOINTs work), and take the
    # write lock up front: concurrent writers then queue on busy_timeout instead of failing.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


READ_ONLY = "warmintro_read_only"  # an execution option: this transaction only reads


def _begin_sqlite(connection: Any, statement: str) -> None:
    """Begin: with the next statement's round trip when the driver can (storage.sqlite_driver),
    else now."""
    driver = connection.connection.dbapi_connection
    if hasattr(driver, "begin_with_next"):
        driver.begin_with_next(statement)
    else:
        connection.exec_driver_sql(statement)


def _on_sqlite_begin(connection: Any) -> None:
    if connection.get_execution_options().get(READ_ONLY):
        _begin_sqlite(connection, "BEGIN")  # deferred: a reader never takes the write lock
    else:
        _begin_sqlite(connection, "BEGIN IMMEDIATE")


def _on_begin(connection: Any) -> None:
    _begin_sqlite(connection, "BEGIN")


def create_engine(url: str, immediate: bool = True, **kwargs: Any) -> AsyncEngine:
    """An async engine. On SQLite, `immediate` transactions take the write lock when they begin.

    The app's own engine does (racing writers then queue instead of failing); an engine that
    only reads while the app may hold the lock (slack_sdk's token stores) must not.
    """
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("module", one_trip_dbapi())  # one thread round trip per statement
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin if immediate else _on_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    parsed, kwargs = _server_settings(parsed, kwargs)
    return create_async_engine(parsed, **kwargs)


def _server_settings(url: URL, kwargs: dict[str, Any]) -> tuple[URL, dict[str, Any]]:
    """Move `?search_path=…&application_name=…` into asyncpg's `server_settings`.

    The backends are named `warmintro` unless the URL says otherwise, so an operator can
    tell them apart in `pg_stat_activity`.
    """
    connect_args = dict(kwargs.get("connect_args") or {})
    settings = {"application_name": APPLICATION_NAME, **(connect_args.get("server_settings") or {})}
    for name in SERVER_SETTINGS:
        value = url.query.get(name)
        if isinstance(value, str):
            settings[name] = value
    connect_args["server_settings"] = settings
    return url.difference_update_query(SERVER_SETTINGS), {**kwargs, "connect_args": connect_args}


def is_transient(exc: BaseException) -> bool:
    """A database error that a fresh attempt may not meet (lost connection, serialization
    failure, deadlock, SQLite busy)."""
    if not isinstance(exc, DBAPIError):
        return isinstance(exc, ConnectionError | TimeoutError)
    if exc.connection_invalidated:
        return True
    cause: BaseException | None = exc.orig
    while cause is not None:
        code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if isinstance(code, str) and code.startswith(TRANSIENT_SQLSTATES):
            return True
        text = str(cause).lower()
        if "database is locked" in text or "connection is closed" in text:
            return True
        if type(cause).__name__ in {"ConnectionDoesNotExistError", "InterfaceError"}:
            return True
        cause = cause.__cause__
    return False


class Database:
    """One engine and its session factory."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        # Read-only transactions: a deferred BEGIN on SQLite (no write lock), READ ONLY on
        # PostgreSQL. Same pool as the writers.
        options: dict[str, Any] = {READ_ONLY: True}
        if engine.dialect.name == "postgresql":
            options["postgresql_readonly"] = True
        self.readers = async_sessionmaker(
            engine.execution_options(**options), expire_on_commit=False, autoflush=False
        )
        self._worker: Worker | None = None

    @property
    def worker(self) -> Worker:
        """This process's delivery worker on this database (one per engine)."""
        if self._worker is None:
            from storage.worker import Worker

            self._worker = Worker(self.engine)
        return self._worker

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        return cls(create_engine(url, **kwargs))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    def side_engine(self) -> AsyncEngine:
        """Another engine on the same database for a library's own tables (see create_engine)."""
        if self.dialect != "sqlite":
            return self.engine
        return create_engine(self.engine.url.render_as_string(hide_password=False), immediate=False)

    async def upgrade(self) -> None:
        from storage.migrate import upgrade

        await upgrade(self.engine)

    async def dispose(self) -> None:
        if self._worker is not None:
            await self._worker.release()
        await self.engine.dispose()
