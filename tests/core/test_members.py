"""Joining, the interview, profile commands, status/history/stats, forget-me."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import commands as cmd
from storage.models import ConversationState, Member, Membership, Profile
from tests.conftest import World


async def profile(world: World, user: str) -> Profile:
    async with world.db.session() as s:
        member = (
            (await s.execute(select(Member).where(Member.external_id == user)))
            .unique()
            .scalar_one()
        )
        return member.profile


async def test_join_starts_the_interview_by_dm_and_answers_become_tags(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    reply = await world.coffee("li", "join")
    assert reply.ok and "You're in" in reply.text
    first = world.sent("dm")[-1]
    assert first.target.user_id == "li" and "1/3" in first.message.plain()
    assert "2/3" in (await world.dm("li", "Rock Climbing,  JAZZ and typography")).text
    assert "3/3" in (await world.press("li", "Skip", None)).text
    done = await world.dm("li", "python & public speaking")
    assert "All set" in done.text
    p = await profile(world, "li")
    assert p.interests == ["rock climbing", "jazz", "typography"]
    assert p.offers == [] and p.wants == ["python", "public speaking"]
    assert p.onboarded_at is not None
    # once done, a DM gets a friendly hint and changes nothing
    assert "/coffee help" in (await world.dm("li", "hello?")).text
    # joining again is harmless and does not re-run the interview
    dms = len(world.sent("dm"))
    assert "already in" in (await world.coffee("li", "join")).text
    assert len(world.sent("dm")) == dms


async def test_interview_survives_a_restart(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    await world.coffee("sam", "join")
    await world.dm("sam", "jazz")
    world.app = world.fresh_app()
    assert "3/3" in (await world.dm("sam", "negotiation")).text
    async with world.db.session() as s:
        state = (await s.execute(select(ConversationState))).scalar_one()
    assert state.state == "wants"


async def test_interview_asks_again_when_nothing_usable(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    await world.coffee("sam", "join")
    assert "couldn't find any topics" in (await world.dm("sam", " , ; ")).text
    assert "2/3" in (await world.dm("sam", "jazz")).text


async def test_channel_join_event_enrols_and_interviews(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    await world.app.member_joined(world.workspace, "coffee", "tom")
    assert any("1/3" in p.message.plain() for p in world.sent("dm") if p.target.user_id == "tom")
    await world.app.member_joined(world.workspace, "coffee", "warmintro")  # the bot itself
    async with world.db.session() as s:
        memberships = (await s.execute(select(Membership))).scalars().all()
    assert len(memberships) == 1


async def test_profile_commands(world: World) -> None:
    await world.program(["maya"])
    assert "climbing" in (await world.coffee("maya", "interests")).text
    assert (await world.coffee("maya", "interests Go, Rust")).text.endswith("Saved!")
    assert (await world.coffee("maya", "team Infra")).ok
    assert "UTC+5:30" in (await world.coffee("maya", "timezone UTC+05:30")).text
    p = await profile(world, "maya")
    assert (p.interests, p.team, p.utc_offset_hours) == (["go", "rust"], "Infra", 5.5)
    status = (await world.coffee("maya", "status")).text
    assert "go, rust" in status and "Infra" in status and "Next round" in status


async def test_pause_and_resume(world: World) -> None:
    await world.program(["maya"])
    assert "Paused until" in (await world.coffee("maya", "pause until 2026-12-24")).text
    assert "Paused" in (await world.coffee("maya", "status")).text
    assert "Welcome back" in (await world.coffee("maya", "resume")).text
    assert "weren't paused" in (await world.coffee("maya", "resume")).text


async def test_history_and_stats(world: World) -> None:
    await world.program(["maya", "li"])
    assert "No matches yet" in (await world.coffee("maya", "history")).text
    await world.advance(timedelta(days=3))
    await world.press("li", "We met")
    assert "met ✅" in (await world.coffee("maya", "history")).text
    stats = (await world.coffee("maya", "stats")).text
    assert "Members: 2" in stats and "Rounds: 1" in stats and "Groups that met: 1 (100%)" in stats
    assert "Colleagues met so far: 1" in (await world.coffee("li", "status")).text


async def test_config_by_admin(world: World) -> None:
    await world.program(["maya", "li"])
    assert "cadence" in (await world.coffee("maya", "config")).text
    settings = (
        "cadence biweekly",
        "day fri",
        "time 09:15",
        "timezone Asia/Tokyo",
        "purpose Connect the new office",
        "thanks-channel <#kudos>",
        "weight.give 20",
    )
    for text in settings:
        reply = await world.coffee("maya", "config " + text)
        assert reply.ok, reply.text
    shown = (await world.coffee("maya", "config")).text
    assert "biweekly" in shown and "friday" in shown and "09:15" in shown and "Asia/Tokyo" in shown
    assert "Connect the new office" in shown and "#kudos" in shown and "weight.give*: 20" in shown


BAD_CONFIG = [
    ("config cadence hourly", "weekly, biweekly, monthly"),
    ("config day someday", "weekday name"),
    ("config time 25:00", "HH:MM"),
    ("config timezone Nowhere/City", "time zone name"),
    ("config weight.give -1", "can't be negative"),
    ("config weight.give lots", "is a number"),
    ("config weight.magic 1", "Weights are"),
    ("config repeat_decay 2", "no setting"),
    ("config colour blue", "no setting"),
    ("config purpose " + "p" * 501, "limit is 500"),
]


@pytest.mark.parametrize(("text", "message"), BAD_CONFIG, ids=[t[:30] for t, _ in BAD_CONFIG])
async def test_bad_config_changes_nothing(world: World, text: str, message: str) -> None:
    await world.program(["maya"])
    before = await world.snapshot()
    reply = await world.coffee("maya", text)
    assert not reply.ok and message in reply.text
    assert await world.snapshot() == before


BAD_INPUT = [
    ("coffee", "frobnicate", "I don't know the command"),
    ("coffee", "pause whenever", "Say how long"),
    ("coffee", "join please", "takes no options"),
    ("coffee", "interests " + "y" * 2001, "limit is 2,000"),
    ("coffee", "timezone Atlantis/Deep", "don't know the time zone"),
    ("thanks", "<@maya>", "Add a few words"),
    ("thanks", "<@li> thanks me", "Thanking yourself"),
    ("thanks", "<@ghost> thanks!", "can't find @ghost"),
    ("thanks", "<@warmintro> thanks, bot!", "bots don't drink coffee"),
    ("thanks", "<@maya> " + "z" * 2001, "limit is 2,000"),
    ("thanks", "everyone thanks", "Who would you like to thank"),
]


@pytest.mark.parametrize(
    ("where", "text", "message"), BAD_INPUT, ids=[f"{w}:{t[:25]}" for w, t, _ in BAD_INPUT]
)
async def test_bad_input_gets_a_clear_answer_and_changes_nothing(
    world: World, where: str, text: str, message: str
) -> None:
    await world.program(["maya", "li"])
    before, sent = await world.snapshot(), len(world.platform.sent)
    reply = await (world.coffee if where == "coffee" else world.thanks)("li", text)
    assert not reply.ok and message in reply.text
    assert await world.snapshot() == before
    assert len(world.platform.sent) == sent


async def test_unknown_user_acting_gets_an_answer(world: World) -> None:
    await world.program(["maya"])
    before = await world.counts()
    reply = await world.coffee("stranger", "status")
    assert not reply.ok and "can't find" in reply.text
    assert await world.counts() == before


async def test_commands_outside_a_program_channel(world: World) -> None:
    await world.program(["maya"])
    assert "no coffee chats yet" in (await world.coffee("li", "join", channel="general")).text
    assert (
        "Run this in the program's channel" in (await world.coffee("li", "join", channel=None)).text
    )
    assert "not in the coffee chats" in (await world.coffee("li", "leave", channel=None)).text
    # maya is in exactly one program, so a DM `leave` knows which one
    assert "You've left" in (await world.coffee("maya", "leave", channel=None)).text


async def test_forget_me_deletes_the_persons_data(world: World) -> None:
    await world.program(["maya", "li", "sam", "ana"])
    await world.advance(timedelta(days=3))
    await world.thanks("li", "<@maya> thank you!")
    await world.thanks("maya", "<@li> and you!")
    assert "can't be undone" in (await world.coffee("li", "forget-me")).text
    assert "Done" in (await world.coffee("li", "forget-me confirm")).text
    async with world.db.session() as s:
        from storage.models import CheckinAnswer, Delivery, GroupMember, ThanksNote, ThanksRecipient

        assert (await s.execute(select(Member).where(Member.external_id == "li"))).first() is None
        assert (await s.execute(select(Delivery).where(Delivery.recipient == "li"))).first() is None
        notes = (await s.execute(select(ThanksNote))).scalars().all()
        recipients = (await s.execute(select(ThanksRecipient))).scalars().all()
        assert len(notes) == 1 and recipients == []  # li's note is gone; maya's note to li lost li
        members = {m for (m,) in (await s.execute(select(GroupMember.member_id))).all()}
        assert len(members) == 3
        assert (await s.execute(select(CheckinAnswer))).first() is None
    assert "don't have any data" not in (await world.coffee("maya", "status")).text


async def test_help(world: World) -> None:
    text = (await world.coffee("maya", "help")).text
    for command in ("join", "pause", "interests", "forget-me", "match-now", "/thanks"):
        assert command in text
    assert "/coffee pause" in (await world.coffee("maya", "help pause")).text
    assert (await world.app.run(world.actor("maya"), cmd.Help("nope"))).text.startswith(
        "There's no"
    )


async def test_profile_form_answers_the_interview_at_once(world: World) -> None:
    await world.app.bot_added(world.workspace, "coffee", "maya")
    await world.coffee("jonas", "join")
    reply = await world.press("jonas", "Answer in a form", None)
    assert reply.form is not None and reply.form.form_id == "profile"
    values = {"interests": "Typography, cycling", "offers": "design", "wants": "", "team": "Design"}
    done = await world.app.form_submitted(world.actor("jonas", None), "profile", values)
    assert done.ok and "All set" in done.text
    p = await profile(world, "jonas")
    assert (p.interests, p.offers, p.wants, p.team) == (
        ["typography", "cycling"],
        ["design"],
        [],
        "Design",
    )
    assert p.onboarded_at is not None
    assert "/coffee help" in (await world.dm("jonas", "more?")).text  # the interview is over
    again = await world.press("jonas", "Answer in a form", None)
    assert again.form is not None
    assert (
        next(f for f in again.form.fields if f.name == "interests").initial == "typography, cycling"
    )


async def test_profile_form_rejects_bad_values_and_changes_nothing(world: World) -> None:
    await world.program(["maya"])
    before = await world.snapshot()
    bad = await world.app.form_submitted(
        world.actor("maya", None), "profile", {"interests": "x" * 60}
    )
    assert not bad.ok and "too long for a topic" in bad.text
    assert await world.snapshot() == before
