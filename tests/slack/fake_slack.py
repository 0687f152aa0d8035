"""A fake Slack Web API on loopback: records calls, paginates, and fails on request.

slack_sdk's AsyncWebClient talks to it over real HTTP (SLACK_API_URL points here), and the
slash commands' and buttons' response_urls point here too.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientSession, web

from adapters.slack.oauth import BOT_SCOPES
from tests.slack import blockkit

TEAM = "T0001"
BOT_USER = "UBOT"
# The app's own scopes; `grant_history()` adds what in-doubt lookups need.
BASE_SCOPES = tuple(BOT_SCOPES)
HISTORY_SCOPES = ("im:history", "mpim:history", "channels:history", "groups:history")


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None


@dataclass
class Fault:
    """Answer `method` with a failure while `when(args)` holds, `times` times (-1: always).

    `mode`: "status" answers `status` with Slack's error body; "bare" answers `status` with
    no Slack body (a proxy's 502); "reset_before" drops the connection without doing the
    call; "reset_after" does the call (a post is recorded), then drops the connection;
    "slow" waits `delay` seconds, then does the call.
    """

    method: str
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    times: int = 1
    when: Callable[[dict[str, Any]], bool] = lambda _args: True
    mode: str = "status"
    delay: float = 0.0


@dataclass
class FakeSlack:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, list[str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)  # chat.postMessage (accepted)
    responses: list[dict[str, Any]] = field(default_factory=list)  # response_url posts
    faults: list[Fault] = field(default_factory=list)
    page_size: int = 7  # conversations.members: the largest page given (pages are `limit` below)
    base_url: str = ""
    _runner: web.AppRunner | None = None
    _ts: Any = field(default_factory=lambda: itertools.count(1))
    _storms: list[tuple[str, int, int]] = field(default_factory=list)  # (method, every, left)
    _counts: dict[str, int] = field(default_factory=dict)
    envelopes: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    # Seconds to wait before answering a method (a slow API; longer than the client's timeout:
    # a hang), and the order things arrived in ("post:<channel>", "response:<tag>").
    slow: dict[str, float] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    # Block Kit problems in what the app sent (tests/slack/blockkit.py); fixtures fail on any.
    violations: list[str] = field(default_factory=list)
    scopes: set[str] = field(default_factory=lambda: set(BASE_SCOPES))  # x-oauth-scopes
    latency: dict[str, tuple[float, float]] = field(default_factory=dict)  # method → (lo, hi)
    # Called with each call as it arrives, and with each accepted post before it is answered
    # (e.g. to kill the app right then).
    on_call: Callable[[Call], Awaitable[None] | None] | None = None
    on_post: Callable[[dict[str, Any]], Awaitable[None] | None] | None = None
    _last_ts: float = 0.0
    # Slack's tiers, enforced: method → (calls per second, burst); a call without a token gets
    # a 429 with Retry-After (whole seconds, as Slack sends it). Counted in `rate_limited`.
    limits: dict[str, tuple[float, float]] = field(default_factory=dict)
    rate_limited: dict[str, int] = field(default_factory=dict)
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # (tokens, at)
    # Files shared with files.uploadV2 (filename, content bytes, channel, thread_ts, title).
    files: list[dict[str, Any]] = field(default_factory=list)
    _uploads: dict[str, dict[str, Any]] = field(default_factory=dict)

    # --- setup --------------------------------------------------------------------------------

    def add_user(self, user_id: str, name: str | None = None, **extra: Any) -> None:
        self.users[user_id] = {
            "id": user_id,
            "name": (name or user_id).lower(),
            "real_name": name or user_id,
            "profile": {"display_name": name or user_id, "real_name": name or user_id},
            "deleted": False,
            "is_bot": False,
            "is_admin": False,
            "tz": "Europe/Berlin",
            "tz_offset": 3600,
            **extra,
        }

    def grant_history(self, granted: bool = True) -> None:
        """Give the bot token the history scopes (or take them away)."""
        if granted:
            self.scopes.update(HISTORY_SCOPES)
        else:
            self.scopes.difference_update(HISTORY_SCOPES)

    def storm(self, method: str, every: int, count: int) -> None:
        """Every `every`-th call of `method` gets a 429 (Retry-After: 0), `count` times in all."""
        self._storms.append((method, every, count))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{tag}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return self.base_url + "api/"

    def response_url(self, tag: str) -> str:
        return f"{self.base_url}response/{tag}"

    # --- queries for tests --------------------------------------------------------------------

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def posts_to(self, channel: str) -> list[dict[str, Any]]:
        return [p for p in self.posts if p["channel"] == channel]

    async def wait_for(self, check: Callable[[], Any], seconds: float = 20.0) -> Any:
        """Poll until `check()` is truthy (background work after an ack), or fail."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            await asyncio.sleep(0.02)
        raise AssertionError("timed out waiting for the Slack app")

    # --- the API ------------------------------------------------------------------------------

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") or args.get("token")
        self.calls.append(Call(method, args, token))
        self.violations += blockkit.check(method, args)
        self._counts[method] = self._counts.get(method, 0) + 1
        if self.slow.get(method):
            await asyncio.sleep(self.slow[method])
        if self.on_call is not None:
            outcome = self.on_call(self.calls[-1])
            if outcome is not None:
                await outcome
        headers = {"x-oauth-scopes": ",".join(sorted(self.scopes))}
        wait = self._over_limit(method)
        if wait is not None:
            self.rate_limited[method] = self.rate_limited.get(method, 0) + 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(math.ceil(wait)), **headers},
            )
        for i, (name, every, left) in enumerate(self._storms):
            if name == method and left > 0 and self._counts[method] % every == 0:
                self._storms[i] = (name, every, left - 1)
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": "0", **headers},
                )
        if method in self.latency:
            await asyncio.sleep(random.uniform(*self.latency[method]))
        after: Fault | None = None
        for fault in self.faults:
            if fault.method == method and fault.times != 0 and fault.when(args):
                fault.times -= 1 if fault.times > 0 else 0
                if fault.mode == "reset_before":
                    return self._reset(request)
                if fault.mode in {"reset_after", "slow"}:
                    after = fault
                    break
                if fault.mode == "bare":
                    return web.Response(status=fault.status, text="<html>Bad Gateway</html>")
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
                body = {"ok": False, "error": fault.error or f"http_{fault.status}"}
                return web.json_response(body, status=fault.status, headers=headers)
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if after is not None and after.mode == "slow":
            await asyncio.sleep(after.delay)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"}, headers=headers)
        result = handler(args)
        if method == "chat.postMessage" and result.get("ok") and self.on_post is not None:
            outcome = self.on_post(self.posts[-1])
            if outcome is not None:
                await outcome
        if after is not None and after.mode == "reset_after":
            return self._reset(request)
        return web.json_response(result, headers=headers)

    def _over_limit(self, method: str) -> float | None:
        """None when `method` has a token now; else the seconds until it will."""
        if method not in self.limits:
            return None
        rate, burst = self.limits[method]
        now = time.monotonic()
        tokens, at = self._buckets.get(method, (burst, now))
        tokens = min(burst, tokens + (now - at) * rate)
        if tokens >= 1.0:
            self._buckets[method] = (tokens - 1.0, now)
            return None
        self._buckets[method] = (tokens, now)
        return (1.0 - tokens) / rate

    @staticmethod
    def _reset(request: web.Request) -> web.Response:
        """Drop the connection: the client sees it close without an answer."""
        assert request.transport is not None
        request.transport.abort()
        return web.Response(status=500)

    async def _response(self, request: web.Request) -> web.Response:
        self.record_response(request.match_info["tag"], await request.json(), "response_url")
        return web.Response(text="ok")

    def record_response(self, tag: str, body: dict[str, Any], via: str) -> None:
        """A reply to a command or button: POSTed to its response_url, or (`via="ack"`) the
        message carried by the HTTP answer to a slash command, which Slack shows the same way."""
        self.violations += blockkit.check(via, body)
        self.responses.append({"tag": tag, "via": via, **body})
        self.events.append("response:" + tag)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, push queued envelopes, record the app's acks."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})

        async def push() -> None:
            while not ws.closed:
                await ws.send_json(await self.envelopes.get())

        pusher = asyncio.create_task(push())
        try:
            async for message in ws:
                if message.type == web.WSMsgType.TEXT:
                    self.socket_acks.append(json.loads(message.data))
        finally:
            pusher.cancel()
        return ws

    def api_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.base_url.replace("http", "ws") + "socket"}

    def _ts_next(self) -> str:
        """Real time, as Slack's are (in-doubt lookups search from a time), and unique."""
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack/",
            "team": "Fake",
            "user": "warmintro",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": "B0001",
            "is_enterprise_install": False,
        }

    def api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}

    def api_conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        members = self.channels.get(str(args.get("channel")))
        if members is None:
            return {"ok": False, "error": "channel_not_found"}
        start = int(args.get("cursor") or 0)
        size = min(int(args.get("limit") or self.page_size), self.page_size)  # as asked, capped
        page = members[start : start + size]
        more = start + size < len(members)
        meta = {"next_cursor": str(start + size) if more else ""}
        return {"ok": True, "members": page, "response_metadata": meta}

    def api_users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        wanted = str(args.get("email") or "").casefold()
        for user in self.users.values():
            if str(user.get("profile", {}).get("email") or "").casefold() == wanted:
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}

    def api_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(args.get("users") or "").split(",") if u]
        for user in users:
            if user not in self.users:
                return {"ok": False, "error": "user_not_found"}
            if self.users[user].get("deleted"):
                return {"ok": False, "error": "user_disabled"}
        if len(users) > 8:  # a group DM holds at most 8 people besides the bot
            return {"ok": False, "error": "too_many_users"}
        if len(users) == 1:
            return {"ok": True, "channel": {"id": "D" + users[0]}}
        digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
        return {"ok": True, "channel": {"id": "G" + digest, "members": users}}

    def api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel"))
        if channel.startswith("C") and channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        ts = self._ts_next()
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        metadata = args.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        self.posts.append(
            {
                "channel": channel,
                "ts": ts,
                "text": args.get("text"),
                "blocks": blocks or [],
                "metadata": metadata,
            }
        )
        self.events.append("post:" + channel)
        return {"ok": True, "channel": channel, "ts": ts}

    def api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._ts_next()}

    def api_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """The conversation's messages since `oldest`, newest first, paginated."""
        channel = str(args.get("channel"))
        needed = {"D": "im:history", "C": "channels:history"}.get(channel[:1], "mpim:history")
        if needed not in self.scopes and not (
            channel.startswith("C") and "groups:history" in self.scopes
        ):
            return {"ok": False, "error": "missing_scope", "needed": needed}
        oldest = float(args.get("oldest") or 0)
        with_metadata = str(args.get("include_all_metadata")).lower() in {"1", "true"}
        messages = [
            {
                "type": "message",
                "ts": p["ts"],
                "text": p["text"],
                "bot_id": "B0001",
                **({"metadata": p["metadata"]} if with_metadata and p["metadata"] else {}),
            }
            for p in reversed(self.posts)
            if p["channel"] == channel and float(p["ts"]) > oldest
        ]
        limit = int(args.get("limit") or 100)
        start = int(args.get("cursor") or 0)
        page = messages[start : start + limit]
        more = start + limit < len(messages)
        meta = {"next_cursor": str(start + limit) if more else ""}
        return {"ok": True, "messages": page, "has_more": more, "response_metadata": meta}

    # files.uploadV2 = files.getUploadURLExternal, a POST of the bytes, completeUploadExternal.
    def api_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{len(self.files) + len(self._uploads) + 1:05d}"
        self._uploads[file_id] = {"filename": args.get("filename"), "content": b""}
        return {"ok": True, "upload_url": f"{self.base_url}upload/{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self._uploads:
            return web.Response(status=404)
        self._uploads[file_id]["content"] = await request.read()
        return web.Response(text="OK - " + str(len(self._uploads[file_id]["content"])))

    def api_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        raw = args.get("files")
        listed = json.loads(raw) if isinstance(raw, str) else (raw or [])
        done = []
        for item in listed:
            upload = self._uploads.pop(item["id"], None)
            if upload is None:
                return {"ok": False, "error": "file_not_found"}
            upload.update(
                id=item["id"],
                title=item.get("title"),
                channel=args.get("channel_id"),
                thread_ts=args.get("thread_ts"),
            )
            self.files.append(upload)
            done.append({"id": item["id"], "title": item.get("title")})
        return {"ok": True, "files": done}

    def api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}

    def api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "V1"}}

    def api_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": args.get("view_id")}}

    def api_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "VP"}}

    def api_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "VH"}}

    def api_oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("code") != "good-code":
            return {"ok": False, "error": "invalid_code"}
        return {
            "ok": True,
            "app_id": "A0001",
            "authed_user": {"id": "U0001"},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": "xoxb-oauth-token",
            "bot_user_id": BOT_USER,
            "team": {"id": TEAM, "name": "Fake"},
            "enterprise": None,
            "is_enterprise_install": False,
        }


def signed_headers(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


class SlackClient:
    """Sends correctly signed requests into the app, as Slack would."""

    def __init__(self, url: str, secret: str, fake: FakeSlack) -> None:
        self.url = url
        self.secret = secret
        self.fake = fake
        self.session = ClientSession()
        self._tags = itertools.count(1)

    async def close(self) -> None:
        await self.session.close()

    async def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        hdrs = {
            "Content-Type": content_type,
            **(headers if headers is not None else signed_headers(self.secret, body)),
        }
        async with self.session.post(self.url, data=body.encode(), headers=hdrs) as response:
            return response.status, await response.text()

    def record_ack(self, tag: str, answer: str) -> None:
        """A slash command's HTTP answer: a message in it is the reply (Slack shows it)."""
        if answer.strip():
            self.fake.record_response(tag, json.loads(answer), "ack")

    async def command(self, command: str, text: str, user: str, channel: str = "C0001") -> str:
        """Send a slash command; returns the response_url tag to wait on."""
        tag = f"r{next(self._tags)}"
        body = urlencode(
            {
                "token": "legacy",
                "team_id": TEAM,
                "channel_id": channel,
                "user_id": user,
                "command": command,
                "text": text,
                "response_url": self.fake.response_url(tag),
                "trigger_id": "trig",
                "api_app_id": "A0001",
            }
        )
        status, answer = await self.post(body, "application/x-www-form-urlencoded")
        assert status == 200
        self.record_ack(tag, answer)
        return tag

    async def reply(self, tag: str) -> dict[str, Any]:
        return await self.fake.wait_for(
            lambda: next((r for r in self.fake.responses if r["tag"] == tag), None)
        )

    async def event(self, event: dict[str, Any]) -> int:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": TEAM,
                "api_app_id": "A0001",
                "type": "event_callback",
                "event_id": f"Ev{next(self._tags)}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
                "event": event,
            }
        )
        status, _ = await self.post(body, "application/json")
        return status

    async def action(
        self,
        user: str,
        action_id: str,
        channel: str | None = None,
        view: dict[str, Any] | None = None,
    ) -> str:
        tag = f"a{next(self._tags)}"
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0001",
            "trigger_id": f"trig-{tag}",
            "actions": [
                {"action_id": action_id, "block_id": "b", "type": "button", "value": action_id}
            ],
        }
        if channel:
            payload["channel"] = {"id": channel}
            payload["container"] = {"type": "message", "channel_id": channel}
            payload["response_url"] = self.fake.response_url(tag)
        if view:
            payload["view"] = view
        status, _ = await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )
        assert status == 200
        return tag

    async def submit(
        self, user: str, view: dict[str, Any], values: dict[str, Any]
    ) -> tuple[int, str]:
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0001",
            "trigger_id": "trig",
            "view": {**view, "id": "V1", "state": {"values": values}},
        }
        return await self.post(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )
