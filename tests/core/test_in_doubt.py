"""Claims belong to live workers; rows of a dead one are taken over at once and resolved in doubt.

Runs on SQLite and PostgreSQL (`any_world`). "Another process" is another `Database` (its own
engine, pool and worker); a dead worker is one whose claim nobody holds any more.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from bot.outbox import Outgoing, enqueue
from bot.ports import CannotLook, ChannelTarget
from storage.engine import Database
from storage.models import Delivery
from storage.repositories import DeliveryRepository
from storage.worker import worker_number
from tests.conftest import World, pg_database

DEAD = "7@gone-host:1"  # a worker id no live process holds


async def _note(world: World, key: str = "note:1") -> int:
    """A message to #coffee waiting in the outbox; returns its row id."""
    await world.app.bot_added(world.workspace, "coffee", "maya")
    now = world.clock.now()
    async with world.app.core.uow() as repo:
        ws = await world.app.core.workspace(repo, world.workspace)
        item = Outgoing(key, "note", ChannelTarget("coffee"), _message(key), now)
        assert await enqueue(repo, ws.id, item, now)
    return (await _row(world, key)).id


def _message(text: str):  # type: ignore[no-untyped-def]
    from bot.messages import text_message

    return text_message(text)


async def _row(world: World, key: str) -> Delivery:
    async with world.db.session() as s:
        return (await s.execute(select(Delivery).where(Delivery.key == key))).scalar_one()


async def _claim_as(world: World, delivery_id: int, worker: str | None) -> None:
    """Leave the row `sending` under `worker`'s claim, as a process that died mid-send would."""
    now = world.clock.now()
    async with world.app.core.uow() as repo:
        assert await repo.deliveries.claim(delivery_id, now, now + timedelta(minutes=15), worker)


def _posts(world: World, key: str) -> list[object]:
    return [p for p in world.platform.sent if p.key == key]


async def _other_process(world: World) -> Database:
    if world.db.dialect == "sqlite":
        return Database.from_url(str(world.db.engine.url))
    async with world.db.engine.connect() as conn:
        schema = (await conn.exec_driver_sql("SHOW search_path")).scalar_one()
    return pg_database(world.db.engine.url.render_as_string(hide_password=False), schema)


async def test_a_dead_workers_claim_is_taken_over_at_once(any_world: World) -> None:
    world = any_world
    delivery_id = await _note(world)
    await _claim_as(world, delivery_id, DEAD)
    sent = await world.app.outbox.flush()  # no lease wait: the clock has not moved
    assert sent == 1 and len(_posts(world, "note:1")) == 1
    row = await _row(world, "note:1")
    assert (row.status, row.attempts) == ("sent", 2)
    assert row.in_doubt_since is not None and not row.duplicate_risk
    assert row.claimed_by == world.db.worker.id and worker_number(row.claimed_by)


async def test_an_in_doubt_row_that_had_arrived_is_not_sent_again(any_world: World) -> None:
    world = any_world
    delivery_id = await _note(world)
    await _claim_as(world, delivery_id, DEAD)
    # the dead worker had posted it, and died before recording it
    ref = await world.platform.send(
        world.workspace, ChannelTarget("coffee"), _message("x"), key="note:1"
    )
    await world.app.outbox.flush()
    assert len(_posts(world, "note:1")) == 1
    row = await _row(world, "note:1")
    assert (row.status, row.platform_ref) == ("sent", ref.encode())


async def test_cannot_look_sends_again_and_flags_a_possible_duplicate(
    any_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = any_world
    delivery_id = await _note(world)
    await _claim_as(world, delivery_id, DEAD)

    async def blind(*_args: object) -> None:
        raise CannotLook("no history scope")

    monkeypatch.setattr(world.platform, "find_sent", blind)
    await world.app.outbox.flush()
    row = await _row(world, "note:1")
    assert row.status == "sent" and row.duplicate_risk
    async with world.app.core.uow() as repo:
        assert await repo.deliveries.duplicate_risk_count() == 1


async def test_a_live_workers_claim_is_left_alone(any_db: Database) -> None:
    """Another process's claim holds while its lock does (PostgreSQL: an advisory lock;
    SQLite: a lock file), and not a moment longer."""
    world = World(any_db)
    delivery_id = await _note(world)
    other = await _other_process(world)
    try:
        await _claim_as(world, delivery_id, await other.worker.ensure())
        await world.app.outbox.flush()
        assert not _posts(world, "note:1")
    finally:
        await other.dispose()  # the other process ends: its lock goes with it
    await world.app.outbox.flush()
    assert len(_posts(world, "note:1")) == 1
    assert (await _row(world, "note:1")).status == "sent"


async def test_a_restarted_process_takes_over_its_previous_runs_claims(any_db: Database) -> None:
    world = World(any_db)
    delivery_id = await _note(world)
    other = await _other_process(world)
    await _claim_as(world, delivery_id, await other.worker.ensure())
    await other.dispose()  # that run ends (on a crash the OS drops its locks the same way)
    assert await world.app.outbox.flush() == 1
    assert len(_posts(world, "note:1")) == 1


async def test_a_claim_from_before_workers_had_ids(any_world: World) -> None:
    """Rows claimed by the previous version (no worker id): SQLite takes them over at start;
    PostgreSQL (replicas may still run the old version) waits for the lease."""
    world = any_world
    delivery_id = await _note(world)
    await _claim_as(world, delivery_id, None)
    await world.app.outbox.flush()
    assert len(_posts(world, "note:1")) == (1 if world.db.dialect == "sqlite" else 0)
    world.clock.advance(timedelta(minutes=16))
    await world.app.outbox.flush()
    assert len(_posts(world, "note:1")) == 1


async def test_recording_sent_survives_a_lost_connection(
    any_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = any_world
    await _note(world)
    real = DeliveryRepository.record_sent  # recording a post: its fenced UPDATE
    failures = [2]

    async def flaky(repo, *args, **kwargs):  # type: ignore[no-untyped-def]
        if failures[0]:
            failures[0] -= 1
            raise DBAPIError(
                "UPDATE deliveries", {}, ConnectionError("terminated"), connection_invalidated=True
            )
        return await real(repo, *args, **kwargs)

    monkeypatch.setattr(DeliveryRepository, "record_sent", flaky)
    assert await world.app.outbox.flush() == 1
    row = await _row(world, "note:1")
    assert row.status == "sent" and not failures[0]
    assert len(_posts(world, "note:1")) == 1


async def test_one_rows_failure_does_not_stop_the_batch(
    any_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recording fails for good for one row: the others still go; the row stays claimed by
    this worker, and the next flush finds it had arrived (no second post)."""
    world = any_world
    first = await _note(world, "note:1")
    now = world.clock.now()
    async with world.app.core.uow() as repo:
        ws = await world.app.core.workspace(repo, world.workspace)
        for n in (2, 3):
            item = Outgoing(f"note:{n}", "note", ChannelTarget("coffee"), _message("n"), now)
            await enqueue(repo, ws.id, item, now)
    real = DeliveryRepository.record_sent  # recording a post: its fenced UPDATE

    async def broken(repo, delivery_id, *args, **kwargs):  # type: ignore[no-untyped-def]
        if delivery_id == first:
            raise RuntimeError("the disk is full")
        return await real(repo, delivery_id, *args, **kwargs)

    monkeypatch.setattr(DeliveryRepository, "record_sent", broken)
    assert await world.app.outbox.flush() == 2
    assert [(await _row(world, f"note:{n}")).status for n in (1, 2, 3)] == [
        "sending",
        "sent",
        "sent",
    ]
    monkeypatch.setattr(DeliveryRepository, "record_sent", real)
    await world.app.outbox.flush()
    row = await _row(world, "note:1")
    assert row.status == "sent" and row.in_doubt_since is not None
    assert len(_posts(world, "note:1")) == 1
