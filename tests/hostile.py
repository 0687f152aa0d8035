"""A shared corpus of hostile input, and the checks every platform's answers must pass.

Every string here is something a person (or a forged request) could type or send: broadcast
mentions in every platform's syntax, markup and link injection, pre-escaped entities, control
characters, broken Unicode, bidi tricks, huge text, overflowing and malformed ids, SQL-ish and
format-string text. The tests in `tests/core`, `tests/slack` and `tests/discord` send each one
through every command, button and form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.forget import strings_in
from bot.messages import Message, UserText

BROADCASTS = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S1>",
    "<!subteam^S1|@engineers>",
    "<!here|here> now",
    "<!date^1392734382^{date}|Feb 18>",
    "@everyone",
    "@here",
    "hey @everyone look",
    "<@U0002>",
    "<@U0002|li> hi",
    "<@&123>",
    "<@!123456789012345678>",
    "<#C0001>",
    "<#C0001|general>",
)
MARKUP = (
    "*bold* _it_ ~strike~ `code` ```block```",
    "<https://evil.example|click me>",
    "[free nitro](https://evil.example)",
    "> quote\n>>> more <!channel>",
    "&lt;!channel&gt;",
    "&amp;lt;!here&amp;gt;",
    "<<!channel>>",
    "<!chan<!here>nel>",
    "</p><script>alert(1)</script>",
)
CONTROL = (
    "nul\x00byte",
    "\x00",
    "bell\x07 esc\x1b[31m red",
    "del\x7f and c1\x85",
    "<!channel>\x00",
)
UNICODE = (
    "\ud800 lone surrogate",
    "\udfff",
    "rtl \u202egnp.exe",
    "zero\u200bwidth @\u200beveryone",
    "\ufeffbom <!here>",
    "combining e\u0301\u0301\u0301\u0301",
    "emoji 👩\u200d👩\u200d👧\u200d👦 ☕",
    "\u3164\u3164 hangul filler",
)
SIZES = (
    "x" * 100_000,
    "y" * 2001,
    "<!channel> " * 400,
    "a, " * 900,
)
IDS = (
    "U" + "9" * 200,
    "99999999999999999999",
    "2147483648",
    "-1",
    "0",
    "1e9",
    "١٢٣",
    "²",
    "12 ",
    "C0001|general",
)
SQLISH = (
    "'; DROP TABLE members; --",
    '" OR 1=1 --',
    "Robert'); DROP TABLE thanks_notes;--",
    "%s %(x)s {0} {x} {{}}",
    "\\x00 \\u0000 \\",
)

CORPUS: tuple[str, ...] = BROADCASTS + MARKUP + CONTROL + UNICODE + SIZES + IDS + SQLISH

# The strings the database itself is touchy about (NUL, surrogates, overflowing integers,
# oversized ids): the PostgreSQL run sends these at least.
DATABASE_SENSITIVE: tuple[str, ...] = (
    "nul\x00byte",
    "<!channel>\x00",
    "\ud800 lone surrogate",
    "U" + "9" * 200,
    "99999999999999999999",
    "2147483648",
    "x" * 100_000,
    "'; DROP TABLE members; --",
    "<!channel>",
)

# Action ids: each hostile string on its own and in every slot of a real id, plus real ids
# with numbers no database column can hold.
OVERFLOW_ACTIONS = (
    "checkin:99999999999999999999:met",
    "checkin:2147483648:met",
    "checkin:-1:met",
    "checkin:0:met",
    "checkin:١٢:met",
    "checkin:1e3:met",
    "thanks:start:99999999999999999999",
    "thanks:start:²",
    "interview:skip:" + "s" * 300,
    "checkin:1:met:extra:parts:here",
    "a" * 256,
)


def action_ids(text: str) -> list[str]:
    return [
        text,
        f"checkin:{text}:met",
        f"checkin:1:{text}",
        f"thanks:start:{text}",
        f"interview:skip:{text}",
        f"program:{text}",
    ]


# --- checks -----------------------------------------------------------------------------------

# Pieces of hostile input the bot's own copy never contains: if one is in a plain `str` span,
# typed text was formatted into copy instead of being carried as `UserText`.
_MARKERS = (
    "<!",
    "@everyone",
    "@here",
    "<@U0002",
    "<@&",
    "<@!",
    "<#C0001",
    "evil.example",
    "DROP TABLE",
    "OR 1=1",
    "<script>",
    "\x00",
    "\ud800",
    "\u202e",
    "\u200b",
    "xxxxxxxxxx",
    "yyyyyyyyyy",
    "%(x)s",
    "{x}",
    "lone surrogate",
    "hangul filler",
    "gnp.exe",
    "9999999999",
)


def raw_echoes(message: Message | None) -> list[str]:
    """Copy spans (plain `str`) of `message` that carry a piece of hostile typed text."""
    if message is None:
        return []
    found = []
    for line in message.lines:
        for span in line:
            if isinstance(span, str) and any(marker in span for marker in _MARKERS):
                found.append(span)
            elif not isinstance(span, str | UserText) and hasattr(span, "text"):
                found.append(repr(span))  # pragma: no cover - a new span type to review
    return found


SLACK_BROADCAST = re.compile(r"<!(?:channel|here|everyone|subteam)")
SLACK_MENTION = re.compile(r"<@([A-Za-z0-9]+)")
DISCORD_BROADCAST = re.compile(r"@(?:everyone|here)")
DISCORD_ROLE = re.compile(r"<@&\d+>")
DISCORD_MENTION = re.compile(r"<@!?(\d+)>")


def slack_texts(payload: Any) -> Iterable[str]:
    """Every string inside a Slack API payload (text, blocks, views), however nested."""
    return strings_in(payload)


def slack_pings(payload: Any, allowed_users: set[str]) -> list[str]:
    """Broadcasts, and mentions of anyone but `allowed_users`, in what was sent to Slack."""
    bad = []
    for text in slack_texts(payload):
        bad += [m.group(0) for m in SLACK_BROADCAST.finditer(text)]
        bad += [f"<@{u}>" for u in SLACK_MENTION.findall(text) if u not in allowed_users]
    return bad


def discord_pings(message: dict[str, Any], allowed_users: set[str]) -> list[str]:
    """What could ping in a message sent to Discord: the content's unescaped mentions, checked
    against the message's `allowed_mentions` (which is what Discord enforces)."""
    content = str(message.get("content") or "")
    mentions = message.get("allowed_mentions")
    bad = []
    if mentions is None:
        bad.append("no allowed_mentions")
    else:
        if mentions.get("parse"):
            bad.append(f"parse={mentions['parse']}")
        if mentions.get("roles"):
            bad.append("roles")
        bad += [f"user {u}" for u in mentions.get("users") or () if str(u) not in allowed_users]
    bad += [m.group(0) for m in DISCORD_BROADCAST.finditer(content)]
    bad += [m.group(0) for m in DISCORD_ROLE.finditer(content)]
    bad += [f"<@{u}>" for u in DISCORD_MENTION.findall(content) if u not in allowed_users]
    return bad
