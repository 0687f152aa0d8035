"""Pure reads run in read-only transactions: on SQLite they don't wait for the write lock."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from bot.core import Actor
from tests.conftest import World


@contextmanager
def write_lock_held(world: World) -> Iterator[None]:
    """Another connection (another process, as far as SQLite knows) holds the write lock."""
    path = world.db.engine.url.database
    assert path
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE programs SET name = name")
        taken.set()
        release.wait()
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait()
    try:
        yield
    finally:
        release.set()
        thread.join()


async def test_reads_proceed_while_another_connection_holds_the_write_lock(world: World) -> None:
    await world.program(["maya", "li", "sam", "ana"])
    await world.coffee("maya", "match-now")
    await world.settle()
    with write_lock_held(world):
        # Each would wait for the lock (busy_timeout, then "database is locked") if it took it.
        status = await world.coffee("li", "status")
        history = await world.coffee("li", "history")
        stats = await world.coffee("li", "stats")
        preview = await world.coffee("maya", "preview")
        member = await world.app.is_member(world.actor("li"))
        form = await world.app.profile(world.actor("li"))
    assert all(r.ok and r.message for r in (status, history, stats, preview))
    assert "coffee" in status.message.plain()  # type: ignore[union-attr]
    assert member is True
    assert set(form) == {"interests", "offers", "wants", "team", "location", "hours"}


async def test_a_new_person_reading_is_written_first_then_the_read_is_the_same(
    world: World,
) -> None:
    await world.program(["maya", "li"])
    newcomer = world.people()[-1]
    reply = await world.coffee(newcomer, "status")  # first sight: the member row is written
    again = await world.coffee(newcomer, "status")
    assert reply.message.plain() == again.message.plain()
    renamed = Actor(world.workspace, "li", "coffee", display_name="Li Renamed")
    await world.app.coffee(renamed, "status")
    async with world.app.core.reading() as uow:
        member = await world.app.core.find_member(uow, world.workspace, "li")
        assert member is not None and member.display_name == "Li Renamed"
