"""Wiring: building the client offline, pointing it elsewhere, syncing commands, sharding,
`run_discord` from start to a clean stop, and the optional role sync."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import pytest

from adapters.discord import (
    DiscordOptions,
    ShardedWarmIntroClient,
    WarmIntroClient,
    create_client,
    run_discord,
)
from bot.clock import FakeClock
from storage.engine import Database
from tests.conftest import START
from tests.discord.fake_discord import FakeDiscord
from tests.discord.harness import Server, deliver, discord_settings, wait_until


def options(**values: Any) -> DiscordOptions:
    return DiscordOptions(**values)


async def test_create_client_builds_without_connecting(fake: FakeDiscord) -> None:
    client = create_client(discord_settings(fake), options())
    try:
        assert isinstance(client, WarmIntroClient) and not isinstance(
            client, discord.AutoShardedClient
        )
        assert client.user is None and fake.requests == []
        coffee = client.tree.get_command("coffee")
        assert isinstance(coffee, discord.app_commands.Group)
        assert {c.name for c in coffee.commands} >= {
            "setup", "join", "leave", "pause", "resume", "interests", "offer", "learn", "team",
            "location", "timezone", "status", "history", "stats", "config", "preview", "match-now",
            "forget-me", "help", "hours", "avoid", "keep-apart", "dashboard", "me", "skip",
        }  # fmt: skip
        assert len(coffee.commands) <= 25  # Discord's limit for a group's subcommands
        assert client.tree.get_command("thanks") is not None
        # No privileged intents for the core flow.
        intents = client.intents
        assert not (intents.members or intents.presences or intents.message_content)
        assert intents.guilds and intents.dm_messages
    finally:
        await client.close()


async def test_privileged_members_intent_is_opt_in(fake: FakeDiscord) -> None:
    client = create_client(discord_settings(fake), options(members_intent=True))
    assert client.intents.members
    await client.close()


async def test_api_and_gateway_overrides_are_per_client(server: Server) -> None:
    # Everything went to the fake, and discord.py's global default is untouched.
    assert discord.http.Route.BASE == "https://discord.com/api/v10"
    assert server.fake.calls("GET", "/users/@me")
    [identify] = server.fake.identified
    assert identify["token"] == "fake-token"
    assert identify["intents"] == discord.Intents(guilds=True, dm_messages=True).value
    reply = await server.command("li", "coffee help")  # interaction responses too
    assert reply["text"]


async def test_commands_sync_globally_by_default(server: Server) -> None:
    assert set(server.fake.synced) == {"global"}
    names = {c["name"] for c in server.fake.synced["global"]}
    assert names == {"coffee", "thanks"}


async def test_guild_ids_sync_to_those_servers_at_once(
    fake: FakeDiscord, sqlite_db: Database
) -> None:
    srv = Server(fake, sqlite_db, DISCORD_GUILD_IDS="111111111111111111, 222222222222222222")
    await srv.start()
    try:
        assert set(fake.synced) == {"111111111111111111", "222222222222222222"}
        assert {c["name"] for c in fake.synced["111111111111111111"]} == {"coffee", "thanks"}
    finally:
        await srv.stop()


async def test_the_client_can_run_sharded(fake: FakeDiscord, sqlite_db: Database) -> None:
    srv = Server(fake, sqlite_db, options(sharded=True, shard_count=1))
    assert isinstance(srv.client, ShardedWarmIntroClient)
    assert isinstance(srv.client, discord.AutoShardedClient)
    await srv.start()
    try:
        assert fake.identified[0]["shard"] == [0, 1]
        reply = await srv.command("maya", "coffee setup")
        assert "Program settings" in reply["text"]
    finally:
        await srv.stop()


async def test_run_discord_serves_until_cancelled(
    fake: FakeDiscord, sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="adapters.discord")
    owner = fake.add_user("Maya", admin=True)
    guild = fake.add_guild("Acme", owner)
    channel = fake.add_channel(guild, "coffee")
    settings = discord_settings(fake, WARMINTRO_TICK_SECONDS=1)
    task = asyncio.create_task(
        run_discord(settings, sqlite_db, clock=FakeClock(START), options=options())
    )
    await wait_until(lambda: fake.identified and "ticking every 1s" in caplog.text)
    interaction_id = "1300000000000999999"
    payload = {
        "id": interaction_id, "application_id": str(fake.app_id), "type": 2,
        "token": "tok-run", "version": 1, "attachment_size_limit": 8388608,
        "guild_id": str(guild.id), "channel_id": str(channel), "channel": fake.channels[channel],
        "member": {**guild.member_payload(owner), "permissions": "32"},
        "data": {"id": "1", "name": "coffee", "type": 1,
                 "options": [{"type": 1, "name": "help", "options": []}]},
    }  # fmt: skip
    await fake.dispatch("INTERACTION_CREATE", payload)
    await wait_until(lambda: fake.followups.get("tok-run"))
    assert "/coffee join" in fake.followups["tok-run"][0]["content"]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert "Discord client closed" in caplog.text
    await wait_until(lambda: not fake._sockets)  # the gateway connection is closed
    leftovers = [t for t in asyncio.all_tasks() if t.get_name().startswith("warmintro-")]
    assert leftovers == []


async def test_run_discord_needs_a_token(fake: FakeDiscord, sqlite_db: Database) -> None:
    settings = discord_settings(fake, DISCORD_TOKEN=None)
    with pytest.raises(ValueError, match="DISCORD_TOKEN"):
        await run_discord(settings, sqlite_db)


async def test_optional_role_sync_on_join_and_leave(fake: FakeDiscord, sqlite_db: Database) -> None:
    srv = Server(fake, sqlite_db, options(member_role="Coffee chats"))
    role = 1300000000000777777
    srv.guild.roles[role] = "Coffee chats"
    await srv.start()
    try:
        await srv.command("maya", "coffee setup")
        await srv.command("li", "coffee join")
        li = srv["li"].id
        assert fake.member_roles[(srv.guild.id, li)] == {role}
        [welcome] = fake.posted(srv.coffee)
        await srv.press("sam", welcome, "Join")
        assert fake.member_roles[(srv.guild.id, srv["sam"].id)] == {role}
        await srv.command("li", "coffee leave")
        assert fake.member_roles[(srv.guild.id, li)] == set()
    finally:
        await srv.stop()


async def test_events_for_an_unattached_client_are_ignored(fake: FakeDiscord) -> None:
    owner = fake.add_user("Maya", admin=True)
    guild = fake.add_guild("Acme", owner)
    client = create_client(discord_settings(fake), options(), guild_ready_timeout=0.01)
    runner = asyncio.create_task(client.start("fake-token"))
    await asyncio.wait_for(client.wait_until_ready(), 10)
    dm = fake.add_user("Li")
    channel = 1300000000000555555
    fake.channels[channel] = {"id": str(channel), "type": 1, "recipients": [dm.payload()]}
    await deliver(
        client, fake, "MESSAGE_CREATE", fake.message_payload(channel, dm, {"content": "hi"})
    )
    assert fake.posted(channel) == []
    assert guild.id in {g.id for g in client.guilds}
    await client.close()
    await asyncio.gather(runner, return_exceptions=True)


async def test_an_interaction_built_by_hand_runs_through_the_tree(server: Server) -> None:
    """As discord.py tests its app commands: an `Interaction` from a payload, `tree._call`."""
    payload = server._base(server["li"], server.coffee, 2)
    payload["data"] = {
        "id": "1",
        "name": "coffee",
        "type": 1,
        "options": [
            {
                "type": 1,
                "name": "help",
                "options": [{"type": 3, "name": "command", "value": "pause"}],
            }
        ],
    }
    interaction = discord.Interaction(data=payload, state=server.client._connection)
    await server.client.tree._call(interaction)
    reply = server.reply(payload)
    assert reply["type"] == "deferred" and reply["text"].startswith("`/coffee pause")
