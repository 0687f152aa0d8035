"""Core messages → Discord: content text, buttons, mentions that may ping. Pure functions.

The core's copy uses Slack-style `*bold*`; Discord wants `**bold**`. `UserRef` becomes `<@id>`,
`ChannelRef` `<#id>`, and `UserText` (what a person typed) is escaped twice over: markdown is
neutralised and every `@everyone`, `@here`, `<@…>` and `<@&…>` gets a zero-width space so it
renders as text. The real guarantee is `allowed_mentions`, which lets only the message's
intended users be pinged, whatever the text says.

Button and form custom ids (the core's ids in Discord's envelope) are built in `custom_ids`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence

import discord

from bot import wording
from bot.messages import Button, Line, Message
from bot.messages import render_line as render_spans

MAX_CONTENT = 2000  # Discord's limit for message content
MAX_PARTS = 5  # messages one core message may become (beyond: "…and N more lines")
MAX_BUTTONS = 25  # 5 rows of 5
MAX_LABEL = 80  # button label
MAX_MODAL_TITLE = 45
MAX_MODAL_LABEL = 45  # a label around a modal component
MAX_MODAL_COMPONENTS = 5
MAX_TEXT_INPUT = 4000  # value (and so max_length) of a text input
MENTION_LENGTH = 25  # `<@&` + a 20-digit snowflake + `>`

_BOLD = re.compile(r"(?<![\w*\\])\*(?=\S)([^*\n`]+?)(?<=\S)\*(?![\w*])")
_BRACKET = re.compile(r"(?<!\\)([\[\]])")
_LIVE_MENTION = re.compile(r"<([@#])(?=[!&]?\d+>)")
_STYLES = {"primary": discord.ButtonStyle.primary, "danger": discord.ButtonStyle.danger}


def escape_user_text(text: str) -> str:
    """Text a person typed, safe to post: no markdown tricks, no mentions, no masked links.

    discord.py's escape_markdown escapes only the first link on a line, so every bracket that
    isn't escaped yet is escaped here too: `[free nitro](https://…)` can never become a link.
    """
    escaped = discord.utils.escape_mentions(discord.utils.escape_markdown(text))
    # escape_mentions only knows snowflake-sized ids: `<@&123>` or `<#42>` would still render
    # as a role or channel pill, so any `<@…>`, `<@&…>`, `<#…>` left gets its zero-width space.
    escaped = _LIVE_MENTION.sub("<\\1\u200b", escaped)
    return _BRACKET.sub(r"\\\1", escaped)


def bot_markup(text: str) -> str:
    """The core's copy (Slack-style `*bold*`, `_italic_`) in Discord markdown."""
    return _BOLD.sub(r"**\1**", text)


def render_line(line: Line) -> str:
    return render_spans(
        line,
        copy=bot_markup,
        user=lambda user_id: f"<@{user_id}>",
        channel=lambda channel_id: f"<#{channel_id}>",
        text=escape_user_text,
    )


def render_text(message: Message) -> str:
    return "\n".join(render_line(line) for line in message.lines)


def clip(text: str, limit: int) -> str:
    """A label or title clipped to `limit` characters with "…"; never empty."""
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text if text.strip() else "…"


def _cut(text: str, limit: int) -> int:
    """Where to cut a line longer than `limit`: at a space if one is in the second half, and
    never just after an escaping backslash or inside a mention (`<@…>`, `<#…>`)."""
    cut = text.rfind(" ", 0, limit + 1)
    if cut < limit // 2:
        cut = limit
    opened = text.rfind("<", max(0, cut - MENTION_LENGTH), cut)
    if opened > 0 and text.find(">", opened, cut) == -1:
        cut = opened
    backslashes = len(text[:cut]) - len(text[:cut].rstrip("\\"))
    if backslashes % 2 and cut > 1:
        cut -= 1  # `\*` stays whole: a lone `\` would escape nothing and `*` would be markup
    return cut


def split_content(text: str, limit: int = MAX_CONTENT, max_parts: int = MAX_PARTS) -> list[str]:
    """Split text into at most `max_parts` messages of at most `limit` characters, at line
    breaks where possible; when even that is too little, the last part says what is left out."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            cut = _cut(line, limit)
            chunks.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    chunks = [c for c in chunks if c.strip()] or [text[:limit]]
    if len(chunks) > max_parts:
        hidden = sum(c.count("\n") + 1 for c in chunks[max_parts:])
        note = "\n" + wording.more_lines(hidden)
        last = chunks[max_parts - 1]
        if len(last) + len(note) > limit:
            last = last[: _cut(last, limit - len(note))]
        chunks = [*chunks[: max_parts - 1], last + note]
    return chunks


def allowed_mentions(user_ids: Iterable[str] = ()) -> discord.AllowedMentions:
    """Only these users may be pinged: never @everyone, @here or a role."""
    users = [discord.Object(int(u)) for u in dict.fromkeys(user_ids) if str(u).isdigit()]
    return discord.AllowedMentions(everyone=False, roles=False, users=users, replied_user=False)


def button_style(button: Button) -> discord.ButtonStyle:
    return _STYLES.get(button.style or "", discord.ButtonStyle.secondary)


def nonce_for(conversation: str, parts: Sequence[object]) -> str:
    """A stable nonce for one message: a retry of the same send is deduplicated by Discord."""
    raw = json.dumps([conversation, *parts], sort_keys=True, default=str)
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()[:25]


def message_fingerprint(message: Message) -> str:
    return json.dumps(message.to_dict(), sort_keys=True)
