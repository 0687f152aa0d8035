"""Platform-driven events: setup by an admin, people leaving, closed DMs, channel-defined pools."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.ports import DirectTarget
from storage.models import Membership, Program
from tests.conftest import World


async def test_setup_program_applies_settings_at_once(world: World) -> None:
    reply = await world.app.setup_program(
        world.actor("maya", "kudos"),
        {
            "cadence": "biweekly",
            "day": "wed",
            "time": "14:00",
            "timezone": "Europe/Paris",
            "purpose": "Meet the new office",
        },
    )
    await world.settle()  # the welcome is posted after the reply
    assert reply.ok and "biweekly" in reply.text and "Meet the new office" in reply.text
    welcome = world.sent("channel")[-1]
    assert (
        welcome.target.channel_id == "kudos" and "every other Wednesday" in welcome.message.plain()
    )
    assert [b.action_id for b in welcome.message.buttons] == ["program:join"]
    assert (await world.press("li", "Join", "kudos")).ok


async def test_setup_program_rejects_bad_values_and_non_admins(world: World) -> None:
    before = await world.snapshot()
    bad = await world.app.setup_program(world.actor("maya", "kudos"), {"cadence": "hourly"})
    assert not bad.ok and "weekly, biweekly, monthly" in bad.text
    refused = await world.app.setup_program(world.actor("li", "kudos"), {})
    assert not refused.ok and "admins" in refused.text
    after = await world.snapshot()
    after.pop("members"), after.pop("profiles"), after.pop("workspaces")
    for table in ("members", "profiles", "workspaces"):
        before.pop(table)
    assert after == before  # no program, no welcome
    assert not world.sent("channel")


async def test_leaving_the_workspace_removes_from_every_program(world: World) -> None:
    await world.program(["maya", "li", "sam"])
    await world.app.bot_added(world.workspace, "kudos", "maya")
    await world.coffee("li", "join", channel="kudos")
    await world.app.member_left_workspace(world.workspace, "li")
    async with world.db.session() as s:
        rows = (await s.execute(select(Membership))).scalars().all()
    assert all(r.left_at is not None for r in rows if r.member_id == 2)
    await world.advance(timedelta(days=3))
    assert "li" not in {u for p in world.intros() for u in p.target.user_ids}


async def test_closed_dms_are_mentioned_in_the_program_channel_once(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    world.platform.unreachable.add("tom")
    assert (await world.coffee("tom", "join")).ok
    notices = [p for p in world.sent("channel") if "DMs seem closed" in p.message.plain()]
    assert len(notices) == 1 and notices[0].message.mentions == ("tom",)
    assert "1/3" not in notices[0].message.plain()  # the notice never carries the DM's content
    await world.thanks("maya", "<@tom> welcome aboard --private")
    assert len([p for p in world.sent("channel") if "DMs seem closed" in p.message.plain()]) == 1


async def test_channel_defined_pool_follows_the_channel(world: World) -> None:
    world.platform.channel_pool = {"coffee": {"maya", "li", "sam", "ana"}}
    await world.program(["maya", "li", "sam", "ana"])
    assert (await world.coffee("ana", "leave")).ok
    # tom and priya joined the channel while the bot was away; sam left it
    world.platform.channel_pool["coffee"] = {"maya", "li", "ana", "tom", "priya"}
    await world.advance(timedelta(days=3))
    placed = {u for p in world.intros() for u in p.target.user_ids}
    assert placed == {"maya", "li", "tom", "priya"}  # ana chose to leave; sam left the channel
    interviewed = {p.target.user_id for p in world.sent("dm") if "1/3" in p.message.plain()}
    assert {"tom", "priya"} <= interviewed
    assert isinstance(world.sent("dm")[-1].target, DirectTarget)
    async with world.db.session() as s:
        program = (await s.execute(select(Program))).scalar_one()
    assert program.last_round_number == 1


async def test_a_tick_only_touches_its_own_platforms_rows(world: World) -> None:
    """One database can serve Slack and Discord at once (`--platform all`)."""
    from datetime import UTC, datetime

    from bot.ports import ChannelTarget, target_to_dict
    from storage.models import Delivery, Workspace

    now = world.clock.now()
    async with world.db.session() as s:
        other = Workspace(platform="elsewhere", external_id="T9", created_at=now)
        s.add(other)
        await s.flush()
        s.add(
            Program(
                workspace_id=other.id,
                channel_id="C9",
                cadence="weekly",
                weekday=0,
                local_time="10:00",
                timezone="UTC",
                group_size=2,
                active=True,
                last_round_number=0,
                created_at=now,
                next_round_at=datetime(2020, 1, 1, tzinfo=UTC),
            )
        )
        s.add(
            Delivery(
                key="other:1",
                workspace_id=other.id,
                kind="welcome",
                recipient="",
                target=target_to_dict(ChannelTarget("C9")),
                payload={"lines": [["hi"]]},
                status="pending",
                due_at=now,
                attempts=0,
                created_at=now,
            )
        )
        await s.commit()
    result = await world.app.tick()
    assert result == {"rounds": 0, "sent": 0}
    async with world.db.session() as s:
        row = (await s.execute(select(Delivery).where(Delivery.key == "other:1"))).scalar_one()
        program = (await s.execute(select(Program).where(Program.channel_id == "C9"))).scalar_one()
    assert row.status == "pending" and row.attempts == 0 and program.last_round_number == 0


async def test_joining_again_clears_a_stale_gone_flag(world: World) -> None:
    await world.program(["maya", "li", "sam"])
    world.platform.gone.add("sam")
    await world.advance(timedelta(days=3))  # sam's intro fails: marked deactivated
    world.platform.gone.discard("sam")
    assert (await world.coffee("sam", "join")).ok
    await world.advance(timedelta(days=7))
    assert "sam" in {u for p in world.intros()[-2:] for u in p.target.user_ids}


async def test_a_group_down_to_one_gets_no_check_ins(world: World) -> None:
    from storage.models import Delivery

    await world.program(["maya", "li"])
    world.platform.gone.add("li")
    await world.advance(timedelta(days=6))
    async with world.db.session() as s:
        statuses = {
            r.kind: r.status
            for r in (await s.execute(select(Delivery).where(Delivery.group_id.is_not(None))))
            .scalars()
            .all()
        }
    assert statuses["intro"] == "failed"
    assert statuses["checkin_midway"] == statuses["checkin_end"] == "cancelled"
    assert not world.sent("conversation")


async def test_welcome_says_how_to_take_part(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    assert "Press *Join*" in world.sent("channel")[-1].message.plain()
    world.platform.pool_is_channel = True  # as on Slack
    await world.app.bot_added(world.workspace, "kudos", "maya")
    assert "Everyone in this channel is in" in world.sent("channel")[-1].message.plain()
