"""Who made a Slack request, and how to answer them: what every listener needs.

`use_actor_middleware` puts a `RequestActor` into bolt's context for every request; a listener
gets the core's `Actor` with `await context["actor"]()`. It is built once per request, and only
when a listener asks: the admin check is a Slack API call, so it waits until after the ack.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import guard, render
from adapters.slack.http import post_response
from adapters.slack.platform import SlackPlatform
from bot.core import Actor
from bot.messages import Reply

logger = logging.getLogger(__name__)

ACTOR = "actor"  # the context key of the request's `RequestActor`


def unescape(text: str) -> str:
    """Slack sends typed text with &, < and > escaped; the core wants what the person typed.

    Mentions Slack made (`<@U…>`) arrive unescaped and stay so; what we post is escaped again.
    """
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def team_of(body: dict[str, Any], context: dict[str, Any]) -> str:
    team = context.get("team_id") or body.get("team_id") or (body.get("team") or {}).get("id")
    return str(team or "")


def button_channel(body: dict[str, Any]) -> str | None:
    """The channel a button was pressed in (none in App Home)."""
    channel = (body.get("channel") or {}).get("id")
    return channel or (body.get("container") or {}).get("channel_id")


def _where(body: dict[str, Any]) -> str | None:
    """Where the request was made: a command's channel, a button's, a form's (its metadata)."""
    if "command" in body:
        return body.get("channel_id")
    if body.get("type") == "block_actions":
        return button_channel(body)
    if body.get("type") == "view_submission":
        return (body.get("view") or {}).get("private_metadata") or None
    return None


def _program_channel(channel: str | None) -> str | None:
    """A DM (D…) is no program channel."""
    if not channel or channel.startswith("D"):
        return None
    return channel


class RequestActor:
    """The request's `Actor`, built on first use and then kept."""

    def __init__(self, platform: SlackPlatform, team: str, user: str, channel: str | None) -> None:
        self.platform = platform
        self.team, self.user, self.channel = team, user, _program_channel(channel)
        self._actor: Actor | None = None

    async def __call__(self) -> Actor:
        """The actor; whether they are a workspace admin is a users.info call (cached for a
        while by the platform), made only if the command needs it (`Actor.admin_check`)."""
        if self._actor is None:
            self._actor = Actor(
                self.team, self.user, self.channel, admin_check=self._is_admin, vouched=True
            )
        return self._actor

    async def _is_admin(self) -> bool:
        return await self.platform.is_admin(self.team, self.user)

    def without_admin_check(self) -> Actor:
        """For a DM to the bot: no admin command is answered there, so no API call."""
        return Actor(self.team, self.user, None, vouched=True)


def use_actor_middleware(app: AsyncApp, platform: SlackPlatform) -> None:
    """Every request gets its `RequestActor` in `context[ACTOR]` before a listener runs."""

    @app.middleware
    async def actor(
        body: dict[str, Any], context: dict[str, Any], next: Callable[[], Awaitable[Any]]
    ) -> Any:
        who = RequestActor(platform, team_of(body, context), _user_of(body, context), _where(body))
        context[ACTOR] = who
        client = context.get("client")
        if isinstance(client, AsyncWebClient) and client.session is None:
            # bolt builds a client per request: its calls share the process's session too
            client.session = platform.shared.get()
        return await next()


def _user_of(body: dict[str, Any], context: dict[str, Any]) -> str:
    user = context.get("user_id")
    if not user and isinstance(body.get("user"), dict):
        user = body["user"].get("id")
    return str(user or body.get("user_id") or "")


async def actor_of(context: dict[str, Any]) -> Actor:
    actor: RequestActor = context[ACTOR]
    return await actor()


async def answer(
    respond: AsyncRespond | None, reply: Reply, body: dict[str, Any], client: AsyncWebClient
) -> None:
    """A bolt listener's reply, ephemerally through the response_url; by DM when there's no
    usable one."""
    if reply.message is None:
        return
    url = guard.response_url_of(body)
    if respond is not None and guard.response_url_ok(url):
        session = getattr(client, "session", None)
        if isinstance(session, aiohttp.ClientSession) and not session.closed and url:
            # bolt's `respond` opens a connection per reply; the shared session keeps them
            await post_response(url, _ephemeral(reply), session)
            return
        await respond(
            response_type="ephemeral", replace_original=False, **render.post_args(reply.message)
        )
        return
    person = guard.person_of(body)
    if person is not None:
        await client.chat_postMessage(channel=person, **render.post_args(reply.message))


async def reply_later(platform: SlackPlatform, reply: Reply, body: dict[str, Any]) -> None:
    """A reply after the ack (no bolt listener around it): the response_url on the process's
    shared session, else a DM."""
    if reply.message is None:
        return
    url = guard.response_url_of(body)
    if url and guard.response_url_ok(url):
        await post_response(url, _ephemeral(reply), platform.shared.get())
        return
    person = guard.person_of(body)
    if person is not None:
        client = await platform.client(team_of(body, {}))
        await client.chat_postMessage(channel=person, **render.post_args(reply.message))


def _ephemeral(reply: Reply) -> dict[str, Any]:
    assert reply.message is not None
    return {
        "response_type": "ephemeral",
        "replace_original": False,
        **render.post_args(reply.message),
    }
