"""Block Kit validation of every payload the app sends to Slack (used by the fake Slack).

Two layers: slack_sdk's own model classes (`Block.parse(...)`, `View(...)`, `validate_json()`,
and `to_dict()`, which validates nested elements too), then the limits slack_sdk doesn't check
(`adapters.slack.limits`: blocks per message, empty texts, input lengths, …).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from adapters.slack import limits

MESSAGE_METHODS = {"chat.postMessage", "chat.update", "chat.postEphemeral", "response_url", "ack"}
VIEW_METHODS = {"views.open", "views.update", "views.push", "views.publish"}


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def sdk_block_problems(blocks: list[Any]) -> list[str]:
    problems: list[str] = []
    for i, raw in enumerate(blocks):
        try:
            block = Block.parse(raw)
            if block is None:
                problems.append(f"blocks[{i}]: slack_sdk doesn't know this block: {raw!r:.80}")
                continue
            block.validate_json()
            block.to_dict()  # validates every nested element and text object as well
        except (SlackObjectFormationError, TypeError, ValueError, KeyError) as exc:
            problems.append(f"blocks[{i}]: {type(exc).__name__}: {exc}")
    return problems


def sdk_view_problems(view: dict[str, Any]) -> list[str]:
    try:
        View(**view).to_dict()  # to_dict() runs validate_json() on the view and its blocks
    except (SlackObjectFormationError, TypeError, ValueError, KeyError) as exc:
        return [f"view: {type(exc).__name__}: {exc}"]
    return []


def payload_problems(method: str, args: dict[str, Any]) -> list[str]:
    """What Slack would refuse in one API call's arguments (methods without blocks: [])."""
    if method in MESSAGE_METHODS:
        payload = {**args, "blocks": _json(args.get("blocks")) or []}
        blocks = payload["blocks"]
        if not isinstance(blocks, list):
            return [f"blocks is not a list: {blocks!r:.80}"]
        return sdk_block_problems(blocks) + limits.message_problems(payload)
    if method in VIEW_METHODS:
        view = _json(args.get("view"))
        if not isinstance(view, dict):
            return [f"view is not an object: {view!r:.80}"]
        return sdk_view_problems(view) + limits.view_problems(view)
    return []


class _Collect(logging.Handler):
    """slack_sdk's models log (at debug level) the keys they ignore, and skip unknown blocks."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "were ignored" in message or "skipped" in message:
            self.messages.append(message.split(".If they")[0][:200])


def check(method: str, args: dict[str, Any]) -> list[str]:
    """`payload_problems`, plus any key slack_sdk's models don't know (a typo Slack rejects)."""
    collect = _Collect()
    models = logging.getLogger("slack_sdk.models")
    level = models.level
    models.addHandler(collect)
    models.setLevel(logging.DEBUG)
    try:
        problems = payload_problems(method, args)
    finally:
        models.setLevel(level)
        models.removeHandler(collect)
    return [f"{method}: {p}" for p in problems + collect.messages]
