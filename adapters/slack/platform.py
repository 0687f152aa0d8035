"""The `Platform` port on Slack's Web API (slack_sdk's AsyncWebClient)."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from adapters.slack.http import SessionClient, SharedSession
from adapters.slack.ratelimit import RateLimiter
from bot import metrics
from bot.messages import Attachment, Message
from bot.ports import (
    DMS_CLOSED,
    CannotLook,
    ChannelTarget,
    ConversationTarget,
    DirectTarget,
    GroupTarget,
    InDoubt,
    PlatformError,
    RecipientsUnavailable,
    SentRef,
    Target,
    UserInfo,
)

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
USER_CACHE_SECONDS = 600
# Slack errors that mean "this person can't be reached"; the round goes on without them.
PERSON_ERRORS = {"user_not_found", "user_disabled", "account_inactive", "users_not_found"}
RETRYABLE_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable"}

TokenLookup = Callable[[str], Awaitable[str | None]]

# Calls that act each time they arrive: never retried after the request may have gone out.
NON_IDEMPOTENT = frozenset(
    {"chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage", "views.open", "views.push"}
)
# Errors after which Slack may have done part of the work (its docs say so).
MAYBE_DONE_ERRORS = {"internal_error", "fatal_error"}
# Every post carries its delivery key as message metadata, so an in-doubt post can be found.
METADATA_EVENT = "warmintro_delivery"
SCOPE_CACHE_SECONDS = 600
CLOCK_SKEW_SECONDS = 60  # look this much further back than the claim: Slack's clock isn't ours
HISTORY_PAGES = 20


MAX_RETRY_AFTER = 30.0  # seconds one call may wait for Slack; longer: the outbox retries later


def _retry_after(response: Any) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return max(0.0, float(values[0]))
            except ValueError:
                return 1.0
    return 1.0


class RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """Wait exactly what Slack asks (Retry-After) plus a jitter proportional to it.

    slack_sdk's own handler adds up to a second to every wait, which makes a burst of 429s
    with `Retry-After: 0` or `1` take far longer than Slack asked for. A wait longer than
    `MAX_RETRY_AFTER` is not done here: the call fails as retryable and the outbox tries again
    later, so no single send outlives the outbox's lease.
    """

    async def can_retry_async(  # type: ignore[override]
        self, *, state: Any, request: Any, response: Any = None, error: Exception | None = None
    ) -> bool:
        if error is None and response is not None and response.status_code == 429:
            metrics.rate_limited("slack", api_method(request))  # every 429, retried or not
        return await super().can_retry_async(
            state=state, request=request, response=response, error=error
        )

    async def _can_retry_async(  # type: ignore[override]
        self, *, state: Any, request: Any, response: Any = None, error: Exception | None = None
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return _retry_after(response) <= MAX_RETRY_AFTER

    async def prepare_for_next_attempt_async(  # type: ignore[override]
        self, *, state: Any, request: Any, response: Any = None, error: Exception | None = None
    ) -> None:
        if response is None:
            raise error  # type: ignore[misc]
        state.next_attempt_requested = True
        await asyncio.sleep(_retry_after(response) * (1 + 0.1 * random.random()))
        state.increment_current_attempt()


def api_method(request: Any) -> str:
    return str(getattr(request, "url", "")).rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]


class IdempotentServerErrorRetry(AsyncServerErrorRetryHandler):
    """5xx → retry, except calls that act each time (a post may have gone through)."""

    async def _can_retry_async(  # type: ignore[override]
        self, *, state: Any, request: Any, response: Any = None, error: Exception | None = None
    ) -> bool:
        if api_method(request) in NON_IDEMPOTENT:
            return False
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


class IdempotentConnectionErrorRetry(AsyncConnectionErrorRetryHandler):
    """Connection errors → retry; a call that acts each time only if it never connected."""

    async def _can_retry_async(  # type: ignore[override]
        self, *, state: Any, request: Any, response: Any = None, error: Exception | None = None
    ) -> bool:
        if api_method(request) in NON_IDEMPOTENT:
            return isinstance(error, aiohttp.ClientConnectorError)
        return await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


def retry_handlers(rate_limit_retries: int = 6) -> list[Any]:
    """429 → wait Retry-After (several times); 5xx and connection errors → retry with backoff,
    but never a post whose request may have arrived (see `NON_IDEMPOTENT`)."""
    return [
        RateLimitRetry(max_retry_count=rate_limit_retries),
        IdempotentServerErrorRetry(max_retry_count=3),
        IdempotentConnectionErrorRetry(max_retry_count=3),
    ]


RATE_LIMIT_RETRIES = 6  # 429s one call waits out (Retry-After each) before giving up


class LimitedClient(SessionClient):
    """A client whose every call takes a token from the process's `RateLimiter` first; a 429
    pauses the method's bucket for Retry-After (every caller waits it out) and tries again."""

    def __init__(self, *, limiter: RateLimiter, workspace: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limiter = limiter
        self.workspace = workspace

    async def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        channel = _channel_of(kwargs)
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            await self.limiter.acquire(self.workspace, api_method, channel)
            try:
                return await super().api_call(api_method, **kwargs)
            except SlackApiError as exc:
                response = exc.response
                if getattr(response, "status_code", 0) != 429 or attempt == RATE_LIMIT_RETRIES:
                    raise
                wait = _retry_after(response)
                if wait > MAX_RETRY_AFTER:  # the outbox tries again later
                    raise
                self.limiter.pause(self.workspace, api_method, wait, channel)
        raise AssertionError("unreachable")  # pragma: no cover


def _channel_of(kwargs: dict[str, Any]) -> str | None:
    for part in ("json", "params", "data"):
        args = kwargs.get(part)
        if isinstance(args, dict) and args.get("channel"):
            return str(args["channel"])
    return None


def make_client(
    token: str | None,
    base_url: str | None,
    limiter: RateLimiter | None = None,
    workspace: str | None = None,
    shared: SharedSession | None = None,
) -> AsyncWebClient:
    """A Web API client; with a `limiter`, every call waits for its token (see ratelimit);
    with `shared`, every call goes through the process's one aiohttp session."""
    if limiter is not None and workspace is not None:
        return LimitedClient(
            limiter=limiter,
            workspace=workspace,
            shared=shared,
            token=token,
            base_url=base_url or DEFAULT_API_URL,
            retry_handlers=retry_handlers(rate_limit_retries=0),
            timeout=30,
        )
    return SessionClient(
        shared=shared,
        token=token,
        base_url=base_url or DEFAULT_API_URL,
        retry_handlers=retry_handlers(),
        timeout=30,
    )


class SlackPlatform:
    name = "slack"
    pool_is_channel = True
    # conversations.open takes at most 8 people (plus the bot): `size` is capped at 7 here.
    max_group_members = 8

    def __init__(
        self,
        token_for: TokenLookup,
        base_url: str | None = None,
        limiter: RateLimiter | None = None,
        shared: SharedSession | None = None,
    ) -> None:
        self._token_for = token_for
        self.base_url = base_url or DEFAULT_API_URL
        # One aiohttp session (kept-alive connections) for every call of the process.
        self.shared = shared or SharedSession()
        # One limiter for every call this process makes through the platform (all workspaces).
        self.limiter = limiter or RateLimiter()
        self._clients: dict[str, AsyncWebClient] = {}
        self._users: dict[tuple[str, str], tuple[float, UserInfo | None]] = {}
        self._scopes: dict[str, tuple[float, frozenset[str]]] = {}

    async def installed(self, workspace_id: str) -> bool:
        """Whether the app has a bot token for the workspace (cached by the lookup)."""
        return bool(workspace_id) and await self._token_for(workspace_id) is not None

    async def client(self, workspace_id: str) -> AsyncWebClient:
        token = await self._token_for(workspace_id)
        if token is None:
            raise PlatformError(f"no installation for workspace {workspace_id}")
        client = self._clients.get(workspace_id)
        if client is None or client.token != token:
            client = self._clients[workspace_id] = make_client(
                token, self.base_url, self.limiter, workspace_id, self.shared
            )
        return client

    # --- Platform ------------------------------------------------------------------------------

    async def send(
        self, workspace_id: str, target: Target, message: Message, *, key: str | None = None
    ) -> SentRef:
        """Post `message`, tagged with its delivery `key` (message metadata).

        Slack has no idempotent post: when the answer is lost (connection dropped or timed out
        after the request went out, a 5xx that doesn't say, `internal_error`) this raises
        `InDoubt`, and the outbox resolves it with `find_sent` before posting again.
        """
        client = await self.client(workspace_id)
        channel = await self._conversation(client, workspace_id, target)
        args = render.post_args(message)
        if key:
            args["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
        try:
            response = await client.chat_postMessage(channel=channel, **args)
        except SlackApiError as exc:
            if _maybe_done(exc):
                raise InDoubt(f"chat.postMessage: {_error(exc)}") from exc
            raise _platform_error(exc) from exc
        except aiohttp.ClientConnectorError as exc:  # never connected: nothing was sent
            raise PlatformError(f"connection: {exc}", retryable=True) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise InDoubt(f"chat.postMessage: {type(exc).__name__}: {exc}") from exc
        self._note_scopes(workspace_id, response)
        ref = SentRef(response["channel"], response["ts"])
        for attachment in message.attachments:
            await self._attach(client, ref, attachment)
        return ref

    async def _attach(self, client: AsyncWebClient, ref: SentRef, attachment: Attachment) -> None:
        """Upload a file into the message's thread (files.uploadV2, the `files:write` scope).

        The message itself has landed: a failed upload is logged, never retried as a re-post."""
        try:
            await client.files_upload_v2(
                channel=ref.conversation_id,
                thread_ts=ref.message_id,
                content=attachment.content,
                filename=attachment.filename,
                title=attachment.filename,
            )
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            logger.warning("%s: uploading %s failed: %s", ref.encode(), attachment.filename, exc)

    async def find_sent(
        self, workspace_id: str, target: Target, key: str, since: datetime
    ) -> SentRef | None:
        """Look for the post tagged `key` in the conversation's history since `since`.

        Needs the history scope of the conversation's kind (`im:history` for DMs,
        `mpim:history` for group DMs, `channels:history` / `groups:history` for channels);
        without it, raises `CannotLook`.
        """
        client = await self.client(workspace_id)
        scopes = await self.scopes(workspace_id, client)
        if not scopes & _history_scopes(target):
            raise CannotLook("no history scope: " + " or ".join(sorted(_history_scopes(target))))
        channel = await self._conversation(client, workspace_id, target)
        oldest = f"{since.timestamp() - CLOCK_SKEW_SECONDS:.6f}"
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            kwargs: dict[str, Any] = {
                "channel": channel,
                "oldest": oldest,
                "include_all_metadata": True,
                "limit": 200,
            }
            if cursor:
                kwargs["cursor"] = cursor
            try:
                response = await client.conversations_history(**kwargs)
            except SlackApiError as exc:
                if _error(exc) in {"missing_scope", "not_in_channel", "not_allowed_token_type"}:
                    self._scopes.pop(workspace_id, None)
                    raise CannotLook(_error(exc)) from exc
                raise _platform_error(exc) from exc
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise PlatformError(f"connection: {exc}", retryable=True) from exc
            for message in response.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == METADATA_EVENT and payload.get("key") == key:
                    return SentRef(channel, str(message["ts"]))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        raise CannotLook("too much history to search")

    async def scopes(
        self, workspace_id: str, client: AsyncWebClient | None = None
    ) -> frozenset[str]:
        """The bot token's scopes, as Slack states them (`x-oauth-scopes` on every answer)."""
        cached = self._scopes.get(workspace_id)
        if cached and time.monotonic() - cached[0] < SCOPE_CACHE_SECONDS:
            return cached[1]
        client = client or await self.client(workspace_id)
        response = await self._call(client.auth_test())
        return self._note_scopes(workspace_id, response)

    def _note_scopes(self, workspace_id: str, response: Any) -> frozenset[str]:
        headers = getattr(response, "headers", None) or {}
        value = headers.get("x-oauth-scopes") or headers.get("X-OAuth-Scopes")
        if isinstance(value, list):
            value = value[0] if value else None
        if value is None:
            cached = self._scopes.get(workspace_id)
            return cached[1] if cached else frozenset()
        scopes = frozenset(s.strip() for s in str(value).split(",") if s.strip())
        self._scopes[workspace_id] = (time.monotonic(), scopes)
        return scopes

    async def _conversation(self, client: AsyncWebClient, workspace_id: str, target: Target) -> str:
        """The conversation id of `target` (conversations.open is idempotent)."""
        if isinstance(target, DirectTarget):
            return await self._open(client, workspace_id, (target.user_id,), direct=True)
        if isinstance(target, GroupTarget):
            return await self._open(client, workspace_id, target.user_ids)
        if isinstance(target, ConversationTarget):
            return target.conversation_id
        if isinstance(target, ChannelTarget):
            return target.channel_id
        raise PlatformError(f"unknown target {target!r}")  # pragma: no cover

    async def update(self, workspace_id: str, ref: SentRef, message: Message) -> None:
        client = await self.client(workspace_id)
        await self._call(
            client.chat_update(
                channel=ref.conversation_id, ts=ref.message_id, **render.post_args(message)
            )
        )

    async def user_info(self, workspace_id: str, user_id: str) -> UserInfo | None:
        key = (workspace_id, user_id)
        cached = self._users.get(key)
        if cached and time.monotonic() - cached[0] < USER_CACHE_SECONDS:
            return cached[1]
        client = await self.client(workspace_id)
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as exc:
            if _error(exc) in PERSON_ERRORS:
                self._users[key] = (time.monotonic(), None)
                return None
            raise _platform_error(exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise PlatformError(f"connection: {exc}", retryable=True) from exc
        info = _user_info(response["user"])
        self._users[key] = (time.monotonic(), info)
        return info

    async def user_by_email(self, workspace_id: str, email: str) -> str | None:
        """users.lookupByEmail (the `users:read.email` scope)."""
        client = await self.client(workspace_id)
        try:
            response = await client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            if _error(exc) in PERSON_ERRORS:
                return None
            raise _platform_error(exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise PlatformError(f"connection: {exc}", retryable=True) from exc
        return str(response["user"]["id"])

    async def channel_members(self, workspace_id: str, channel_id: str) -> set[str] | None:
        """The channel's members (every page); a channel is an opt-in pool on Slack."""
        client = await self.client(workspace_id)
        members: set[str] = set()
        cursor: str | None = None
        while True:
            kwargs: dict[str, Any] = {"channel": channel_id, "limit": 1000}  # Slack's largest page
            if cursor:
                kwargs["cursor"] = cursor
            response = await self._call(client.conversations_members(**kwargs))
            members.update(response.get("members") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members

    # --- helpers ------------------------------------------------------------------------------

    async def is_admin(self, workspace_id: str, user_id: str) -> bool:
        info = await self.user_info(workspace_id, user_id)
        return bool(info and info.is_admin)

    def forget_user(self, workspace_id: str, user_id: str) -> None:
        self._users.pop((workspace_id, user_id), None)

    async def _open(
        self,
        client: AsyncWebClient,
        workspace_id: str,
        users: tuple[str, ...],
        direct: bool = False,
    ) -> str:
        try:
            response = await client.conversations_open(users=",".join(users))
        except SlackApiError as exc:
            error = _error(exc)
            if error in PERSON_ERRORS or error == "channel_not_found":
                gone = await self._unreachable(workspace_id, users)
                if not gone:  # Slack didn't say who, and nobody looks gone: try again later
                    raise PlatformError(error, retryable=True) from exc
                raise RecipientsUnavailable(gone, error) from exc
            if direct and error in {"cannot_dm_bot", "not_allowed_token_type"}:
                raise RecipientsUnavailable(users, DMS_CLOSED) from exc
            raise _platform_error(exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise PlatformError(f"connection: {exc}", retryable=True) from exc
        return response["channel"]["id"]

    async def _unreachable(self, workspace_id: str, users: tuple[str, ...]) -> tuple[str, ...]:
        """Which of `users` are gone (Slack's error doesn't say)."""
        for user in users:
            self.forget_user(workspace_id, user)
        infos = await asyncio.gather(*(self.user_info(workspace_id, u) for u in users))
        return tuple(
            u for u, info in zip(users, infos, strict=True) if info is None or info.deactivated
        )

    async def _call(self, call: Awaitable[Any]) -> Any:
        try:
            return await call
        except SlackApiError as exc:
            raise _platform_error(exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise PlatformError(f"connection: {exc}", retryable=True) from exc


def _slack_error(exc: SlackApiError) -> str | None:
    """Slack's own error code, when the answer was Slack's JSON (not a proxy's page)."""
    data = getattr(exc.response, "data", None)
    error = data.get("error") if isinstance(data, dict) else None
    return str(error) if error else None


def _error(exc: SlackApiError) -> str:
    return _slack_error(exc) or f"http_{getattr(exc.response, 'status_code', 0)}"


def _maybe_done(exc: SlackApiError) -> bool:
    """Whether a failed call may still have acted: Slack says so (`internal_error`,
    `fatal_error`), or a 5xx came without Slack's own answer (a proxy's 502/504)."""
    error = _slack_error(exc)
    status = getattr(exc.response, "status_code", 200)
    if error in MAYBE_DONE_ERRORS:
        return True
    return status >= 500 and not error


def _history_scopes(target: Target) -> set[str]:
    if isinstance(target, DirectTarget):
        return {"im:history"}
    if isinstance(target, GroupTarget):
        return {"mpim:history"}
    if isinstance(target, ConversationTarget):
        return {"im:history"} if target.conversation_id.startswith("D") else {"mpim:history"}
    return {"channels:history", "groups:history"}


def _platform_error(exc: SlackApiError) -> PlatformError:
    error = _error(exc)
    status = getattr(exc.response, "status_code", 200)
    return PlatformError(
        error, retryable=error in RETRYABLE_ERRORS or status == 429 or status >= 500
    )


def _user_info(user: dict[str, Any]) -> UserInfo:
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or user["id"]
    )
    offset = user.get("tz_offset")
    return UserInfo(
        user_id=user["id"],
        display_name=name,
        is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
        deactivated=bool(user.get("deleted")),
        is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
        timezone=user.get("tz"),
        utc_offset_hours=offset / 3600 if isinstance(offset, int | float) else None,
    )
