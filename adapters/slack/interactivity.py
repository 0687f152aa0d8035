"""Buttons and forms: one bolt listener per kind of action, routed by `bot.actions`' patterns.

A button whose answer is a form (`opens_form`) opens a dialog at once — Slack's trigger_id
lasts three seconds — and fills it in when the core has answered. Any other button is answered
ephemerally (in the person's DM from App Home, which has no response_url). An id no pattern
matches (an old or forged button) still reaches the core, which says the button has expired.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from adapters.slack.context import actor_of, answer, button_channel
from adapters.slack.failures import guarded
from adapters.slack.home import publish_home
from bot import actions, wording
from bot.app import WarmIntro
from bot.messages import Reply, text_message

logger = logging.getLogger(__name__)

ANY = re.compile(r".+")
REQUIRED = {"recipients", "message"}  # form fields that may not be left empty


def exactly(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """bolt `search`es a pattern; an action id must match one whole, as `bot.actions` reads it."""
    return re.compile(rf"\A(?:{pattern.pattern})\Z")


def add_interactivity(app: AsyncApp, warm: WarmIntro) -> None:
    for action in actions.ACTIONS:
        app.action(exactly(action.pattern))(_button(warm, getattr(action, "opens_form", False)))
    app.action(ANY)(_button(warm, False))  # not one of ours (any more): the core says it expired
    app.view(ANY)(_form_submitted(warm))


def _button(warm: WarmIntro, opens_form: bool) -> Any:
    """The listener for one kind of button: answered in a dialog, or ephemerally."""

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
        if opens_form:
            if not await _answer_in_dialog(warm, body, action_id, context, client):
                return  # it failed, and the dialog says so
        else:
            reply = await warm.action(await actor_of(context), action_id)
            await _answer(reply, body, client, respond)
        if (body.get("view") or {}).get("type") == "home":
            await publish_home(warm, client, await actor_of(context))

    return button


async def _answer_in_dialog(
    warm: WarmIntro,
    body: dict[str, Any],
    action_id: str,
    context: dict[str, Any],
    client: AsyncWebClient,
) -> bool:
    """Whether the core answered (False: it failed, and the dialog says so)."""
    # Slack's trigger_id lasts 3 seconds: open the dialog before any other work.
    opened = await client.views_open(trigger_id=body["trigger_id"], view=render.loading())
    view_id = opened["view"]["id"]
    who = await actor_of(context)
    try:
        reply = await warm.action(who, action_id)
    except Exception:  # the dialog is open: the failure is said there
        logger.exception("button %r failed", action_id[:100])
        failure = Reply(text_message(wording.SOMETHING_WENT_WRONG), ok=False)
        await client.views_update(view_id=view_id, view=render.dialog(failure))
        return False
    view = render.dialog(reply, button_channel(body) or "")
    await client.views_update(view_id=view_id, view=view)
    return True


async def _answer(
    reply: Reply, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
) -> None:
    if reply.form is not None:  # a form from a button we didn't expect to open one
        view = render.modal(reply.form, private_metadata=button_channel(body) or "")
        await client.views_open(trigger_id=body["trigger_id"], view=view)
    elif reply.message is not None:
        # App Home has no response_url: `answer` says it in the person's DM
        await answer(respond, reply, body, client)


def _form_submitted(warm: WarmIntro) -> Any:
    @guarded
    async def form(
        ack: AsyncAck, view: dict[str, Any], context: dict[str, Any], client: AsyncWebClient
    ) -> None:
        kinds = {
            block["block_id"]: _field_kind(block)
            for block in view.get("blocks") or []
            if block.get("type") == "input"
        }
        values = render.form_values(kinds, (view.get("state") or {}).get("values") or {})
        errors = {
            name: "Please fill this in."
            for name, kind in kinds.items()
            if kind in {"users", "text"} and name in REQUIRED and not values[name]
        }
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        who = await actor_of(context)
        reply = await warm.form_submitted(who, str(view.get("callback_id") or ""), values)
        if reply.message is not None:
            await client.chat_postMessage(channel=who.user_id, **render.post_args(reply.message))
        await publish_home(warm, client, who)

    return form


def _field_kind(block: dict[str, Any]) -> str:
    kind = (block.get("element") or {}).get("type")
    if kind == "multi_users_select":
        return "users"
    if kind == "checkboxes":
        return "checkbox"
    return "text"
