"""Issue 10: what `/coffee status` and `/coffee join` cost the database, pinned as upper bounds
on statements and transactions (counted with SQLAlchemy's `before_cursor_execute` and `begin`
events), on SQLite and PostgreSQL. The actor is built as the Slack adapter builds it: vouched
by a signed request, no display name (so a newcomer's profile is asked after the reply)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, func, select

from bot.core import Actor
from storage.models import ConversationState, Delivery, Member, Membership, MembershipPeriod
from tests.conftest import World

CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


@dataclass
class Seen:
    statements: Counter[str] = field(default_factory=Counter)
    transactions: int = 0
    sql: list[str] = field(default_factory=list)

    @property
    def queries(self) -> int:
        """Statements other than transaction control."""
        return sum(n for head, n in self.statements.items() if head not in CONTROL)

    @property
    def savepoints(self) -> int:
        return self.statements["SAVEPOINT"]


@contextmanager
def counting(world: World) -> Iterator[Seen]:
    seen = Seen()
    engine = world.db.engine.sync_engine

    def on_statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        seen.statements[sql.split(None, 1)[0].upper()] += 1
        seen.sql.append(sql[:120])

    def on_begin(_conn: Any) -> None:
        seen.transactions += 1

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "begin", on_begin)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "begin", on_begin)


def slack_like(world: World, user: str) -> Actor:
    return Actor(world.workspace, user, "coffee", vouched=True)


async def test_status_reads_in_one_statement(any_world: World) -> None:
    world = any_world
    await world.program(["ana", "li", "sam"])
    await world.app.coffee(slack_like(world, "li"), "status")  # the workspace id is cached
    with counting(world) as seen:
        reply = await world.app.coffee(slack_like(world, "ana"), "status")
        await world.settle()
    assert reply.ok and "coffee" in reply.text
    assert seen.transactions == 1, seen.sql
    # The member with their profile and programs, their current group and colleagues met.
    assert seen.queries == 1, seen.sql
    assert seen.statements.keys() <= {"BEGIN", "SELECT"}, seen.sql  # reads only: no write lock


async def test_join_of_a_newcomer_is_one_transaction_then_three(any_world: World) -> None:
    world = any_world
    await world.program(["ana", "li"])
    # The delivery worker's liveness ping (PostgreSQL) is periodic, not per command.
    world.db.worker.ping_every = 3600
    with counting(world) as reply_seen:
        reply = await world.app.coffee(slack_like(world, "tom"), "join")
    with counting(world) as after_seen:
        await world.settle()
    assert reply.ok, reply.text
    # The reply: the member, their profile, the membership and its period, the interview's
    # state and its delivery row, in one transaction, without savepoints.
    assert reply_seen.transactions == 1, reply_seen.sql
    assert reply_seen.queries <= 9, reply_seen.sql
    assert reply_seen.savepoints == 0, reply_seen.sql
    # After the reply: the interview DM's claim and its result, and the profile's refresh;
    # each its own transaction (no platform call inside one).
    assert after_seen.transactions <= 3, after_seen.sql
    assert after_seen.queries <= 4, after_seen.sql

    dms = [p for p in world.sent("dm") if p.target.user_id == "tom"]
    assert len(dms) == 1 and dms[0].key and dms[0].key.startswith("interview:")
    async with world.db.session() as s:
        tom = (await s.execute(select(Member).where(Member.external_id == "tom"))).unique()
        member = tom.scalar_one()
        assert member.display_name == world.data.users["tom"].name  # refreshed after the reply
        assert member.profile is not None and member.profile.onboarded_at is None
        assert member.profile.timezone == world.data.users["tom"].timezone
        for model in (Membership, MembershipPeriod, ConversationState):
            count = select(func.count()).select_from(model).where(model.member_id == member.id)
            assert (await s.execute(count)).scalar_one() == 1
        row = (await s.execute(select(Delivery).where(Delivery.key == dms[0].key))).scalar_one()
        assert (row.status, row.attempts, row.claimed_by) == ("sent", 1, world.db.worker.id)
        assert row.platform_ref is not None and row.sent_at is not None


async def test_joining_again_changes_nothing_and_sends_nothing(any_world: World) -> None:
    world = any_world
    await world.program(["ana"])
    assert (await world.app.coffee(slack_like(world, "tom"), "join")).ok
    await world.settle()
    before = await world.snapshot()
    sent = len(world.sent())
    with counting(world) as seen:
        reply = await world.app.coffee(slack_like(world, "tom"), "join")
        await world.settle()
    assert reply.ok, reply.text
    assert len(world.sent()) == sent
    assert seen.transactions == 1 and seen.queries <= 6, seen.sql
    after = await world.snapshot()
    assert after == before
