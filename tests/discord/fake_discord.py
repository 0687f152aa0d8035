"""A small fake Discord on loopback: the REST API WarmIntro uses, and a gateway.

The discord.py client under test is pointed here with `DISCORD_API_URL` and
`DISCORD_GATEWAY_URL`, so requests go through discord.py's real HTTP stack (headers, JSON,
error codes, rate limits) and events arrive over a real websocket. Every request is recorded
(`requests`); messages, threads and interaction responses are kept per channel. Failures are
switched on per test: `dms_closed`, `thread_forbidden`, `left`, `fail_next`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import default as email_policy
from typing import Any

import discord
from aiohttp import WSMsgType, web

logger = logging.getLogger(__name__)

API = "/api/v10"
JSON = "application/json"
SNOWFLAKES = itertools.count(1_300_000_000_000_000_000)
MANAGE_GUILD = 1 << 5
EVERYONE_PERMISSIONS = (
    (1 << 10) | (1 << 11) | (1 << 31) | (1 << 38)
)  # view, send, commands, threads
ADMIN_PERMISSIONS = EVERYONE_PERMISSIONS | MANAGE_GUILD


def snowflake() -> int:
    """Like Discord's: the creation time in the high bits (code reads it, e.g. an interaction's
    age), and a counter below so ids stay unique and increasing."""
    return (discord.utils.time_snowflake(datetime.now(UTC)) & ~0x3FFFFF) | (
        next(SNOWFLAKES) & 0x3FFFFF
    )


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Recorded:
    method: str
    path: str
    json: Any
    query: dict[str, str]

    def __repr__(self) -> str:
        return f"{self.method} {self.path} {json.dumps(self.json)[:200] if self.json else ''}"


@dataclass
class FakeUser:
    id: int
    name: str
    bot: bool = False
    admin: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name.lower(),
            "global_name": self.name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
        }


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    admin_role: int = field(default_factory=snowflake)
    members: dict[int, FakeUser] = field(default_factory=dict)
    channels: list[int] = field(default_factory=list)
    roles: dict[int, str] = field(default_factory=dict)

    def role_payloads(self) -> list[dict[str, Any]]:
        def role(rid: int, name: str, perms: int, position: int) -> dict[str, Any]:
            return {
                "id": str(rid),
                "name": name,
                "permissions": str(perms),
                "position": position,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }

        out = [
            role(self.id, "@everyone", EVERYONE_PERMISSIONS, 0),
            role(self.admin_role, "Admins", ADMIN_PERMISSIONS, 2),
        ]
        out += [role(rid, name, 0, 1) for rid, name in self.roles.items()]
        return out

    def member_payload(self, user: FakeUser) -> dict[str, Any]:
        return {
            "user": user.payload(),
            "roles": [str(self.admin_role)] if user.admin else [],
            "joined_at": now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
        }


class FakeDiscord:
    def __init__(self) -> None:
        self.app_id = snowflake()
        self.bot = FakeUser(snowflake(), "WarmIntro", bot=True)
        self.users: dict[int, FakeUser] = {self.bot.id: self.bot}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.requests: list[Recorded] = []
        self.callbacks: dict[int, list[dict[str, Any]]] = {}  # interaction id → responses
        self.callback_at: dict[int, float] = {}  # interaction id → loop time of the response
        self.followups: dict[str, list[dict[str, Any]]] = {}  # token → follow-up messages
        self.synced: dict[str, list[dict[str, Any]]] = {}  # "global" / guild id → commands
        self.thread_members: dict[int, set[int]] = {}
        self.member_roles: dict[tuple[int, int], set[int]] = {}
        self.identified: list[dict[str, Any]] = []
        # switches
        self.dms_closed: set[int] = set()
        self.left: set[int] = set()  # users who left every guild
        self.thread_forbidden = False
        self.fail_next: list[tuple[str, int, dict[str, Any]]] = []  # (fragment, status, body)
        # (method, path suffix): do the work, then answer 503 as if the response was lost
        self.accept_then_fail: list[tuple[str, str]] = []
        self.resumed = 0
        self._nonces: dict[tuple[int, str], dict[str, Any]] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- world ------------------------------------------------------------------------------

    def add_user(self, name: str, *, admin: bool = False, bot: bool = False) -> FakeUser:
        user = FakeUser(snowflake(), name, bot=bot, admin=admin)
        self.users[user.id] = user
        return user

    def add_guild(self, name: str, owner: FakeUser) -> FakeGuild:
        guild = FakeGuild(snowflake(), name, owner.id)
        self.guilds[guild.id] = guild
        guild.members[self.bot.id] = self.bot
        guild.members[owner.id] = owner
        return guild

    def add_channel(self, guild: FakeGuild, name: str) -> int:
        channel_id = snowflake()
        self.channels[channel_id] = {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(guild.id),
            "name": name,
            "position": len(guild.channels),
            "permission_overwrites": [],
            "parent_id": None,
            "nsfw": False,
            "topic": None,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }
        guild.channels.append(channel_id)
        return channel_id

    def guild_payload(self, guild: FakeGuild) -> dict[str, Any]:
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "owner_id": str(guild.owner_id),
            "roles": guild.role_payloads(),
            "emojis": [],
            "stickers": [],
            "features": [],
            "channels": [self.channels[c] for c in guild.channels],
            "threads": [],
            "members": [
                guild.member_payload(u) for u in guild.members.values() if u.id == self.bot.id
            ],
            "member_count": len(guild.members),
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "unavailable": False,
            "large": False,
            "joined_at": now_iso(),
            "preferred_locale": "en-US",
        }

    def message_payload(
        self, channel_id: int, author: FakeUser, body: dict[str, Any], flags: int = 0
    ) -> dict[str, Any]:
        channel = self.channels.get(channel_id, {})
        out = {
            "id": str(snowflake()),
            "channel_id": str(channel_id),
            "author": author.payload(),
            "content": body.get("content") or "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {
                    "id": str(snowflake()),
                    "filename": f["filename"],
                    "size": len(f["content"]),
                    "url": f"https://cdn.invalid/{f['filename']}",
                    "proxy_url": f"https://cdn.invalid/{f['filename']}",
                    "content": f["content"].decode("utf-8", errors="replace"),
                }
                for f in body.get("files") or []
            ],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": flags | int(body.get("flags") or 0),
            "components": body.get("components") or [],
            "allowed_mentions": body.get("allowed_mentions"),
            "nonce": body.get("nonce"),
        }
        if channel.get("guild_id"):
            out["guild_id"] = channel["guild_id"]
        return out

    # --- what the bot did -------------------------------------------------------------------

    def posted(self, channel_id: int | str) -> list[dict[str, Any]]:
        return list(self.messages.get(int(channel_id), []))

    def dm_channel_of(self, user: FakeUser) -> int | None:
        for cid, channel in self.channels.items():
            if channel["type"] == 1 and channel["recipients"][0]["id"] == str(user.id):
                return cid
        return None

    def dms(self, user: FakeUser) -> list[dict[str, Any]]:
        cid = self.dm_channel_of(user)
        return self.posted(cid) if cid else []

    def threads(self, parent: int | None = None) -> list[dict[str, Any]]:
        return [
            c
            for c in self.channels.values()
            if c["type"] == 12 and (parent is None or c["parent_id"] == str(parent))
        ]

    def calls(self, method: str, fragment: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == method and fragment in r.path]

    # --- server -------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        app = web.Application()
        app.on_response_prepare.append(_plain_json_header)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- gateway ------------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Send a gateway event to the connected client; returns its sequence number."""
        assert self._sockets, "no client connected to the fake gateway"
        self._seq += 1
        await self._sockets[-1].send_str(
            json.dumps({"op": 0, "t": event, "s": self._seq, "d": data})
        )
        return self._seq

    async def reconnect(self, seconds: float = 5.0) -> None:
        """Ask the client to reconnect (op 7), and wait until it has resumed its session."""
        resumed = self.resumed
        await self._sockets[-1].send_str(json.dumps({"op": 7, "d": None}))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self.resumed == resumed:
            assert loop.time() < deadline, "the client did not resume"
            await asyncio.sleep(0.01)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                break
            data = json.loads(msg.data)
            if data["op"] == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif data["op"] == 2:
                self.identified.append(data["d"])
                await self._ready(ws, data["d"])
            elif data["op"] == 6:
                self._seq += 1
                await ws.send_str(json.dumps({"op": 0, "t": "RESUMED", "s": self._seq, "d": {}}))
                self.resumed += 1
        if ws in self._sockets:
            self._sockets.remove(ws)
        return ws

    async def _ready(self, ws: web.WebSocketResponse, identify: dict[str, Any]) -> None:
        self._seq += 1
        ready = {
            "v": 10,
            "user": self.bot.payload(),
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
        }
        if "shard" in identify:
            ready["shard"] = identify["shard"]
        await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": self._seq, "d": ready}))
        for guild in self.guilds.values():
            self._seq += 1
            event = {"op": 0, "t": "GUILD_CREATE", "s": self._seq, "d": self.guild_payload(guild)}
            await ws.send_str(json.dumps(event))

    # --- REST ---------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json" and raw:
                body = json.loads(raw)
            elif request.content_type == "multipart/form-data" and raw:
                body = _multipart(raw, request.headers["Content-Type"])
            elif raw:
                body = {"raw": raw[:200].decode(errors="replace")}
        self.requests.append(Recorded(request.method, path, body, dict(request.query)))
        for index, (fragment, status, error) in enumerate(self.fail_next):
            if fragment in f"{request.method} {path}":
                del self.fail_next[index]
                return _json(error, status)
        parts = path.strip("/").split("/")
        handler = getattr(self, f"_{request.method.lower()}_{_route_name(parts)}", None)
        if handler is None:
            logger.warning("fake discord: unhandled %s %s", request.method, path)
            return _error(404, 0, f"fake discord has no {request.method} {path}")
        result = await handler(parts, body or {}, request)
        for index, (method, suffix) in enumerate(self.accept_then_fail):
            if request.method == method and path.endswith(suffix):
                del self.accept_then_fail[index]
                return _error(503, 0, "upstream connect error")
        if isinstance(result, web.StreamResponse):
            return result
        if result is None:
            return web.Response(status=204)
        return web.json_response(result)

    async def _get_users_me(self, parts: list[str], body: Any, request: web.Request) -> Any:
        return self.bot.payload()

    async def _get_oauth2_applications_me(self, parts: list[str], body: Any, r: web.Request) -> Any:
        return {
            "id": str(self.app_id),
            "name": "WarmIntro",
            "icon": None,
            "description": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.users[next(iter(self.guilds.values())).owner_id].payload()
            if self.guilds
            else self.bot.payload(),
            "flags": 0,
        }

    async def _get_gateway(self, parts: list[str], body: Any, request: web.Request) -> Any:
        return {"url": self.gateway_url}

    async def _get_gateway_bot(self, parts: list[str], body: Any, request: web.Request) -> Any:
        limits = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return {"url": self.gateway_url, "shards": 1, "session_start_limit": limits}

    async def _put_applications_commands(self, parts: list[str], body: Any, r: web.Request) -> Any:
        return self._sync("global", body)

    async def _put_applications_guilds_commands(
        self, parts: list[str], body: Any, r: web.Request
    ) -> Any:
        return self._sync(parts[3], body, guild_id=parts[3])

    def _sync(self, scope: str, commands: list[dict[str, Any]], guild_id: str | None = None) -> Any:
        out = []
        for command in commands:
            synced = {**command, "id": str(snowflake()), "application_id": str(self.app_id)}
            synced.setdefault("type", 1)
            if guild_id:
                synced["guild_id"] = guild_id
            out.append(synced)
        self.synced[scope] = out
        return out

    async def _post_users_me_channels(self, parts: list[str], body: Any, r: web.Request) -> Any:
        user = self.users.get(int(body["recipient_id"]))
        if user is None:
            return _error(400, 50033, "Invalid Recipient(s)")
        existing = self.dm_channel_of(user)
        if existing is not None:
            return self.channels[existing]
        channel_id = snowflake()
        self.channels[channel_id] = {
            "id": str(channel_id),
            "type": 1,
            "recipients": [user.payload()],
            "last_message_id": None,
            "flags": 0,
        }
        return self.channels[channel_id]

    async def _get_channels(self, parts: list[str], body: Any, r: web.Request) -> Any:
        channel = self.channels.get(int(parts[1]))
        return channel if channel is not None else _error(404, 10003, "Unknown Channel")

    async def _delete_channels(self, parts: list[str], body: Any, r: web.Request) -> Any:
        channel = self.channels.pop(int(parts[1]), None)
        return channel if channel is not None else _error(404, 10003, "Unknown Channel")

    async def _post_channels_messages(self, parts: list[str], body: Any, r: web.Request) -> Any:
        channel_id = int(parts[1])
        channel = self.channels.get(channel_id)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if channel["type"] == 1:
            user = int(channel["recipients"][0]["id"])
            if user in self.dms_closed or user in self.left:
                return _error(403, 50007, "Cannot send messages to this user")
        nonce = body.get("nonce")
        if nonce and body.get("enforce_nonce") and (channel_id, nonce) in self._nonces:
            return self._nonces[(channel_id, nonce)]  # Discord returns the earlier message
        message = self.message_payload(channel_id, self.bot, body)
        self.messages.setdefault(channel_id, []).append(message)
        if nonce:
            self._nonces[(channel_id, nonce)] = message
        if channel["type"] == 12:
            channel["message_count"] += 1
        return message

    async def _get_channels_messages(self, parts: list[str], body: Any, r: web.Request) -> Any:
        limit = int(r.query.get("limit", 50))
        return list(reversed(self.messages.get(int(parts[1]), [])))[:limit]

    async def _patch_channels_messages(self, parts: list[str], body: Any, r: web.Request) -> Any:
        for message in self.messages.get(int(parts[1]), []):
            if message["id"] == parts[3]:
                message.update({k: v for k, v in body.items() if k in {"content", "components"}})
                message["edited_timestamp"] = now_iso()
                return message
        return _error(404, 10008, "Unknown Message")

    async def _post_channels_threads(self, parts: list[str], body: Any, r: web.Request) -> Any:
        parent = self.channels.get(int(parts[1]))
        if parent is None:
            return _error(404, 10003, "Unknown Channel")
        if self.thread_forbidden:
            return _error(403, 50013, "Missing Permissions")
        thread_id = snowflake()
        self.channels[thread_id] = {
            "id": str(thread_id),
            "type": body.get("type", 11),
            "guild_id": parent["guild_id"],
            "parent_id": parent["id"],
            "owner_id": str(self.bot.id),
            "name": body["name"],
            "message_count": 0,
            "member_count": 0,
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": now_iso(),
                "locked": False,
                "invitable": body.get("invitable", True),
            },
        }
        self.thread_members[thread_id] = {self.bot.id}
        return self.channels[thread_id]

    async def _put_channels_thread_members(
        self, parts: list[str], body: Any, r: web.Request
    ) -> Any:
        thread = self.channels.get(int(parts[1]))
        if thread is None:
            return _error(404, 10003, "Unknown Channel")
        user = int(parts[3])
        guild = self.guilds[int(thread["guild_id"])]
        if user not in guild.members or user in self.left:
            return _error(404, 10007, "Unknown Member")
        self.thread_members[int(parts[1])].add(user)
        thread["member_count"] = len(self.thread_members[int(parts[1])])
        return None

    async def _get_guilds(self, parts: list[str], body: Any, r: web.Request) -> Any:
        guild = self.guilds.get(int(parts[1]))
        return self.guild_payload(guild) if guild else _error(404, 10004, "Unknown Guild")

    async def _get_guilds_members(self, parts: list[str], body: Any, r: web.Request) -> Any:
        guild = self.guilds.get(int(parts[1]))
        if guild is None:
            return _error(404, 10004, "Unknown Guild")
        user = int(parts[3])
        if user not in guild.members or user in self.left:
            if user not in self.users:
                return _error(404, 10013, "Unknown User")
            return _error(404, 10007, "Unknown Member")
        return guild.member_payload(guild.members[user])

    async def _put_guilds_members_roles(self, parts: list[str], body: Any, r: web.Request) -> Any:
        self.member_roles.setdefault((int(parts[1]), int(parts[3])), set()).add(int(parts[5]))
        return None

    async def _delete_guilds_members_roles(
        self, parts: list[str], body: Any, r: web.Request
    ) -> Any:
        self.member_roles.setdefault((int(parts[1]), int(parts[3])), set()).discard(int(parts[5]))
        return None

    async def _post_interactions_callback(self, parts: list[str], body: Any, r: web.Request) -> Any:
        interaction_id = int(parts[1])
        responses = self.callbacks.setdefault(interaction_id, [])
        if responses:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        responses.append(body)
        self.callback_at[interaction_id] = asyncio.get_running_loop().time()
        kind = body["type"]
        data = body.get("data") or {}
        flags = int(data.get("flags") or 0)
        info: dict[str, Any] = {
            "id": str(interaction_id),
            "type": 2,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(flags & 64),
        }
        out: dict[str, Any] = {"interaction": info}
        if kind == 4:
            message = self.message_payload(0, self.bot, data, flags)
            self.followups.setdefault(parts[2], []).append(message)
            info["response_message_id"] = message["id"]
            out["resource"] = {"type": kind, "message": message}
        else:
            out["resource"] = {"type": kind}
        return out

    async def _post_webhooks(self, parts: list[str], body: Any, r: web.Request) -> Any:
        if len(parts) != 3 or parts[1] != str(self.app_id):
            return _error(404, 10015, "Unknown Webhook")
        message = self.message_payload(0, self.bot, body)
        message["webhook_id"] = str(self.app_id)
        self.followups.setdefault(parts[2], []).append(message)
        return message

    async def _patch_webhooks_messages(self, parts: list[str], body: Any, r: web.Request) -> Any:
        message = self.message_payload(0, self.bot, body)
        self.followups.setdefault(parts[2], []).append(message)
        return message


def _multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    """A message with files: `payload_json` holds the message, `files[n]` the files."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    parsed = BytesParser(policy=email_policy).parsebytes(head + raw)
    body: dict[str, Any] = {}
    files = []
    for part in parsed.iter_parts():
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True) or b""
        if name == "payload_json":
            body.update(json.loads(content))
        elif str(name).startswith("files["):
            files.append({"filename": part.get_filename(), "content": content})
    body["files"] = files
    return body


def _route_name(parts: list[str]) -> str:
    """`channels/123/messages/456` → `channels_messages`; `users/@me` → `users_me`."""
    names = [p.replace("@", "").replace("-", "_") for p in parts if not p.isdigit()]
    if parts[:1] in (["interactions"], ["webhooks"]):
        names = [parts[0], *(p for p in parts[3:] if not p.isdigit() and p != "@original")]
    return "_".join(n for n in names if n)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(data).encode(), status=status, content_type=JSON)


async def _plain_json_header(request: web.Request, response: web.StreamResponse) -> None:
    # discord.py parses a body only when the content type is exactly `application/json`,
    # as Discord sends it; aiohttp would add `; charset=utf-8`.
    if response.headers.get("Content-Type", "").startswith(JSON):
        response.headers["Content-Type"] = JSON


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status)
