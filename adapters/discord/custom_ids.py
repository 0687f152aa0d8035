"""Discord's envelope around the core's ids: the one place that builds and reads custom ids.

Buttons: the core's action id, plus `|<guild>` when the button is sent by DM (interactions in
DMs carry no guild): `checkin:12:met` in a server, `checkin:12:met|1234…` in a DM.
Forms (modals): `wi-form|<form id>|<guild>|<nonce>`, enough to answer a submit in any process.

The action and form ids inside are the core's (`bot.actions`); they are passed on whole, never
read here. The wire format is stable: buttons already sent keep working after an upgrade.
"""

from __future__ import annotations

import os
import re

MAX_CUSTOM_ID = 100  # Discord's limit
SEPARATOR = "|"
FORM_PREFIX = "wi-form"

# Any custom id is a button of ours as far as routing goes (an old or forged one still gets
# "that button has expired" from the core); the guild is the digits after the last `|`.
BUTTON = re.compile(r"(?s)(?P<action>.+?)(?:\|(?P<guild>[0-9]+))?")
_FORM = re.compile(r"wi-form\|(?P<form>[^|]*)\|(?P<guild>[^|]*)\|[^|]*")


def encode_button(action_id: str, guild_id: str | None = None) -> str:
    """A button's custom id: the action id, plus the guild when the button lives in a DM."""
    custom_id = f"{action_id}{SEPARATOR}{guild_id}" if guild_id else action_id
    if len(custom_id) > MAX_CUSTOM_ID:
        raise ValueError(f"custom id too long for Discord: {custom_id[:40]}…")
    return custom_id


def decode_button(custom_id: str) -> tuple[str, str | None]:
    """(action id, guild id or None) from a button's custom id."""
    found = BUTTON.fullmatch(custom_id)
    if found is None:  # only the empty id, which Discord doesn't send
        return custom_id, None
    return found["action"], found["guild"]


def encode_form(form_id: str, guild_id: str) -> str:
    """A modal's custom id, with a nonce so two open forms never share one."""
    custom_id = f"{FORM_PREFIX}{SEPARATOR}{form_id}{SEPARATOR}{guild_id}|{os.urandom(4).hex()}"
    if len(custom_id) > MAX_CUSTOM_ID:
        raise ValueError(f"form id too long: {form_id[:40]}")
    return custom_id


def decode_form(custom_id: str) -> tuple[str, str] | None:
    """(form id, guild id) from a modal's custom id, or None when it isn't one of ours."""
    found = _FORM.fullmatch(custom_id)
    return None if found is None else (found["form"], found["guild"])
