"""PostgreSQL backends of the app terminated mid-round (`pg_terminate_backend`): while Slack
takes intros, while a delivery is being claimed, and inside the transaction that records
"sent". Every member is placed once and every group gets exactly one intro."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bot.outbox import Outbox
from storage.engine import Database, create_engine
from storage.models import Delivery, GroupMember, Member
from storage.repositories import DeliveryRepository
from tests.conftest import START
from tests.slack.conftest import start_world
from tests.slack.fake_slack import BOT_USER, FakeSlack
from tests.slack.test_slack_crash import intro_posts
from tests.slack.test_slack_scale import seed_program

pytestmark = pytest.mark.postgres

MEMBERS = 200
TERMINATE = text(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE application_name = :name AND pid <> pg_backend_pid()"
)


@pytest.fixture
async def app_db(pg_schema: tuple[str, str]) -> AsyncIterator[tuple[Database, str]]:
    url, schema = pg_schema
    name = f"wi_{schema}"  # only this test's backends are terminated
    db = Database.from_url(
        url, connect_args={"server_settings": {"search_path": schema, "application_name": name}}
    )
    await db.upgrade()
    yield db, name
    await db.dispose()


async def test_backends_terminated_mid_round(
    app_db: tuple[Database, str],
    pg_schema: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    db, name = app_db
    admin = create_engine(pg_schema[0])
    kills: Counter[str] = Counter()

    async def terminate(where: str) -> None:
        async with admin.connect() as conn:
            kills[where] += (await conn.execute(TERMINATE, {"name": name})).scalar_one()
            await conn.commit()

    fake = FakeSlack()
    people = [f"U4{i:04d}" for i in range(MEMBERS)]
    for user in people:
        fake.add_user(user, f"Person {user}")
    fake.add_user(BOT_USER, "WarmIntro", is_bot=True)
    fake.channels["C0200"] = [*people, BOT_USER]
    fake.page_size = 200
    fake.grant_history()
    await fake.start()
    await seed_program(db, "C0200", people, START + timedelta(hours=1))
    sw, runner = await start_world(db, fake)

    async def on_post(post: dict[str, object]) -> None:
        if str(post["channel"]).startswith("G") and len(intro_posts(fake)) % 15 == 0:
            await terminate("while Slack takes an intro")

    fake.on_post = on_post
    real_fenced, real_claim = Outbox._fenced, DeliveryRepository.claim
    real_record_sent = DeliveryRepository.record_sent
    calls = Counter[str]()

    async def fenced(repo, delivery_id, claimed):  # type: ignore[no-untyped-def]
        row = await real_fenced(repo, delivery_id, claimed)
        calls["record"] += 1
        if calls["record"] % 7 == 0:
            await terminate("recording a result")  # before its commit
        return row

    async def record_sent(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        recorded = await real_record_sent(self, *args, **kwargs)
        calls["record"] += 1
        if calls["record"] % 7 == 0:
            await terminate("recording a result")  # before its commit
        return recorded

    async def claim(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        won = await real_claim(self, *args, **kwargs)
        calls["claim"] += 1
        if won and calls["claim"] % 11 == 0:
            await terminate("claiming")
        return won

    monkeypatch.setattr(Outbox, "_fenced", staticmethod(fenced))
    monkeypatch.setattr(DeliveryRepository, "claim", claim)
    monkeypatch.setattr(DeliveryRepository, "record_sent", record_sent)
    caplog.set_level(logging.WARNING, "bot.outbox")
    try:
        sw.clock.advance(timedelta(hours=2))
        await sw.warm.tick()
        for _ in range(20):  # the scheduler keeps ticking; failed claims are due again
            async with db.session() as s:
                statuses = Counter(
                    (
                        await s.execute(select(Delivery.status).where(Delivery.kind == "intro"))
                    ).scalars()
                )
            if set(statuses) == {"sent"}:
                break
            sw.clock.advance(timedelta(minutes=1))
            await sw.warm.tick()
        assert statuses == {"sent": MEMBERS // 2}
        assert set(kills) == {
            "while Slack takes an intro",
            "recording a result",
            "claiming",
        }, kills
        assert any("recording the result failed" in r.message for r in caplog.records)
        posted = intro_posts(fake)
        assert len(posted) == MEMBERS // 2 and set(posted.values()) == {1}
        async with db.session() as s:
            placed = Counter(
                (
                    await s.execute(
                        select(Member.external_id).join(
                            GroupMember, GroupMember.member_id == Member.id
                        )
                    )
                ).scalars()
            )
            flagged = (await s.execute(select(Delivery.id).where(Delivery.duplicate_risk))).all()
        assert set(placed) == set(people) and set(placed.values()) == {1}
        assert not flagged
        print(f"\nterminated backends: {dict(kills)}")
    finally:
        await sw.slack.close()
        await runner.cleanup()  # type: ignore[attr-defined]
        await fake.stop()
        await admin.dispose()
