"""A 429 storm during a round of 1,000 members: every intro delivered exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from storage.engine import Database
from storage.models import (
    Delivery,
    Member,
    Membership,
    MembershipPeriod,
    Profile,
    Program,
    Workspace,
)
from tests.conftest import START
from tests.slack.conftest import SlackWorld
from tests.slack.fake_slack import BOT_USER, TEAM


async def enrol(sw: SlackWorld, channel: str, people: list[str]) -> None:
    """Set the scene in bulk (the round, not the enrolment, is under test)."""
    await seed_program(sw.warm.core.db, channel, people, START + timedelta(hours=1))


async def seed_program(db: Database, channel: str, people: list[str], due: datetime) -> None:
    """A Slack program in `channel` whose onboarded members are `people`, due at `due`."""
    async with db.session() as s:
        ws = Workspace(platform="slack", external_id=TEAM, created_at=START)
        s.add(ws)
        await s.flush()
        program = Program(
            workspace_id=ws.id,
            channel_id=channel,
            cadence="weekly",
            weekday=0,
            local_time="10:00",
            timezone="UTC",
            group_size=2,
            active=True,
            added_by=people[0],
            last_round_number=0,
            created_at=START,
            next_round_at=due,
        )
        s.add(program)
        await s.flush()
        rows = [
            {
                "workspace_id": ws.id,
                "external_id": u,
                "display_name": f"Person {u}",
                "is_bot": False,
                "deactivated": False,
                "created_at": START,
            }
            for u in people
        ]
        await s.execute(insert(Member), rows)
        ids = (await s.execute(select(Member.id).order_by(Member.id))).scalars().all()
        await s.execute(
            insert(Profile),
            [
                {
                    "member_id": i,
                    "interests": [f"topic{i % 37}", f"topic{i % 11}"],
                    "offers": [f"skill{i % 13}"],
                    "wants": [f"skill{(i * 7) % 13}"],
                    "team": f"team{i % 9}",
                    "utc_offset_hours": float(i % 5),
                    "onboarded_at": START,
                    "updated_at": START,
                }
                for i in ids
            ],
        )
        for model in (Membership, MembershipPeriod):
            await s.execute(
                insert(model),
                [{"program_id": program.id, "member_id": i, "joined_at": START} for i in ids],
            )
        await s.commit()


async def test_429_storm_during_a_round_of_1000(sw: SlackWorld) -> None:
    people = [f"U2{i:04d}" for i in range(1000)]
    for user in people:
        sw.fake.add_user(user, f"Person {user}")
    sw.fake.channels["C0003"] = [*people, BOT_USER]
    sw.fake.page_size = 200
    await enrol(sw, "C0003", people)
    sw.fake.storm("chat.postMessage", every=5, count=60)
    sw.fake.storm("conversations.open", every=9, count=30)
    sw.fake.storm("conversations.members", every=2, count=2)
    sw.clock.advance(timedelta(hours=2))
    result = await sw.warm.tick()
    assert result["rounds"] == 1
    intros = [p for p in sw.fake.posts if p["channel"].startswith("G")]
    assert len(intros) == 500
    assert len({p["channel"] for p in intros}) == 500  # one intro per group, none twice
    rate_limited = Counter(c.method for c in sw.fake.calls)["chat.postMessage"] - len(sw.fake.posts)
    assert rate_limited == 60  # every storm 429 was answered by waiting and retrying
    placed = Counter(
        u
        for c in sw.fake.called("conversations.open")
        if "," in c.args["users"]
        for u in c.args["users"].split(",")
    )
    assert set(placed) == set(people)
    async with sw.warm.core.db.session() as s:
        statuses = Counter(
            (await s.execute(select(Delivery.status).where(Delivery.kind == "intro"))).scalars()
        )
    assert statuses == {"sent": 500}
    # a second tick (or a restarted process) sends nothing again
    await sw.warm.tick()
    assert len([p for p in sw.fake.posts if p["channel"].startswith("G")]) == 500
