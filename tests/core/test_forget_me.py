"""forget-me holds: no re-enrolment from a channel pool, nothing more sent, partners told."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.ports import PlatformError
from storage.models import Delivery, Member, OptOut
from tests.conftest import World


async def test_channel_pool_does_not_re_enrol_a_forgotten_person(world: World) -> None:
    world.platform.channel_pool = {"coffee": {"maya", "li", "sam"}}
    await world.app.bot_added(world.workspace, "coffee", "maya")
    assert (await world.coffee("sam", "forget-me confirm")).ok
    before = len(world.sent())
    await world.app.member_joined(world.workspace, "coffee", "sam")  # channel events too
    await world.advance(timedelta(days=3))
    assert not [p for p in world.sent()[before:] if "sam" in str(p.target)]
    async with world.db.session() as s:
        assert (await s.execute(select(Member).where(Member.external_id == "sam"))).first() is None
        (opt_out,) = (await s.execute(select(OptOut))).scalars().all()
    assert "sam" not in opt_out.user_hash  # only a hash of the id is kept
    # their own /coffee join brings them back
    assert (await world.coffee("sam", "join")).ok
    async with world.db.session() as s:
        assert (await s.execute(select(OptOut))).first() is None


async def test_forget_me_with_a_pending_intro_tells_the_partner(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    for user in ("maya", "li"):
        assert (await world.coffee(user, "join")).ok
    real = world.platform.send
    failing = {"on": True}

    async def flaky(ws, target, message, *, key=None):  # type: ignore[no-untyped-def]
        if failing["on"] and key and key.endswith(":intro"):
            raise PlatformError("internal_error", retryable=True)
        return await real(ws, target, message, key=key)

    world.platform.send = flaky  # type: ignore[method-assign]
    assert (await world.coffee("maya", "match-now")).ok  # the intro waits for a retry
    assert (await world.coffee("maya", "forget-me confirm")).ok
    failing["on"] = False
    await world.advance(timedelta(days=8))
    assert not [p for p in world.intros() if "maya" in p.target.user_ids]
    assert any(
        "no longer available" in p.message.plain() and p.target.user_id == "li"
        for p in world.sent("dm")
    )
    async with world.db.session() as s:
        rows = (await s.execute(select(Delivery))).scalars().all()
    naming = [r.kind for r in rows if "maya" in str(r.target) + str(r.payload)]
    assert naming == [], f"rows still naming the forgotten person: {naming}"


async def test_forget_me_in_a_trio_keeps_the_pair_going(world: World) -> None:
    await world.program(["maya", "li", "sam"])  # an odd count: one trio
    await world.advance(timedelta(days=3))
    (trio,) = world.intros()
    assert len(trio.target.user_ids) == 3
    assert (await world.coffee("sam", "forget-me confirm")).ok
    async with world.db.session() as s:
        pending = (
            (await s.execute(select(Delivery).where(Delivery.status == "pending"))).scalars().all()
        )
    assert not [r for r in pending if r.kind.startswith("checkin")]  # sam might still see them
    assert not [p for p in world.sent("dm") if "no longer available" in p.message.plain()]
