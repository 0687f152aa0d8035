"""Slash commands and buttons end to end: real interactions through discord.py's command tree.

Each interaction is a gateway `INTERACTION_CREATE` payload; discord.py builds the
`discord.Interaction`, the command tree or the view store dispatches it, and the answer goes
back over HTTP to the fake Discord, where the tests read it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from adapters.discord import components
from storage.engine import Database
from storage.models import Membership, Program, ThanksNote
from tests.discord.fake_discord import FakeDiscord
from tests.discord.harness import ChannelOption, Server, buttons

HOSTILE = (
    "@everyone @here <@&1300000000000000099> <@1300000000000000098> **bold** [x](https://evil)"
)


async def test_help_is_deferred_then_followed_up_ephemerally(server: Server) -> None:
    reply = await server.command("li", "coffee help")
    assert reply["type"] == "deferred" and reply["ephemeral"]
    assert "/coffee join" in reply["text"]
    assert all(m["flags"] & 64 for m in reply["messages"])  # ephemeral follow-ups


async def test_setup_by_an_admin_posts_the_welcome_with_a_join_button(server: Server) -> None:
    reply = await server.command(
        "maya", "coffee setup", cadence="biweekly", day="thursday", time="09:30",
        timezone="Europe/Berlin", purpose=f"connect the new office {HOSTILE}",
        thanks_channel=ChannelOption(server.kudos), size=3,
    )  # fmt: skip
    assert reply["ephemeral"] and "Program settings" in reply["text"]
    assert "**size**: 3" in reply["text"]
    assert "**cadence**: biweekly" in reply["text"] and f"<#{server.kudos}>" in reply["text"]
    [welcome] = server.fake.posted(server.coffee)
    assert "**Hi, I'm WarmIntro!**" in welcome["content"]  # Slack *bold* became Discord **bold**
    assert "every other Thursday at 09:30 (Europe/Berlin)" in welcome["content"]
    # The purpose is text a person typed: no pings, no markup.
    assert "@\u200beveryone" in welcome["content"] and "@\u200bhere" in welcome["content"]
    assert "<@&" not in welcome["content"].replace("<@\u200b&", "")
    assert "\\*\\*bold\\*\\*" in welcome["content"]
    assert welcome["allowed_mentions"] == {"parse": [], "users": []}
    [join] = buttons(welcome)
    assert join["custom_id"] == "program:join" and join["label"] == "Join" and join["style"] == 1
    async with server.db.session() as s:
        program = (await s.execute(select(Program))).scalar_one()
    assert (program.cadence, program.weekday, program.local_time) == ("biweekly", 3, "09:30")
    assert program.thanks_channel_id == str(server.kudos)
    assert program.name == "coffee"


async def test_setup_needs_manage_server_and_valid_values(server: Server) -> None:
    reply = await server.command("li", "coffee setup", cadence="weekly")
    assert "Only the program's admins" in reply["text"]
    reply = await server.command("maya", "coffee setup", timezone="Mars/Olympus", day="monday")
    assert "isn't a time zone" in reply["text"]
    assert server.fake.posted(server.coffee) == []
    async with server.db.session() as s:
        assert (await s.execute(select(func.count()).select_from(Program))).scalar_one() == 0


async def test_join_button_answers_at_once_and_the_interview_arrives_by_dm(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(components, "ACK_BUDGET", 30.0)  # the fast path, however slow CI is
    await server.command("maya", "coffee setup")
    [welcome] = server.fake.posted(server.coffee)
    reply = await server.press("li", welcome, "Join")
    # Quick enough to answer directly (no defer needed), privately.
    assert reply["type"] == "message" and reply["ephemeral"]
    assert f"You're in the coffee chats in <#{server.coffee}>" in reply["text"]
    [question] = server.fake.dms(server["li"])
    assert "**1/3** What are you into" in question["content"]
    guild = server.guild.id
    # DM interactions carry no guild, so DM buttons carry it in their custom id.
    assert [b["custom_id"] for b in buttons(question)] == [
        f"profile:edit|{guild}",
        f"interview:skip:interests|{guild}",
    ]


async def test_join_and_leave_commands(server: Server) -> None:
    await server.command("maya", "coffee setup")
    assert "You're in" in (await server.command("sam", "coffee join"))["text"]
    assert "already in" in (await server.command("sam", "coffee join"))["text"]
    assert "You've left" in (await server.command("sam", "coffee leave"))["text"]
    assert "nothing to leave" in (await server.command("sam", "coffee leave"))["text"]
    async with server.db.session() as s:
        membership = (await s.execute(select(Membership))).scalar_one()
    assert membership.left_at is not None
    # Elsewhere than a program channel, joining explains itself.
    reply = await server.command("sam", "coffee join", in_channel=server.kudos)
    assert "no coffee chats yet" in reply["text"]


async def test_skip_command_sits_out_the_next_round(server: Server) -> None:
    await server.command("maya", "coffee setup")
    await server.command("sam", "coffee join")
    assert "sit out the next round" in (await server.command("sam", "coffee skip"))["text"]
    async with server.db.session() as s:
        membership = (await s.execute(select(Membership))).scalar_one()
    assert membership.skip_round is not None


async def test_interview_by_dm_with_skip_buttons_pressed_in_the_dm(server: Server) -> None:
    await server.command("maya", "coffee setup")
    await server.command("noor", "coffee join")
    answer = await server.dm("noor", "Climbing, jazz and sourdough")
    assert "**2/3** What could you help a colleague with?" in answer[0]["content"]
    skipped = await server.press("noor", answer[0], "Skip")  # a DM: no guild in the payload
    assert "**3/3**" in skipped["text"]
    [question] = skipped["messages"]
    done = await server.press("noor", question, "Skip")
    assert "All set" in done["text"] and "climbing, jazz, sourdough" in done["text"]
    status = await server.command("noor", "coffee status")
    assert "Into: climbing, jazz, sourdough" in status["text"]


async def test_profile_form_from_the_interview_opens_a_modal(server: Server) -> None:
    await server.command("maya", "coffee setup")
    await server.command("ola", "coffee join")
    [question] = server.fake.dms(server["ola"])
    opened = await server.press("ola", question, "Answer in a form")
    assert opened["type"] == "modal"
    modal = opened["modal"]
    ids = [label["component"]["custom_id"] for label in modal["components"]]
    assert ids == ["interests", "offers", "wants", "team", "location"]
    saved = await server.submit(
        "ola",
        modal,
        interests="chess, go",
        offers="sql",
        wants="rust",
        team="Data",
        location="Lisbon",
    )
    assert saved["ephemeral"]
    status = await server.command("ola", "coffee status")
    assert "Into: chess, go" in status["text"] and "Team: Data" in status["text"]
    assert "Location: Lisbon" in status["text"]


async def test_free_text_options_go_through_the_core_parser(server: Server) -> None:
    await server.command("maya", "coffee setup")
    await server.command("li", "coffee join")
    reply = await server.command("li", "coffee interests", topics="Rock climbing; jazz")
    assert "rock climbing, jazz. Saved!" in reply["text"]
    assert "Paused until" in (await server.command("li", "coffee pause", length="2w"))["text"]
    bad = await server.command("li", "coffee pause", length="forever")
    assert "Say how long" in bad["text"]
    tz = await server.command("li", "coffee timezone", zone="Europe/Berlin")
    assert "Time zone set to Europe/Berlin" in tz["text"]
    team = await server.command("li", "coffee team", name="Platform")
    assert "Team set to Platform" in team["text"]


async def test_admin_commands_are_for_admins(server: Server) -> None:
    await server.command("maya", "coffee setup")
    assert "Only the program's admins" in (await server.command("li", "coffee match-now"))["text"]
    assert "Only the program's admins" in (await server.command("li", "coffee preview"))["text"]
    saved = await server.command(
        "maya", "coffee config", key="thanks-channel", channel=ChannelOption(server.kudos)
    )
    assert f"<#{server.kudos}>" in saved["text"]
    shown = await server.command("maya", "coffee config", key="cadence")
    assert "**cadence**: weekly" in shown["text"]


async def test_autocomplete_time_zones_and_times(server: Server) -> None:
    zones = await server.autocomplete("maya", "coffee setup", "timezone", "berl")
    assert zones[0] == "Europe/Berlin"
    times = await server.autocomplete("maya", "coffee setup", "time", "09")
    assert times == ["09:00", "09:30"]
    assert len(await server.autocomplete("li", "coffee timezone", "zone", "")) == 25


async def test_thanks_with_hostile_mentions_pings_only_the_recipients(server: Server) -> None:
    await server.command("maya", "coffee setup", thanks_channel=ChannelOption(server.kudos))
    li, sam = server["li"], server["sam"]
    reply = await server.command(
        "maya", "thanks", person=li, person2=sam, message=f"Thanks for the review {HOSTILE}"
    )
    assert reply["ephemeral"] and "Thanks sent to" in reply["text"]
    [post] = server.fake.posted(server.kudos)
    assert post["content"].startswith(f"🙏 <@{server.owner.id}> thanks <@{li.id}>, <@{sam.id}>:")
    body = post["content"].split("\n", 1)[1]
    for ping in ("@everyone", "@here", "<@&", f"<@{1300000000000000098}>"):
        assert ping not in body
    assert "\\[x\\](https://evil)" in body  # masked links are defused
    mentions = post["allowed_mentions"]
    assert mentions["parse"] == []  # no @everyone / @here / roles, whatever the text says
    assert {str(u) for u in mentions["users"]} == {str(server.owner.id), str(li.id), str(sam.id)}
    for person in (li, sam):
        [dm] = server.fake.dms(person)
        assert "sent you a thank-you" in dm["content"] and "@\u200beveryone" in dm["content"]
        assert dm["allowed_mentions"] == {"parse": [], "users": []}


async def test_private_thanks_and_thanking_yourself(server: Server) -> None:
    await server.command("maya", "coffee setup")
    own = await server.command("li", "thanks", person=server["li"], message="me!")
    assert "Thanking yourself" in own["text"]
    reply = await server.command(
        "li", "thanks", person=server["noor"], message="quietly", private=True
    )
    assert "Thanks sent to" in reply["text"]
    assert server.fake.posted(server.kudos) == [] and len(server.fake.posted(server.coffee)) == 1
    assert "quietly" in server.fake.dms(server["noor"])[0]["content"]
    async with server.db.session() as s:
        note = (await s.execute(select(ThanksNote))).scalar_one()
    assert note.public is False


async def test_a_slow_button_is_deferred_then_followed_up(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(components, "ACK_BUDGET", 0.0)  # the core "misses" the budget
    await server.command("maya", "coffee setup")
    [welcome] = server.fake.posted(server.coffee)
    reply = await server.press("li", welcome, "Join")
    assert reply["type"] == "deferred" and reply["ephemeral"]
    assert "You're in the coffee chats" in reply["text"]
    # A form can't follow a deferral: the person is asked to press again.
    [question] = server.fake.dms(server["li"])
    form = await server.press("li", question, "Answer in a form")
    assert form["type"] == "deferred" and components.FORM_EXPIRED in form["text"]


async def test_a_dm_finds_its_server_from_the_buttons_of_our_last_dm(
    fake: FakeDiscord, sqlite_db: Database
) -> None:
    srv = Server(fake, sqlite_db)
    other = fake.add_guild("Other", srv.owner)  # two servers: "the only one" can't help
    other.members[srv["li"].id] = srv["li"]
    await srv.start()
    try:
        await srv.command("maya", "coffee setup")
        await srv.command("li", "coffee join")
        srv.client.guild_memory.clear()  # as after a restart
        [answer] = await srv.dm("li", "chess")
        assert "**2/3**" in answer["content"]
        # Someone we never wrote to, in two servers: pointed to the commands instead.
        srv.client.guild_memory.clear()
        other.members[srv["sam"].id] = srv["sam"]
        [hint] = await srv.dm("sam", "hello")
        assert "I'm WarmIntro" in hint["content"]
    finally:
        await srv.stop()


async def test_avoid_and_its_remove_option(server: Server) -> None:
    await server.program(["li", "sam"])
    sam = str(server["sam"].id)
    added = await server.command("li", "coffee avoid", person=server["sam"])
    assert "won't be grouped with" in added["text"] and sam in added["text"]
    assert sam in (await server.command("li", "coffee avoid"))["text"]
    undone = await server.command("li", "coffee avoid", person=server["sam"], remove=True)
    assert "won't be grouped" not in undone["text"] and sam in undone["text"]
    assert sam not in (await server.command("li", "coffee avoid"))["text"]
    nobody = await server.command("li", "coffee avoid", remove=True)
    assert "Mention one person" in nobody["text"]
