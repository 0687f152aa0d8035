"""The Slack app: bolt's AsyncApp listeners turning Slack payloads into core calls.

Every listener acknowledges first and works after, so Slack always gets its answer within
three seconds; replies to a person are ephemeral (the slash command's or button's
response_url), messages to groups go through the core's outbox and `SlackPlatform`.
"""

from __future__ import annotations

import inspect
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import guard, limits, render
from adapters.slack.oauth import BOT_SCOPES, InstallationStore, state_store
from adapters.slack.platform import SlackPlatform, make_client
from bot import wording as copy
from bot.app import WarmIntro
from bot.bootstrap import build_app
from bot.clock import Clock, SystemClock
from bot.commands import Status
from bot.config import Settings
from bot.core import Actor
from bot.messages import Message, Reply, text_message
from storage.engine import Database

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
ANY = re.compile(r".+")
TOKEN_CACHE_SECONDS = 60
# Buttons whose answer is a form (a modal): the dialog opens first, then fills in.
FORM_ACTIONS = ("thanks:start:", "profile:edit")


class SlackRuntime:
    """The core, the Slack platform port and the bolt app, wired for one process."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        socket_mode: bool = False,
    ) -> None:
        self.settings = settings
        self.oauth = bool(settings.slack_client_id and settings.slack_client_secret)
        base_url = settings.slack_api_url
        self.installations: InstallationStore | None = None
        self._tokens: dict[str, tuple[float, str | None]] = {}
        if self.oauth:
            assert settings.slack_client_id and settings.slack_client_secret
            store_engine = db.side_engine()
            self.installations = InstallationStore(
                settings.slack_client_id, store_engine, settings.encryption_key
            )
            self.platform = SlackPlatform(self._installed_token, base_url)
            oauth_settings = AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret,
                scopes=BOT_SCOPES,
                installation_store=self.installations,
                state_store=state_store(store_engine),
                install_path=INSTALL_PATH,
                redirect_uri_path=REDIRECT_PATH,
            )
            self.bolt = AsyncApp(
                signing_secret=settings.slack_signing_secret,
                client=make_client(None, base_url),
                installation_store=self.installations,
                oauth_flow=AsyncOAuthFlow(
                    client=AsyncWebClient(base_url=self.platform.base_url), settings=oauth_settings
                ),
                request_verification_enabled=not socket_mode or bool(settings.slack_signing_secret),
            )
        else:
            token = settings.slack_bot_token

            async def single(_team: str) -> str | None:
                return token

            self.platform = SlackPlatform(single, base_url)
            self.bolt = AsyncApp(
                client=make_client(token, base_url),
                signing_secret=settings.slack_signing_secret,
                request_verification_enabled=not socket_mode or bool(settings.slack_signing_secret),
            )
        self.warm: WarmIntro = build_app(db, self.platform, clock or SystemClock(), settings, rng)
        register(self.bolt, self.warm, self.platform, self.installations, self.forget_tokens)

    async def close(self) -> None:
        """Release what the runtime opened beyond the app's own database engine."""
        await self.warm.close()  # background deliveries finish first (or are cancelled)
        if (
            self.installations is not None
            and self.installations.engine is not self.warm.core.db.engine
        ):
            await self.installations.engine.dispose()

    async def _installed_token(self, team_id: str) -> str | None:
        """The workspace's bot token, cached a minute (every Web API call needs it)."""
        assert self.installations is not None
        cached = self._tokens.get(team_id)
        if cached and time.monotonic() - cached[0] < TOKEN_CACHE_SECONDS:
            return cached[1]
        bot = await self.installations.async_find_bot(enterprise_id=None, team_id=team_id)
        token = bot.bot_token if bot else None
        self._tokens[team_id] = (time.monotonic(), token)
        return token

    def forget_tokens(self, team_id: str) -> None:
        self._tokens.pop(team_id, None)


def unescape(text: str) -> str:
    """Slack sends typed text with &, < and > escaped; the core wants what the person typed.

    Mentions Slack made (`<@U…>`) arrive unescaped and stay so; what we post is escaped again.
    """
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _team(body: dict[str, Any], context: dict[str, Any]) -> str:
    team = context.get("team_id") or body.get("team_id") or (body.get("team") or {}).get("id")
    return str(team or "")


def _channel(channel: str | None) -> str | None:
    """Where a command was typed; a DM (D…) is no program channel."""
    if not channel or channel.startswith("D"):
        return None
    return channel


def register(
    app: AsyncApp,
    warm: WarmIntro,
    platform: SlackPlatform,
    installations: Any = None,
    forget_tokens: Callable[[str], None] = lambda _team: None,
) -> None:
    """All listeners of the WarmIntro Slack app."""

    async def actor(body: dict[str, Any], context: dict[str, Any], channel: str | None) -> Actor:
        team = _team(body, context)
        user = context.get("user_id") or (body.get("user") or {}).get("id") or body.get("user_id")
        user = str(user or "")
        return Actor(team, user, _channel(channel), await platform.is_admin(team, user))

    async def answer(
        respond: AsyncRespond | None, reply: Reply, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """The reply, ephemerally through the response_url; by DM when there's no usable one."""
        if reply.message is None:
            return
        if respond is not None and guard.response_url_ok(guard.response_url_of(body)):
            await respond(
                response_type="ephemeral", replace_original=False, **render.post_args(reply.message)
            )
            return
        person = guard.person_of(body)
        if person is not None:
            await client.chat_postMessage(channel=person, **render.post_args(reply.message))

    # --- one guard around every listener ------------------------------------------------------

    @app.error
    async def failed(
        error: Exception,
        body: dict[str, Any],
        response: BoltResponse | None,
        client: AsyncWebClient,
    ) -> BoltResponse | None:
        """A listener (or bolt around it) raised. Before the ack: the request was unusable, so
        Slack gets a 400. After it: the ack stands, and the person hears that it failed."""
        logger.error("Slack listener failed", exc_info=error)
        if response is not None:
            return BoltResponse(status=400, body="")
        await tell_failure(body, client)
        return None

    def guarded(listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """The listener, with its failures after the ack handled here.

        bolt's runner, on an exception after the ack, clears the ack it already has; when that
        happens before its dispatcher has seen the ack, Slack gets a 404 after 3 seconds
        instead of the 200. So the ack stands: the failure is logged and the person told here.
        A failure before the ack goes on to bolt, and so to `failed` (HTTP 400).
        """
        names = inspect.getfullargspec(listener).args
        wanted = list(dict.fromkeys([*names, "ack", "body", "client"]))

        async def run(**kwargs: Any) -> None:
            try:
                await listener(**{name: kwargs[name] for name in names})
            except Exception:
                ack = kwargs["ack"]
                if ack is None or ack.response is None:
                    raise
                logger.exception("Slack listener %s failed after its ack", listener.__name__)
                await tell_failure(kwargs["body"], kwargs["client"])

        params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in wanted]
        run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        run.__name__ = run.__qualname__ = listener.__name__
        return run

    async def tell_failure(body: dict[str, Any], client: AsyncWebClient) -> None:
        interactive = "command" in body or body.get("type") in {
            "block_actions",
            "view_submission",
        }
        event = body.get("event")
        is_dm = isinstance(event, dict) and event.get("type") == "message"
        if not (interactive or is_dm):
            return  # an event nobody is waiting on: the log is enough
        args = render.post_args(text_message(copy.SOMETHING_WENT_WRONG))
        url = guard.response_url_of(body)
        try:
            if guard.response_url_ok(url):
                assert url is not None
                webhook = AsyncWebhookClient(url)
                await webhook.send(response_type="ephemeral", replace_original=False, **args)
                return
            person = guard.person_of(body)
            if person is not None:
                await client.chat_postMessage(channel=person, **args)
        except Exception:
            logger.warning("could not tell the person that their request failed", exc_info=True)

    # --- slash commands -----------------------------------------------------------------------

    commands = {"/coffee": warm.coffee, "/thanks": warm.thanks}

    @app.command(re.compile(r"^/(coffee|thanks)$"))
    @guarded
    async def slash_command(
        ack: AsyncAck,
        body: dict[str, Any],
        context: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        who = await actor(body, context, body.get("channel_id"))
        run = commands[str(body.get("command"))]
        await answer(respond, await run(who, unescape(body.get("text") or "")), body, client)

    # --- buttons and forms --------------------------------------------------------------------

    @app.action(ANY)
    @guarded
    async def button(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        context: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:
        await ack()
        action_id = str(action.get("action_id") or "")
        view_id = None
        if action_id.startswith(FORM_ACTIONS):
            # Slack's trigger_id lasts 3 seconds: open the dialog before any other work.
            opened = await client.views_open(trigger_id=body["trigger_id"], view=render.loading())
            view_id = opened["view"]["id"]
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        who = await actor(body, context, channel)
        try:
            reply = await warm.action(who, action_id)
        except Exception:
            if view_id is None:
                raise  # `guarded` logs it and tells the person
            logger.exception("button %r failed", action_id[:100])
            failure = Reply(text_message(copy.SOMETHING_WENT_WRONG), ok=False)
            await client.views_update(view_id=view_id, view=render.dialog(failure))
            return
        if view_id is not None:
            await client.views_update(view_id=view_id, view=render.dialog(reply, channel or ""))
        elif reply.form is not None:  # a form from a button we didn't expect to open one
            view = render.modal(reply.form, private_metadata=channel or "")
            await client.views_open(trigger_id=body["trigger_id"], view=view)
        elif reply.message is not None:
            # App Home has no response_url: `answer` says it in the person's DM
            await answer(respond, reply, body, client)
        if (body.get("view") or {}).get("type") == "home":
            await publish_home(client, who)

    @app.view(ANY)
    @guarded
    async def form(
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        context: dict[str, Any],
        client: AsyncWebClient,
    ) -> None:
        state = (view.get("state") or {}).get("values") or {}
        kinds = {
            block["block_id"]: _field_kind(block)
            for block in view.get("blocks") or []
            if block.get("type") == "input"
        }
        values = render.form_values(kinds, state)
        errors = {
            name: "Please fill this in."
            for name, kind in kinds.items()
            if kind in {"users", "text"} and name in {"recipients", "message"} and not values[name]
        }
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        who = await actor(body, context, view.get("private_metadata") or None)
        reply = await warm.form_submitted(who, str(view.get("callback_id") or ""), values)
        if reply.message is not None:
            await client.chat_postMessage(channel=who.user_id, **render.post_args(reply.message))
        await publish_home(client, who)

    # --- App Home -----------------------------------------------------------------------------

    async def publish_home(client: AsyncWebClient, who: Actor) -> None:
        status = await warm.run(who, Status())
        await client.views_publish(user_id=who.user_id, view=home_view(status.message))

    @app.event("app_home_opened")
    @guarded
    async def home(
        event: dict[str, Any], body: dict[str, Any], context: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("tab", "home") != "home":
            return
        await publish_home(client, await actor(body, context, None))

    # --- channel membership -------------------------------------------------------------------

    @app.event("member_joined_channel")
    @guarded
    async def joined(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        team, channel, user = _team(body, context), event["channel"], event["user"]
        if user == context.get("bot_user_id"):
            await warm.bot_added(team, channel, event.get("inviter"))
        else:
            await warm.member_joined(team, channel, user)

    @app.event("member_left_channel")
    @guarded
    async def left(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        team, channel, user = _team(body, context), event["channel"], event["user"]
        if user == context.get("bot_user_id"):
            await warm.bot_removed(team, channel)
        else:
            await warm.member_left(team, channel, user)

    @app.event("channel_left")
    @app.event("group_left")
    @guarded
    async def removed(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        await warm.bot_removed(_team(body, context), event["channel"])

    @app.event("user_change")
    @guarded
    async def user_change(
        event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]
    ) -> None:
        user = event.get("user") or {}
        platform.forget_user(_team(body, context), str(user.get("id")))
        if user.get("deleted"):
            await warm.member_left_workspace(_team(body, context), str(user.get("id")))

    # --- direct messages (only when the optional im:history scope is granted) ------------------

    @app.event("message")
    @guarded
    async def message(
        event: dict[str, Any], body: dict[str, Any], context: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        who = Actor(_team(body, context), str(event.get("user")), None)
        reply = await warm.direct_message(who, unescape(str(event.get("text") or "")))
        if reply.message is not None:
            await client.chat_postMessage(
                channel=event["channel"], **render.post_args(reply.message)
            )

    # --- uninstall ----------------------------------------------------------------------------

    @app.event("app_uninstalled")
    @guarded
    async def uninstalled(body: dict[str, Any], context: dict[str, Any]) -> None:
        team = _team(body, context)
        if installations is not None:
            await installations.async_delete_all(
                enterprise_id=context.get("enterprise_id"), team_id=team
            )
        await warm.workspace_removed(team)

    @app.event("tokens_revoked")
    @guarded
    async def revoked(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        if installations is None:
            return
        team = _team(body, context)
        forget_tokens(team)
        tokens = event.get("tokens") or {}
        if tokens.get("bot"):
            await installations.async_delete_bot(
                enterprise_id=context.get("enterprise_id"), team_id=team
            )
            await warm.workspace_removed(team)  # nothing can be sent there any more
        for user in tokens.get("oauth") or []:
            await installations.async_delete_installation(
                enterprise_id=context.get("enterprise_id"), team_id=team, user_id=user
            )


def _field_kind(block: dict[str, Any]) -> str:
    element = block.get("element") or {}
    kind = element.get("type")
    if kind == "multi_users_select":
        return "users"
    if kind == "checkboxes":
        return "checkbox"
    return "text"


def home_view(status: Message | None) -> dict[str, Any]:
    """App Home: the member's profile, current match, colleagues met, and an edit button."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "☕ Your coffee chats"}},
    ]
    if status is not None:  # the header above and the 3 blocks below leave 96 for the status
        blocks += render.blocks(status, limits.VIEW_BLOCKS - 4)
    blocks += [
        {"type": "divider"},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "profile:edit",
                    "text": {"type": "plain_text", "text": "Edit interests"},
                    "style": "primary",
                    "value": "profile:edit",
                }
            ],
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "`/coffee help` lists every command · `/thanks @someone …` says thanks",
                }
            ],
        },
    ]
    return {"type": "home", "blocks": blocks}
