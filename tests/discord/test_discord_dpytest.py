"""Message and DM behaviour with dpytest: discord.py's own state, fed by dpytest's backend.

dpytest replaces the client's HTTP layer and gateway with its fake server-side state; messages
go in with `dpytest.message` and what the bot sends comes out of its queue. (dpytest caches
members only with the Server Members intent, so these clients opt in to it.)
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext.test import backend, factories
from sqlalchemy import select

from adapters.discord import DiscordOptions, DiscordPlatform, WarmIntroClient, create_client
from bot import commands as cmd
from bot.app import WarmIntro
from bot.bootstrap import build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.core import Actor
from storage.engine import Database
from storage.models import Membership, Program
from tests.conftest import START


@dataclass
class Dpy:
    client: WarmIntroClient
    app: WarmIntro
    guild: discord.Guild
    channel: discord.TextChannel
    admin: discord.Member
    members: list[discord.Member]

    def actor(self, member: discord.Member, admin: bool = False) -> Actor:
        return Actor(
            str(self.guild.id), str(member.id), str(self.channel.id), admin, member.display_name
        )

    async def program(self) -> None:
        reply = await self.app.setup_program(self.actor(self.admin, admin=True), {}, "coffee")
        assert reply.ok, reply.text
        await self.app.core.settle()  # the welcome is posted after the answer
        welcome = dpytest.get_message()
        assert "Hi, I'm WarmIntro!" in welcome.content


@pytest.fixture
async def dpy(sqlite_db: Database) -> AsyncIterator[Dpy]:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    options = DiscordOptions(members_intent=True)
    client = create_client(settings, options)
    await client._async_setup_hook()
    dpytest.configure(
        client, text_channels=["coffee"], voice_channels=0, members=["Maya", "Li", "Sam"]
    )
    config = dpytest.get_config()
    app = build_app(
        sqlite_db, DiscordPlatform(client), FakeClock(START), settings, random.Random(1)
    )
    client.attach(app)
    guild = config.guilds[0]
    admin, *members = config.members
    yield Dpy(client, app, guild, config.channels[0], admin, members)
    await dpytest.empty_queue()


async def test_interview_answers_by_dm_get_the_next_question_in_the_dm(dpy: Dpy) -> None:
    await dpy.program()
    li = dpy.members[0]
    reply = await dpy.app.run(dpy.actor(li), cmd.Join())
    assert reply.ok
    await dpy.app.core.settle()  # the interview DM is sent after the answer
    question = dpytest.get_message()
    assert isinstance(question.channel, discord.DMChannel)
    assert "1/3" in question.content
    dm = await li.create_dm()
    await dpytest.message("Climbing, jazz", channel=dm, member=li)
    answer = dpytest.get_message()
    assert isinstance(answer.channel, discord.DMChannel)
    assert "**2/3**" in answer.content
    await dpytest.message("python", channel=dm, member=li)
    assert "**3/3**" in dpytest.get_message().content
    await dpytest.message("design", channel=dm, member=li)
    assert "All set" in dpytest.get_message().content
    assert dpytest.verify().message().nothing()


async def test_a_dm_outside_an_interview_gets_a_hint(dpy: Dpy) -> None:
    sam = dpy.members[1]
    dm = await sam.create_dm()
    await dpytest.message("hello?", channel=dm, member=sam)
    assert "I'm WarmIntro" in dpytest.get_message().content


async def test_messages_from_bots_and_in_channels_are_ignored(dpy: Dpy) -> None:
    robot = backend.get_state().store_user(
        factories.make_user_dict("robot", "0042", None, bot=True)
    )
    member = backend.make_member(robot, dpy.guild)
    dm = await member.create_dm()
    await dpytest.message("beep", channel=dm, member=member)
    await dpytest.message("hello channel", channel=dpy.channel, member=dpy.members[0])
    assert dpytest.verify().message().nothing()


async def test_leaving_the_server_leaves_every_program(dpy: Dpy) -> None:
    await dpy.program()
    li = dpy.members[0]
    await dpy.app.run(dpy.actor(li), cmd.Join())
    await dpy.app.core.settle()
    await dpytest.empty_queue()
    backend.delete_member(li)
    await dpytest.run_all_events()
    async with dpy.app.core.db.session() as s:
        membership = (await s.execute(select(Membership))).scalar_one()
    assert membership.left_at is not None


async def test_deleting_the_program_channel_pauses_the_program(dpy: Dpy) -> None:
    await dpy.program()
    backend.delete_channel(dpy.channel)
    await dpytest.run_all_events()
    async with dpy.app.core.db.session() as s:
        program = (await s.execute(select(Program))).scalar_one()
    assert program.active is False
