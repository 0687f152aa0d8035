"""Validation at the edge: what a platform hands the core is checked before the core trusts it.

Platform-neutral, so Slack, Discord and the console refuse exactly the same things:

- ids (users, channels, workspaces) have a plausible shape and length (they end up in
  `String(64)` columns);
- action and form ids are read by `bot.actions` alone (short, of a known shape, numbers
  database-sized: `checkin:99999999999999999999:met` is an expired button, not an integer
  overflow on SQLite or PostgreSQL);
- typed text holds no control characters (NUL above all: PostgreSQL can't store it) and no
  broken Unicode (lone surrogates, which JSON escapes can smuggle in).

Bad input gets a clear answer from `bot.wording` and changes nothing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from bot import wording
from bot.core import Actor
from bot.text import MAX_TEXT, InputError

MAX_EXTERNAL_ID = 64  # members.external_id, programs.channel_id, …
MAX_NAME = 200  # members.display_name, programs.name
MAX_RECIPIENTS = 25  # people thanked at once (each one is a platform lookup)
MAX_FORM_VALUES = 20

# C0 controls except tab, newline and carriage return; DEL and the C1 controls; lone surrogates.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_EXTERNAL_ID = re.compile(rf"[A-Za-z0-9_.\-]{{1,{MAX_EXTERNAL_ID}}}")


def unsafe(text: str) -> bool:
    """Control characters or broken Unicode in `text`."""
    return _UNSAFE.search(text) is not None


def strip_unsafe(text: str) -> str:
    return _UNSAFE.sub("", text)


def check_chars(text: str) -> str:
    if unsafe(text):
        raise InputError(wording.UNSAFE_TEXT)
    return text


def check_text(text: str, limit: int = MAX_TEXT) -> str:
    """Typed text: not over `limit` (the usual too-long answer), and storable."""
    if len(text) > limit:
        raise InputError(wording.too_long(len(text), limit))
    return check_chars(text)


def any_unsafe(value: Any, depth: int = 0) -> bool:
    """Whether any string inside `value` (dataclasses, mappings, sequences) is unsafe."""
    if depth > 8:
        return True
    if isinstance(value, str):
        return unsafe(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(any_unsafe(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    if isinstance(value, Mapping):
        return any(any_unsafe(k, depth + 1) or any_unsafe(v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(any_unsafe(v, depth + 1) for v in value)
    return False


def external_id_ok(value: object) -> bool:
    """A user, channel or workspace id as a platform makes them."""
    return isinstance(value, str) and _EXTERNAL_ID.fullmatch(value) is not None


def clean_actor(actor: Actor) -> Actor | None:
    """The actor with a storable display name; None when its ids can't be real."""
    if not (external_id_ok(actor.workspace_id) and external_id_ok(actor.user_id)):
        return None
    if actor.channel_id is not None and not external_id_ok(actor.channel_id):
        return None
    name = actor.display_name
    if name is not None:
        cleaned = strip_unsafe(str(name)).strip()[:MAX_NAME] or None
        if cleaned != name:
            actor = dataclasses.replace(actor, display_name=cleaned)
    return actor
