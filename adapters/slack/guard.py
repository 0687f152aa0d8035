"""The guard in front of the Slack endpoint: every inbound request is checked before bolt sees it.

Order matters: the signature is checked on the raw bytes before anything in the request is
trusted (a bad or missing signature is 401, as before); then the body must be UTF-8, parse the
way bolt parses it, and have the shape of what Slack sends for its kind (400 otherwise). What
passes can't make bolt or a listener crash on a malformed field, so a malformed request gets a
400, never a 500 with a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MAX_SKEW = 60 * 5  # seconds: Slack's replay window
MAX_URL = 2048

_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")

# Fields bolt and the listeners read, and the type each must have when present.
_STRINGS = (
    "type", "token", "team_id", "user_id", "channel_id", "command", "text", "response_url",
    "trigger_id", "api_app_id", "enterprise_id", "challenge", "event_id", "callback_id",
)  # fmt: skip
_OBJECTS = (
    "container", "view", "event", "message", "previous_message", "item", "assistant_thread",
    "function_data", "state",
)  # fmt: skip
_OBJECTS_OR_IDS = ("team", "user", "channel", "enterprise")  # bolt reads either form
_LISTS = ("actions", "authorizations", "response_urls")
_IDS = ("team_id", "user_id", "channel_id", "enterprise_id")
# The kinds of request the app handles; anything else is refused before bolt looks at it.
_TYPES = {
    "url_verification", "event_callback", "block_actions", "view_submission", "view_closed",
    "app_rate_limited",
}  # fmt: skip
# Events the app listens to, and the fields each one needs (ids are strings).
_EVENT_FIELDS: dict[str, tuple[tuple[str, type], ...]] = {
    "member_joined_channel": (("channel", str), ("user", str)),
    "member_left_channel": (("channel", str), ("user", str)),
    "channel_left": (("channel", str),),
    "group_left": (("channel", str),),
    "app_home_opened": (("user", str),),
    "user_change": (("user", dict),),
}


@dataclass(frozen=True, slots=True)
class Refused:
    status: int
    reason: str


class Malformed(ValueError):
    """The request is signed (or needs no signature) but isn't something Slack sends."""


def check_signature(
    secret: str, headers: Mapping[str, str], raw: bytes, now: float | None = None
) -> Refused | None:
    """Slack's v0 signature over the raw bytes: 401 when wrong or missing, 400 when the
    timestamp header isn't a number."""
    signature = headers.get("X-Slack-Signature")
    if not signature:
        return Refused(401, "missing signature")
    timestamp = headers.get("X-Slack-Request-Timestamp") or ""
    if not _TIMESTAMP.fullmatch(timestamp):
        return Refused(400, "malformed X-Slack-Request-Timestamp")
    moment = time.time() if now is None else now
    if abs(moment - int(timestamp)) > MAX_SKEW:
        return Refused(401, "stale request")
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return Refused(401, "invalid signature")
    return None


def parse_body(text: str, content_type: str | None) -> dict[str, Any]:
    """The body as bolt will parse it (`slack_bolt.request.internals.parse_body`), checked."""
    if not text:
        raise Malformed("empty body")
    try:
        if content_type == "application/json" or text.startswith("{"):
            data: Any = json.loads(text)
        elif "payload" in text:
            params = dict(parse_qsl(text, keep_blank_values=True))
            payload = params.get("payload")
            data = json.loads(payload) if payload is not None else params
        else:
            data = dict(parse_qsl(text, keep_blank_values=True))
    except (ValueError, RecursionError) as exc:
        raise Malformed(f"unparseable body: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise Malformed("body is not an object")
    return data


def check_shape(body: dict[str, Any]) -> None:
    """The fields bolt and the listeners use have the types Slack gives them."""
    _types(body)
    kind = body.get("type")
    if kind is not None and kind not in _TYPES:
        raise Malformed("unsupported type")
    for key in _IDS:
        _id(body.get(key), key)
    _actor_fields(body)
    for item in body.get("authorizations") or ():
        if not isinstance(item, dict):
            raise Malformed("authorizations")
        for key in _IDS:
            _str(item, key)
    for item in body.get("response_urls") or ():
        if not isinstance(item, dict):
            raise Malformed("response_urls")
        _str(item, "response_url")
    container = body.get("container")
    if isinstance(container, dict):
        _str(container, "channel_id")
        _id(container.get("channel_id"), "container.channel_id")
    if "command" in body and kind is None:
        _required(body, ("command", "user_id", "team_id"))
    elif kind == "block_actions":
        _block_actions(body)
    elif kind in {"view_submission", "view_closed"}:
        _required_object(body, "user")
        _view(body.get("view"), submitted=True)
    elif kind == "event_callback":
        _event(body.get("event"))
    elif kind == "url_verification":
        _required(body, ("challenge",))


def _types(body: dict[str, Any]) -> None:
    for key in _STRINGS:
        _str(body, key)
    for key in _OBJECTS:
        if body.get(key) is not None and not isinstance(body[key], dict):
            raise Malformed(f"{key} has the wrong type")
    interactive = body.get("type") in {"block_actions", "view_submission", "view_closed"}
    for key in _OBJECTS_OR_IDS:
        value = body.get(key)
        if value is not None and not isinstance(value, dict if interactive else dict | str):
            raise Malformed(f"{key} has the wrong type")
    for key in _LISTS:
        if body.get(key) is not None and not isinstance(body[key], list):
            raise Malformed(f"{key} is not a list")


def _actor_fields(data: dict[str, Any]) -> None:
    """user / channel / team / enterprise: an id, or an object whose `id` is one (bolt reads
    both, in the body and in the event and messages inside it)."""
    for key in _OBJECTS_OR_IDS:
        value = data.get(key)
        if isinstance(value, dict):
            _str(value, "id")
            _id(value.get("id"), key + ".id")
            _str(value, "team_id")
        elif value is not None and not isinstance(value, str):
            raise Malformed(f"{key} has the wrong type")
        else:
            _id(value, key)
    for key in ("event", "message", "previous_message", "item", "assistant_thread"):
        inner = data.get(key)
        if inner is not None:
            if not isinstance(inner, dict):
                raise Malformed(f"{key} has the wrong type")
            _actor_fields(inner)


def _str(data: dict[str, Any], key: str) -> None:
    if data.get(key) is not None and not isinstance(data[key], str):
        raise Malformed(f"{key} is not a string")


def _id(value: Any, what: str) -> None:
    if isinstance(value, str) and value and not _ID.fullmatch(value):
        raise Malformed(f"{what} is not an id")


def _required(data: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        if not isinstance(data.get(key), str) or not data[key]:
            raise Malformed(f"missing {key}")


def _required_object(body: dict[str, Any], key: str) -> None:
    value = body.get(key)
    if not isinstance(value, dict) or not isinstance(value.get("id"), str) or not value["id"]:
        raise Malformed(f"missing {key}")


def _block_actions(body: dict[str, Any]) -> None:
    _required_object(body, "user")
    _required(body, ("trigger_id",))
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions:
        raise Malformed("missing actions")
    for action in actions:
        if not isinstance(action, dict) or not isinstance(action.get("action_id"), str):
            raise Malformed("malformed action")
    view = body.get("view")
    if view is not None:
        _view(view)


def _view(view: Any, submitted: bool = False) -> None:
    if not isinstance(view, dict):
        raise Malformed("missing view")
    if submitted:
        _required(view, ("type", "callback_id"))
    for key in ("id", "type", "callback_id", "private_metadata"):
        _str(view, key)
    blocks = view.get("blocks")
    if blocks is not None:
        if not isinstance(blocks, list):
            raise Malformed("view.blocks")
        for block in blocks:
            if not isinstance(block, dict) or not isinstance(block.get("type", ""), str):
                raise Malformed("view block")
            if block.get("type") == "input":
                if not isinstance(block.get("block_id"), str):
                    raise Malformed("input block without block_id")
                if not isinstance(block.get("element") or {}, dict):
                    raise Malformed("input element")
    state = view.get("state")
    if state is None:
        return
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(state, dict) or not isinstance(values if values is not None else {}, dict):
        raise Malformed("view.state")
    for fields in (values or {}).values():
        if not isinstance(fields, dict):
            raise Malformed("view.state.values")
        for element in fields.values():
            if not isinstance(element, dict):
                raise Malformed("view.state element")
            _str(element, "value")
            for key in ("selected_users", "selected_options"):
                if element.get(key) is not None and not isinstance(element[key], list):
                    raise Malformed(f"view.state {key}")


def _event(event: Any) -> None:
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise Malformed("missing event")
    for key in ("text", "channel_type", "subtype", "tab", "inviter"):
        _str(event, key)
    if event.get("tokens") is not None and not isinstance(event["tokens"], dict):
        raise Malformed("event.tokens")
    for key, kind in _EVENT_FIELDS.get(event["type"], ()):
        if not isinstance(event.get(key), kind) or not event[key]:
            raise Malformed(f"event without {key}")
    if event["type"] == "message":
        for key in ("channel", "user"):
            _str(event, key)
            _id(event.get(key), "event." + key)


def response_url_ok(url: Any) -> bool:
    """An http(s) URL with a host and nothing odd in it: the only kind we post a reply to.

    Slack's own response URLs are https on Slack's domain; tests point them at a loopback
    fake, so the host isn't pinned here, but any other scheme or garbage is refused.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_URL or _URL_UNSAFE.search(url):
        return False
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        return False
    return (
        parts.scheme in {"http", "https"}
        and bool(parts.hostname)
        and port_ok
        and parts.username is None
        and parts.password is None
    )


def response_url_of(body: dict[str, Any]) -> str | None:
    """Where Slack takes an answer to this request, if anywhere."""
    url = body.get("response_url")
    if url is None:
        urls = body.get("response_urls")
        if isinstance(urls, list) and urls and isinstance(urls[0], dict):
            url = urls[0].get("response_url")
    return url if isinstance(url, str) else None


def person_of(body: dict[str, Any]) -> str | None:
    """Who acted (a command, a button, a form, a DM to the bot), for a fallback DM."""
    user = body.get("user_id") or body.get("user")
    if isinstance(user, dict):
        user = user.get("id")
    event = body.get("event")
    if user is None and isinstance(event, dict) and event.get("type") == "message":
        user = event.get("user")
    return user if isinstance(user, str) and _ID.fullmatch(user) else None
