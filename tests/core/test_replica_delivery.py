"""Replicas don't add up the platform's rate limits: only the process that leads (the elected
scheduler) delivers; another replica answers its requests and leaves the rows, committed and
due, for the leader's next tick."""

from __future__ import annotations

from sqlalchemy import select

from bot.states import CHECKIN_KINDS
from storage.models import Delivery
from tests.conftest import World


async def test_a_replica_answers_and_the_leader_delivers_once(any_world: World) -> None:
    w = any_world
    await w.app.bot_added(w.workspace, "coffee", "maya")
    await w.settle()
    replica = w.fresh_app()
    replica.core.delivers = lambda: False  # another process holds the scheduler's lock
    reply = await replica.coffee(w.actor("li"), "join")
    await w.settle(replica)
    assert reply.ok and w.sent("dm") == []  # answered, nothing sent by the replica
    reply = await replica.coffee(w.actor("maya"), "join")
    assert (await replica.coffee(w.actor("maya"), "match-now")).ok
    await w.settle(replica)
    assert w.intros() == []
    assert await replica.tick() == {"rounds": 0, "sent": 0}  # (it would not tick anyway)
    ticked = await w.app.tick()  # the leader's next tick
    assert ticked["sent"] >= 3 and len(w.intros()) == 1
    assert sorted(d.target.user_id for d in w.sent("dm")) == ["li", "maya"]
    async with w.db.session() as s:
        rows = list((await s.execute(select(Delivery))).scalars())
    waiting = {r.kind for r in rows if r.status != "sent"}
    assert waiting <= set(CHECKIN_KINDS) and all(
        r.status == "pending" for r in rows if r.kind in waiting
    )
    assert len({r.key for r in rows}) == len(rows)
    assert (await w.app.tick())["sent"] == 0  # and nothing twice
