"""The Discord test harness: a real WarmIntro core and discord.py client against a fake Discord.

`Server` connects a `WarmIntroClient` (built by `create_client` with `DISCORD_API_URL` and
`DISCORD_GATEWAY_URL` pointing at `FakeDiscord`) through the gateway. Slash commands, button
presses and modal submits are real interaction payloads sent as `INTERACTION_CREATE` events, so
discord.py builds the `discord.Interaction` and dispatches it through the command tree and the
view store exactly as in production. The core runs on a migrated SQLite file with a fake clock.
"""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

from adapters.discord import DiscordOptions, DiscordPlatform, WarmIntroClient, create_client
from bot.app import WarmIntro
from bot.background import TASK_PREFIX
from bot.bootstrap import build_app
from bot.clock import FakeClock
from bot.config import Settings
from storage.engine import Database
from tests.conftest import START
from tests.discord.fake_discord import (
    ADMIN_PERMISSIONS,
    EVERYONE_PERMISSIONS,
    FakeDiscord,
    FakeGuild,
    FakeUser,
    snowflake,
)

TOKEN = "fake-token"
# Tasks that carry an event or interaction to completion (never the long-lived ones).
_EVENT_TASKS = (
    "discord.py: ",
    "CommandTree-invoker",
    "discord-ui-view-dispatch",
    "discord-ui-dynamic-item",
    "discord-ui-modal-dispatch",
    TASK_PREFIX,  # what the core does after answering (deliveries, a round's intros)
)


def discord_settings(fake: FakeDiscord, **extra: Any) -> Settings:
    values = {
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def settle(seconds: float = 10.0) -> None:
    """Wait until every event/interaction task discord.py started has finished."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    me = asyncio.current_task()
    while True:
        pending = [
            t
            for t in asyncio.all_tasks()
            if t is not me and not t.done() and t.get_name().startswith(_EVENT_TASKS)
        ]
        if not pending:
            return
        remaining = deadline - loop.time()
        assert remaining > 0, f"tasks still running: {[t.get_name() for t in pending]}"
        await asyncio.wait(pending, timeout=remaining)


async def wait_until(predicate: Any, seconds: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


async def deliver(client: Any, fake: FakeDiscord, name: str, data: dict[str, Any]) -> None:
    """Send a gateway event and wait until the client has handled it to the end."""
    # discord.py signals `socket_event_type` just before it parses the event (synchronously,
    # in the same step), so once this resolves every task the event starts exists.
    received = asyncio.ensure_future(
        client.wait_for("socket_event_type", check=lambda kind: kind == name, timeout=5)
    )
    await asyncio.sleep(0)
    await fake.dispatch(name, data)
    await received
    await settle()


class Server:
    """One Discord server ("guild") with a #coffee and a #kudos channel, and its people."""

    def __init__(
        self,
        fake: FakeDiscord,
        db: Database,
        options: DiscordOptions | None = None,
        **settings: Any,
    ) -> None:
        self.fake = fake
        self.db = db
        self.owner = fake.add_user("Maya", admin=True)
        self.guild: FakeGuild = fake.add_guild("Acme", self.owner)
        self.coffee = fake.add_channel(self.guild, "coffee")
        self.kudos = fake.add_channel(self.guild, "kudos")
        self.people: dict[str, FakeUser] = {"maya": self.owner}
        for name in ("Li", "Sam", "Noor", "Ola"):
            self.add_person(name)
        self.clock = FakeClock(START)
        self.settings = discord_settings(fake, **settings)
        self.options = options or DiscordOptions()
        self.client: WarmIntroClient = create_client(
            self.settings, self.options, guild_ready_timeout=0.01
        )
        self.platform = DiscordPlatform(self.client)
        self.app: WarmIntro = build_app(
            db, self.platform, self.clock, self.settings, random.Random(3)
        )
        self.client.attach(self.app)
        self._runner: asyncio.Task[None] | None = None

    def fresh_app(self, seed: int = 5) -> WarmIntro:
        """A second process on the same database (a restart, or a replica)."""
        return build_app(self.db, self.platform, self.clock, self.settings, random.Random(seed))

    def add_person(self, name: str, *, admin: bool = False) -> FakeUser:
        user = self.fake.add_user(name, admin=admin)
        self.guild.members[user.id] = user
        self.people[name.lower()] = user
        return user

    def __getitem__(self, name: str) -> FakeUser:
        return self.people[name]

    async def start(self) -> None:
        self._runner = asyncio.create_task(self.client.start(TOKEN), name="test-client")
        ready = asyncio.create_task(self.client.wait_until_ready())
        await asyncio.wait({self._runner, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if self._runner.done():
            ready.cancel()
            self._runner.result()  # raises what went wrong
        assert ready.done(), "the client did not get ready"

    async def stop(self) -> None:
        await self.client.close()
        if self._runner is not None:
            await asyncio.gather(self._runner, return_exceptions=True)

    # --- sending events -----------------------------------------------------------------------

    async def event(self, name: str, data: dict[str, Any]) -> None:
        """A gateway event, handled to the end (every task it started has finished)."""
        await deliver(self.client, self.fake, name, data)

    def _base(self, user: FakeUser, channel: int | None, kind: int) -> dict[str, Any]:
        interaction_id = snowflake()
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.fake.app_id),
            "type": kind,
            "token": f"tok-{interaction_id}",
            "version": 1,
            "locale": "en-US",
            "attachment_size_limit": 8 * 1024 * 1024,
            "entitlements": [],
            "app_permissions": str(ADMIN_PERMISSIONS),
        }
        if channel is not None and self.fake.channels[channel]["type"] != 1:
            member = self.guild.member_payload(user)
            member["permissions"] = str(ADMIN_PERMISSIONS if user.admin else EVERYONE_PERMISSIONS)
            payload.update(
                guild_id=str(self.guild.id),
                guild_locale="en-US",
                channel_id=str(channel),
                channel=self.fake.channels[channel],
                member=member,
                context=0,
                authorizing_integration_owners={"0": str(self.guild.id)},
            )
        else:
            dm = channel or self.fake.dm_channel_of(user)
            payload.update(user=user.payload(), context=1)
            if dm is not None:
                payload.update(channel_id=str(dm), channel=self.fake.channels[dm])
        return payload

    async def command(
        self, user: str, line: str, in_channel: int | None = None, **options: Any
    ) -> dict[str, Any]:
        """`/coffee join` or `/thanks` with options; returns the ephemeral reply."""
        words = line.lstrip("/").split()
        who = self.people[user]
        resolved: dict[str, Any] = {"users": {}, "members": {}, "channels": {}}
        opts = []
        for name, value in options.items():
            name = name.replace("_", "-") if name == "thanks_channel" else name
            if isinstance(value, FakeUser):
                resolved["users"][str(value.id)] = value.payload()
                member = self.guild.member_payload(value)
                member.pop("user")
                member["permissions"] = str(EVERYONE_PERMISSIONS)
                resolved["members"][str(value.id)] = member
                opts.append({"type": 6, "name": name, "value": str(value.id)})
            elif isinstance(value, bool):
                opts.append({"type": 5, "name": name, "value": value})
            elif isinstance(value, int):
                opts.append({"type": 4, "name": name, "value": value})
            elif isinstance(value, ChannelOption):
                resolved["channels"][str(value.id)] = {
                    **self.fake.channels[value.id],
                    "permissions": str(ADMIN_PERMISSIONS),
                }
                opts.append({"type": 7, "name": name, "value": str(value.id)})
            else:
                opts.append({"type": 3, "name": name, "value": value})
        data: dict[str, Any] = {"id": str(snowflake()), "name": words[0], "type": 1}
        if len(words) > 1:
            data["options"] = [{"type": 1, "name": words[1], "options": opts}]
        else:
            data["options"] = opts
        if any(resolved.values()):
            data["resolved"] = {k: v for k, v in resolved.items() if v}
        payload = self._base(who, in_channel or self.coffee, 2)
        payload["data"] = data
        await self.event("INTERACTION_CREATE", payload)
        return self.reply(payload)

    async def autocomplete(self, user: str, line: str, option: str, typed: str) -> list[str]:
        words = line.lstrip("/").split()
        payload = self._base(self.people[user], self.coffee, 4)
        payload["data"] = {
            "id": str(snowflake()),
            "name": words[0],
            "type": 1,
            "options": [
                {
                    "type": 1,
                    "name": words[1],
                    "options": [{"type": 3, "name": option, "value": typed, "focused": True}],
                }
            ],
        }
        await self.event("INTERACTION_CREATE", payload)
        response = self.fake.callbacks[int(payload["id"])][0]
        assert response["type"] == 8
        return [c["value"] for c in response["data"]["choices"]]

    async def press(self, user: str, message: dict[str, Any], label: str) -> dict[str, Any]:
        """Press the button labelled `label` on a message the bot sent."""
        custom_id = button(message, label)["custom_id"]
        channel_id = int(message["channel_id"]) if message["channel_id"] != "0" else None
        payload = self._base(self.people[user], channel_id, 3)
        payload["message"] = message
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        await self.event("INTERACTION_CREATE", payload)
        return self.reply(payload)

    async def submit(self, user: str, modal: dict[str, Any], **values: Any) -> dict[str, Any]:
        """Submit a modal the bot opened (its callback `data`) with field values."""
        who = self.people[user]
        components = []
        resolved: dict[str, Any] = {"users": {}, "members": {}}
        for label in modal["components"]:
            inner = label["component"]
            custom_id = inner["custom_id"]
            if inner["type"] == 5:  # user select
                chosen = values.get(custom_id)
                if chosen is None:
                    chosen = [
                        self.fake.users[int(d["id"])] for d in inner.get("default_values", [])
                    ]
                for person in chosen:
                    resolved["users"][str(person.id)] = person.payload()
                    member = self.guild.member_payload(person)
                    member.pop("user")
                    resolved["members"][str(person.id)] = member
                component = {
                    "type": 5,
                    "custom_id": custom_id,
                    "values": [str(p.id) for p in chosen],
                }
            elif inner["type"] == 23:  # checkbox
                component = {
                    "type": 23,
                    "custom_id": custom_id,
                    "value": bool(values.get(custom_id)),
                }
            else:
                component = {"type": 4, "custom_id": custom_id, "value": values.get(custom_id, "")}
            components.append({"type": 18, "id": label.get("id", 0), "component": component})
        payload = self._base(who, modal.get("_channel"), 5)
        payload["data"] = {"custom_id": modal["custom_id"], "components": components}
        if resolved["users"]:
            payload["data"]["resolved"] = resolved
        await self.event("INTERACTION_CREATE", payload)
        return self.reply(payload)

    async def dm(self, user: str, text: str) -> list[dict[str, Any]]:
        """`user` writes to the bot by DM; returns what the bot sent back in that DM."""
        who = self.people[user]
        channel = self.fake.dm_channel_of(who)
        if channel is None:
            channel = snowflake()
            self.fake.channels[channel] = {
                "id": str(channel), "type": 1, "recipients": [who.payload()], "flags": 0,
                "last_message_id": None,
            }  # fmt: skip
        before = len(self.fake.posted(channel))
        message = self.fake.message_payload(channel, who, {"content": text})
        await self.event("MESSAGE_CREATE", message)
        return self.fake.posted(channel)[before:]

    def reply(self, payload: dict[str, Any]) -> dict[str, Any]:
        """How the bot answered an interaction: the callback plus any follow-ups."""
        callbacks = self.fake.callbacks.get(int(payload["id"]), [])
        followups = [
            {**m, "channel_id": payload.get("channel_id", "0")}
            for m in self.fake.followups.get(payload["token"], [])
        ]
        first = callbacks[0] if callbacks else None
        texts = [m["content"] for m in followups]
        if first and first["type"] == 9:
            modal = dict(first["data"])
            modal["_channel"] = int(payload["channel_id"]) if "channel_id" in payload else None
            return {"type": "modal", "modal": modal, "text": ""}
        return {
            "type": {4: "message", 5: "deferred"}.get(first["type"], str(first["type"]))
            if first
            else None,
            "ephemeral": bool(first and int((first.get("data") or {}).get("flags") or 0) & 64),
            "text": "\n".join(texts),
            "messages": followups,
        }

    # --- time ---------------------------------------------------------------------------------

    async def advance(self, delta: timedelta, step: timedelta = timedelta(hours=1)) -> None:
        remaining = delta
        while remaining > timedelta():
            jump = min(step, remaining)
            self.clock.advance(jump)
            remaining -= jump
            await self.app.tick()

    # --- setting up a program quickly ---------------------------------------------------------

    async def program(self, people: list[str], purpose: str | None = None) -> None:
        """Maya sets up #coffee, and `people` join and answer the interview."""
        options = {"purpose": purpose} if purpose else {}
        reply = await self.command("maya", "coffee setup", **options)
        assert "Program settings" in reply["text"], reply
        for name in people:
            joined = await self.command(name, "coffee join")
            assert "You're in" in joined["text"], joined
            await self.dm(name, f"{name} things, climbing")
            await self.dm(name, "python")
            await self.dm(name, "design")


class ChannelOption:
    def __init__(self, channel_id: int) -> None:
        self.id = channel_id


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in message.get("components") or [] for c in row.get("components", [])]


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    for candidate in buttons(message):
        if candidate.get("label", "").lower().startswith(label.lower()):
            return candidate
    raise AssertionError(f"no button {label!r} in {[b.get('label') for b in buttons(message)]}")
