"""Slack's documented limits for messages and views, in one place.

`render.py` shapes every payload to fit them whatever the input (long text is split over
sections, too many blocks end in a "more lines" note, labels and titles are clipped with "…").
`message_problems` and `view_problems` check a finished payload against the limits that
slack_sdk's Block Kit model classes don't check themselves (the test suite runs both on every
payload the app sends).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Blocks
MESSAGE_BLOCKS = 50  # per message (chat.postMessage, chat.update, response_url, ephemeral)
VIEW_BLOCKS = 100  # per modal or Home tab
SECTION_TEXT = 3000
SECTION_FIELDS = 10
SECTION_FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
TEXT_OBJECT = 3000  # any other text object (context elements included)
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTION_ID = 255
BLOCK_ID = 255
# Inputs
INPUT_LABEL = 2000
PLACEHOLDER = 150
PLAIN_TEXT_INPUT = 3000  # max_length (and so initial_value) of a plain_text_input
OPTION_TEXT = 75
OPTION_VALUE = 150
# Views
VIEW_TITLE = 24
VIEW_BUTTON = 24  # submit and close
CALLBACK_ID = 255
PRIVATE_METADATA = 3000
# Web API text
MESSAGE_TEXT = 40_000  # chat.postMessage `text`: Slack truncates beyond this
FALLBACK_TEXT = 3900  # our `text` next to blocks: far below, under Slack's advised 4,000


def _texts(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every text object (plain_text / mrkdwn) inside a block structure, with its path."""
    if isinstance(node, dict):
        if node.get("type") in {"plain_text", "mrkdwn"} and "text" in node:
            yield path, node
            return
        for key, value in node.items():
            yield from _texts(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, f"{path}[{i}]")


def _too_long(what: str, text: Any, limit: int) -> list[str]:
    length = len(text) if isinstance(text, str) else 0
    return [f"{what}: {length:,} characters (limit {limit:,})"] if length > limit else []


def block_problems(blocks: list[Any], max_blocks: int) -> list[str]:
    """What Slack would refuse in `blocks` that slack_sdk's models don't check."""
    problems: list[str] = []
    if not isinstance(blocks, list):
        return [f"blocks is a {type(blocks).__name__}, not a list"]
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks (limit {max_blocks})")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"blocks[{i}] ({block.get('type') if isinstance(block, dict) else '?'})"
        if not isinstance(block, dict):
            problems.append(f"{where}: not an object")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in block_ids:
                problems.append(f"{where}: duplicate block_id {block_id[:40]!r}")
            block_ids.add(block_id)
        problems += _block_problems(where, block)
        for path, text in _texts(block):
            if not str(text.get("text") or "").strip():
                problems.append(f"{where}.{path}: empty text")
            problems += _too_long(f"{where}.{path}", text.get("text"), TEXT_OBJECT)
    return problems


def _block_problems(where: str, block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    problems: list[str] = []
    if kind == "section":
        if "text" not in block and not block.get("fields"):
            problems.append(f"{where}: a section needs text or fields")
        for j, item in enumerate(block.get("fields") or []):
            problems += _too_long(f"{where}.fields[{j}]", item.get("text"), SECTION_FIELD_TEXT)
    elif kind == "context":
        if not block.get("elements"):
            problems.append(f"{where}: a context block needs elements")
    elif kind == "actions":
        elements = block.get("elements") or []
        if not elements:
            problems.append(f"{where}: an actions block needs elements")
        action_ids = [e.get("action_id") for e in elements if e.get("action_id")]
        if len(action_ids) != len(set(action_ids)):
            problems.append(f"{where}: duplicate action_id")
        for j, element in enumerate(elements):
            value = element.get("value")
            problems += _too_long(f"{where}.elements[{j}].value", value, BUTTON_VALUE)
    elif kind == "input":
        problems += _input_problems(where, block.get("element") or {})
    return problems


def _input_problems(where: str, element: dict[str, Any]) -> list[str]:
    if element.get("type") != "plain_text_input":
        return []
    problems: list[str] = []
    max_length = element.get("max_length")
    if max_length is not None and not 1 <= max_length <= PLAIN_TEXT_INPUT:
        problems.append(f"{where}: max_length {max_length} (limit {PLAIN_TEXT_INPUT})")
    limit = min(max_length or PLAIN_TEXT_INPUT, PLAIN_TEXT_INPUT)
    problems += _too_long(f"{where}.initial_value", element.get("initial_value"), limit)
    return problems


def message_problems(payload: dict[str, Any]) -> list[str]:
    """A chat.postMessage / chat.update / chat.postEphemeral / response_url payload."""
    text = payload.get("text")
    blocks = payload.get("blocks") or []
    problems = block_problems(blocks, MESSAGE_BLOCKS)
    if not blocks and not str(text or "").strip():
        problems.append("no text and no blocks")
    problems += _too_long("text", text, MESSAGE_TEXT)
    return problems


def view_problems(view: dict[str, Any]) -> list[str]:
    """A view for views.open / views.update / views.push / views.publish."""
    blocks = view.get("blocks") or []
    problems = block_problems(blocks, VIEW_BLOCKS)
    if not blocks:
        problems.append("a view needs at least one block")
    if view.get("type") == "modal":
        if not (view.get("title") or {}).get("text"):
            problems.append("a modal needs a title")
        if any(b.get("type") == "input" for b in blocks) and not view.get("submit"):
            problems.append("a modal with inputs needs a submit button")
    return problems
