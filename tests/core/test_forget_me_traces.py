"""forget-me leaves no trace: after a busy history, no column of any table holds the person's
id, their name or the words they wrote (only a hash in `opt_outs`), and what was still due to
others goes out without them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from adapters.console.platform import ConsoleUser
from bot.messages import UserRef
from bot.ports import PlatformError
from storage.models import Delivery, Member, OptOut, Profile, ThanksNote, ThanksRecipient
from storage.repositories import RoundRepository
from tests.conftest import World, dump_database, traces_of

ZED = "zed42"
NAME = "Zebulon Quillfeather"
OTHERS = ["maya", "li", "sam", "ana", "tom", "priya"]
ZED_WORDS = [
    "Xylophone wizardry from the quokka brigade",  # public thanks
    "Marmalade diplomacy at its finest",  # private thanks
    "Periwinkle spreadsheets saved my week",  # public thanks still waiting to be posted
    "zither tuning, xylophonics",  # interview answer
    "Skunkworks Zeta",  # their team
]
NEEDLES = [ZED, "Zebulon", "Quillfeather", "zither", "xylophonics", "Skunkworks", *ZED_WORDS]


def _names_zed(posted: Any) -> bool:
    spans = [s for line in posted.message.lines for s in line]
    return (
        ZED in str(posted.target)
        or ZED in posted.message.mentions
        or UserRef(ZED) in spans
        or any(n.lower() in posted.message.plain().lower() for n in NEEDLES)
    )


async def _busy_history(w: World) -> int:
    """Rounds, check-ins, thanks both ways, pending and sent; returns zed's round-2 group."""
    w.data.users[ZED] = ConsoleUser(ZED, NAME, timezone="Europe/Berlin")
    await w.program(OTHERS)
    # zed joins by hand: the interview by DM, one answer typed, still mid-way when forgotten
    assert (await w.coffee(ZED, "join")).ok
    await w.dm(ZED, "zither tuning, xylophonics")
    assert (await w.coffee(ZED, "team Skunkworks Zeta")).ok
    # round 1 (scheduled): seven people, so one trio
    await w.advance(timedelta(days=3))
    intro = next(p for p in w.intros() if ZED in p.target.user_ids)
    partner = next(u for u in intro.target.user_ids if u != ZED)
    assert (await w.press(ZED, "We met")).ok  # nudges to the group, naming zed
    assert (await w.press(partner, "We met")).ok
    # thanks both ways, public and private; one note by someone else names zed in its text
    assert (await w.thanks(ZED, f"<@{partner}> {ZED_WORDS[0]}")).ok
    assert (await w.thanks(ZED, f"<@maya> {ZED_WORDS[1]} --private")).ok
    assert (await w.thanks(partner, f"<@{ZED}> <@maya> thanks for the demo")).ok
    assert (await w.thanks("li", f"<@{ZED}> cheers for the review --private")).ok
    assert (await w.thanks("sam", "<@maya> great pairing with Zebulon yesterday")).ok
    # zed's DMs closed for a while: a notice about them in the channel
    w.platform.unreachable.add(ZED)
    assert (await w.thanks("ana", f"<@{ZED}> nice talk")).ok
    w.platform.unreachable.discard(ZED)
    assert any(ZED in str(p.message.mentions) for p in w.sent("channel"))
    # round 2 by hand a day later, while the platform refuses zed's intro and every thanks post
    w.clock.advance(timedelta(days=1))
    send = w.platform.send

    async def flaky(ws: str, target: Any, message: Any, *, key: str | None = None) -> Any:
        if key and ((key.endswith(":intro") and ZED in str(target)) or key.endswith(":post")):
            raise PlatformError("internal_error", retryable=True)
        return await send(ws, target, message, key=key)

    w.platform.send = flaky  # type: ignore[method-assign]
    assert (await w.coffee("maya", "match-now")).ok
    assert (await w.thanks(ZED, f"<@ana> {ZED_WORDS[2]}")).ok
    assert (await w.thanks("tom", f"<@{ZED}> <@ana> welcome aboard, both of you")).ok
    async with w.db.session() as s:
        pending = (
            (await s.execute(select(Delivery).where(Delivery.status == "pending"))).scalars().all()
        )
        assert {r.kind for r in pending} >= {"intro", "thanks_post", "checkin_midway"}
        group_id = next(r.group_id for r in pending if r.kind == "intro" and ZED in str(r.target))
    assert (await w.app.action(w.actor(ZED), f"checkin:{group_id}:scheduled")).ok
    w.platform.send = send  # type: ignore[method-assign]
    assert (await w.coffee(ZED, "avoid <@tom>")).ok  # pairs by and about zed
    assert (await w.coffee("priya", f"avoid <@{ZED}>")).ok
    # a pause ended early and one still running: zed's pause history
    assert (await w.coffee(ZED, "pause")).ok
    assert "Welcome back" in (await w.coffee(ZED, "resume")).text
    assert (await w.coffee(ZED, "pause 2 weeks")).ok
    # the history really holds zed everywhere before forget-me
    assert len(traces_of(await dump_database(w.db), NEEDLES)) > 20
    return group_id


async def test_forget_me_leaves_no_trace_in_any_table(any_world: World) -> None:
    w = any_world
    group_id = await _busy_history(w)
    before = len(w.platform.sent)
    async with w.db.session() as s:
        zed_id = (await s.execute(select(Member.id).where(Member.external_id == ZED))).scalar_one()
    before_dump = await dump_database(w.db)
    assert {row[1] for row in before_dump["pause_periods"]} == {zed_id}
    assert zed_id in {row[2] for row in before_dump["membership_periods"]}
    assert "Done" in (await w.coffee(ZED, "forget-me confirm")).text
    dump = await dump_database(w.db)
    assert traces_of(dump, NEEDLES) == []
    assert dump["pause_periods"] == []  # zed's pauses, with them
    periods = {row[2] for row in dump["membership_periods"]}  # zed's stays in the program too
    assert zed_id not in periods and len(periods) == len(OTHERS)
    assert len(dump["opt_outs"]) == 1 and dump["avoid_pairs"] == []
    # thanks zed received from others stay with their authors, without the link to zed;
    # the note that named zed in its text is gone with everything that carried it
    async with w.db.session() as s:
        notes = {n.text: n for n in (await s.execute(select(ThanksNote))).scalars()}
        links = (await s.execute(select(ThanksRecipient))).scalars().all()
        assert (await s.execute(select(OptOut))).scalar_one().user_hash
    assert "thanks for the demo" in notes and "cheers for the review" in notes
    assert "great pairing with Zebulon yesterday" not in notes
    assert {link.note_id for link in links} >= {notes["thanks for the demo"].id}
    # what was still due to others goes out, without zed
    await w.advance(timedelta(days=1), step=timedelta(minutes=30))
    after = w.platform.sent[before:]
    assert [p for p in after if _names_zed(p)] == []
    welcome = [
        p for p in after if p.target.kind == "channel" and "welcome aboard" in p.message.plain()
    ]
    assert len(welcome) == 1 and welcome[0].message.mentions == ("tom", "ana")
    async with w.db.session() as s:
        stuck = (
            (await s.execute(select(Delivery).where(Delivery.status == "pending"))).scalars().all()
        )
    assert not [r for r in stuck if r.kind in {"intro", "thanks_post"}]
    # zed's round-2 group, whose intro was waiting: the rest got it, or a lone partner was told
    async with w.db.session() as s:
        row = (
            await s.execute(
                select(Delivery).where(Delivery.group_id == group_id, Delivery.kind == "intro")
            )
        ).scalar_one()
        rest = (await RoundRepository(s).member_ids([group_id]))[group_id]
    if len(rest) >= 2:
        assert row.status == "sent"
        assert any(p.target.kind == "group" and p.ref.encode() == row.platform_ref for p in after)
    else:
        assert any("no longer available" in p.message.plain() for p in after)
    assert traces_of(await dump_database(w.db), NEEDLES) == []


async def test_forgetting_the_program_admin_drops_the_admin_link(world: World) -> None:
    world.data.users[ZED] = ConsoleUser(ZED, NAME)
    await world.app.bot_added(world.workspace, "coffee", ZED)
    assert (await world.coffee(ZED, "forget-me confirm")).ok
    assert traces_of(await dump_database(world.db), [ZED, "Zebulon"]) == []


async def test_forgetting_a_manager_clears_it_from_their_reports(world: World) -> None:
    world.data.users[ZED] = ConsoleUser(ZED, NAME)
    await world.program(["maya", "li", ZED])
    assert (await world.coffee(ZED, "location Zanzibar Quay")).ok
    async with world.db.session() as s, s.begin():
        for profile in (await s.execute(select(Profile))).scalars():
            profile.manager = ZED
    assert len(traces_of(await dump_database(world.db), [ZED, "Zanzibar"])) >= 3
    assert (await world.coffee(ZED, "forget-me confirm")).ok
    assert traces_of(await dump_database(world.db), [ZED, "Zebulon", "Zanzibar"]) == []
