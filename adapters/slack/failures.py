"""What goes wrong in a listener: `app.error` and the `guarded` wrapper around every listener.

Before the ack the request was unusable, so Slack gets a 400. After it the ack stands, the
traceback goes to the log, and the person hears "something went wrong on our side; nothing
was changed" (by response_url, or by DM when there is no usable one).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import guard, render
from bot import wording
from bot.messages import text_message

logger = logging.getLogger(__name__)

Listener = Callable[..., Awaitable[None]]


def handle_errors(app: AsyncApp) -> None:
    """bolt's error handler: whatever a listener (or bolt around it) raised."""

    @app.error
    async def failed(
        error: Exception,
        body: dict[str, Any],
        response: BoltResponse | None,
        client: AsyncWebClient,
    ) -> BoltResponse | None:
        logger.error("Slack listener failed", exc_info=error)
        if response is not None:
            return BoltResponse(status=400, body="")
        await tell_failure(body, client)
        return None


def guarded(listener: Listener) -> Listener:
    """The listener, with its failures after the ack handled here.

    bolt's runner, on an exception after the ack, clears the ack it already has; when that
    happens before its dispatcher has seen the ack, Slack gets a 404 after 3 seconds instead
    of the 200. So the ack stands: the failure is logged and the person told here. A failure
    before the ack goes on to bolt, and so to `app.error` (HTTP 400).
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
    """Tell the person who is waiting (a command, a button, a form, a DM) that it failed."""
    interactive = "command" in body or body.get("type") in {"block_actions", "view_submission"}
    event = body.get("event")
    is_dm = isinstance(event, dict) and event.get("type") == "message"
    if not (interactive or is_dm):
        return  # an event nobody is waiting on: the log is enough
    args = render.post_args(text_message(wording.SOMETHING_WENT_WRONG))
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
