"""Core messages → Slack Block Kit. Everything a person typed is escaped here.

Every payload built here fits Slack's limits (`limits.py`) whatever the input: a long line is
split over several sections, at a line break or a space and never inside an entity (`<@U1>`,
`&amp;`); when a message has more lines than blocks, its lines share sections; and when even
that is too much, the first blocks are kept and a context block says how many lines were left
out. A message is never split into several posts: an outbox delivery is one post (one key, one
"sent"), and with lines packed 3,000 characters a section, 50 blocks hold ~150,000 characters —
the core summarises anything that could grow that large (e.g. `/coffee preview`). Labels and
titles are clipped with "…"; typed text is escaped before any cut, and cuts never split an
escape.
"""

from __future__ import annotations

import logging
from typing import Any

from adapters.slack import limits
from bot import wording
from bot.messages import Button, Form, Line, Message, Reply, render_line

logger = logging.getLogger(__name__)

SECTION_LIMIT = limits.SECTION_TEXT  # characters of text in one section block
BUTTON_LABEL_LIMIT = limits.BUTTON_TEXT
MODAL_TITLE_LIMIT = limits.VIEW_TITLE
ELLIPSIS = "…"
MAX_ACTION_BLOCKS = 2  # buttons beyond 2 × 25 are dropped (the core sends at most 3)


def escape(text: str) -> str:
    """Slack's three control characters: no `<!channel>`, `<@U…>`, `<#C…>` or link can survive."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(line: Line) -> str:
    return render_line(
        line,
        copy=lambda text: text,  # the bot's own copy: mrkdwn as written
        user=lambda user_id: f"<@{user_id}>",
        channel=lambda channel_id: f"<#{channel_id}>",
        text=escape,
    )


# --- cutting mrkdwn safely ----------------------------------------------------------------------


def _outside_entity(text: str, cut: int) -> int:
    """Move `cut` back so it doesn't fall inside `<…>` or an `&…;` escape."""
    opened = text.rfind("<", 0, cut)
    if opened != -1 and text.find(">", opened, cut) == -1:
        cut = opened
    amp = text.rfind("&", max(0, cut - 5), cut)  # the longest escape, `&amp;`, has 5 characters
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    return cut


def safe_cut(text: str, limit: int) -> int:
    """Where to cut `text` to keep at most `limit` characters: at a line break, else a space,
    else anywhere outside an entity. Always > 0 for `limit` > 0 (progress is guaranteed)."""
    if len(text) <= limit:
        return len(text)
    cut = text.rfind("\n", 0, limit + 1)
    if cut < limit // 2:
        cut = text.rfind(" ", 0, limit + 1)
    if cut < limit // 2:
        cut = limit
    cut = _outside_entity(text, cut)
    return cut if cut > 0 else limit


def chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split mrkdwn into pieces of at most `limit` characters (see `safe_cut`)."""
    out: list[str] = []
    while len(text) > limit:
        cut = safe_cut(text, limit)
        out.append(text[:cut])
        text = text[cut:].removeprefix("\n")
    out.append(text)
    return out


def truncate(text: str, limit: int) -> str:
    """mrkdwn clipped to `limit` characters with "…", never inside an entity or escape."""
    if len(text) <= limit:
        return text
    return text[: safe_cut(text, limit - len(ELLIPSIS))].rstrip() + ELLIPSIS


def clip(text: str, limit: int) -> str:
    """Plain text (labels, titles) clipped to `limit` characters with "…"; never empty."""
    text = " ".join(text.split()) if "\n" in text else text
    if len(text) > limit:
        text = text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS
    return text if text.strip() else ELLIPSIS


def plain(text: str, limit: int, emoji: bool = False) -> dict[str, Any]:
    obj: dict[str, Any] = {"type": "plain_text", "text": clip(text, limit)}
    if emoji:
        obj["emoji"] = True
    return obj


# --- messages -----------------------------------------------------------------------------------


def button(b: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "action_id": b.action_id,
        "text": plain(b.label, limits.BUTTON_TEXT, emoji=True),
        "value": b.action_id,
    }
    if b.style:
        element["style"] = b.style
    return element


def _actions(buttons: tuple[Button, ...]) -> list[dict[str, Any]]:
    usable = []
    for b in buttons:
        if len(b.action_id) > limits.ACTION_ID:  # core-made ids; cutting one would misroute it
            logger.warning("button %r dropped: action id too long", b.action_id[:40])
            continue
        usable.append(button(b))
    size = limits.ACTIONS_ELEMENTS
    groups = [usable[i : i + size] for i in range(0, len(usable), size)]
    if len(groups) > MAX_ACTION_BLOCKS:
        shown = size * MAX_ACTION_BLOCKS
        logger.warning("%d buttons: only the first %d are shown", len(usable), shown)
    return [{"type": "actions", "elements": g} for g in groups[:MAX_ACTION_BLOCKS]]


def _section(text: str) -> dict[str, Any]:
    # verbatim: Slack doesn't auto-link a plain "@here" or channel name typed by a person
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _texts(message: Message) -> list[str]:
    return [text for text in (mrkdwn(line) for line in message.lines) if text.strip()]


def _sections(texts: list[str], budget: int) -> list[dict[str, Any]]:
    """At most `budget` blocks for these lines: one section per line when they fit, else the
    lines share sections, else the first sections and a note of how many lines are left out."""
    pieces = [c for text in texts for c in chunks(text) if c.strip()]
    if len(pieces) > budget:
        pieces = [c for c in chunks("\n".join(texts)) if c.strip()]
    if len(pieces) <= budget:
        return [_section(p) for p in pieces]
    keep = max(budget - 1, 0)
    hidden = sum(p.count("\n") + 1 for p in pieces[keep:])
    note = {"type": "context", "elements": [{"type": "mrkdwn", "text": wording.more_lines(hidden)}]}
    logger.info("message cut to %d blocks: %d lines left out", budget, hidden)
    return [*(_section(p) for p in pieces[:keep]), note][:budget]


def blocks(message: Message, max_blocks: int = limits.MESSAGE_BLOCKS) -> list[dict[str, Any]]:
    actions = _actions(message.buttons)
    return _sections(_texts(message), max_blocks - len(actions)) + actions


def fallback_text(message: Message) -> str:
    """The notification text (also mrkdwn on Slack, so it's escaped the same way)."""
    text = truncate("\n".join(_texts(message)), limits.FALLBACK_TEXT)
    return text or ELLIPSIS


def post_args(message: Message) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage / chat.update / respond()."""
    return {"text": fallback_text(message), "blocks": blocks(message), "unfurl_links": False}


# --- views --------------------------------------------------------------------------------------


def _initial_text(value: str, limit: int) -> str:
    """A form field's current value, cut (at a comma or space) only beyond Slack's limit."""
    if len(value) <= limit:
        return value
    cut = max(value.rfind(",", 0, limit + 1), value.rfind(" ", 0, limit + 1))
    return value[: cut if cut > limit // 2 else limit].rstrip(" ,")


def _metadata(value: str) -> str:
    if len(value) > limits.PRIVATE_METADATA:
        logger.warning("private_metadata of %d characters dropped", len(value))
        return ""
    return value


def _checked_id(value: str, limit: int, what: str) -> str:
    """Ids the core makes and reads back (callback and block ids) can't be cut; refuse."""
    if len(value) > limit:
        raise ValueError(f"{what} too long for Slack: {value[:40]}…")
    return value


def modal(form: Form, private_metadata: str = "") -> dict[str, Any]:
    inputs: list[dict[str, Any]] = []
    for field in form.fields:
        block: dict[str, Any] = {
            "type": "input",
            "block_id": _checked_id(field.name, limits.BLOCK_ID, "field name"),
            "label": plain(field.label, limits.INPUT_LABEL),
        }
        if field.kind == "users":
            element: dict[str, Any] = {"type": "multi_users_select", "action_id": "value"}
            if field.initial:
                element["initial_users"] = list(field.initial)
        elif field.kind == "checkbox":
            block["optional"] = True
            option = {"text": plain(field.label, limits.OPTION_TEXT), "value": "yes"}
            element = {"type": "checkboxes", "action_id": "value", "options": [option]}
            if field.initial:
                element["initial_options"] = [option]
            block["label"] = {"type": "plain_text", "text": "Options"}
        else:
            initial = str(field.initial) if field.initial else ""
            # Never offer less room than the person's current value needs (up to Slack's cap):
            # the core checks what comes back.
            room = max(field.max_length or limits.PLAIN_TEXT_INPUT, len(initial))
            room = min(room, limits.PLAIN_TEXT_INPUT)
            element = {"type": "plain_text_input", "action_id": "value", "multiline": True}
            if field.max_length or room < limits.PLAIN_TEXT_INPUT:
                element["max_length"] = room
            if initial:
                element["initial_value"] = _initial_text(initial, room)
        block["element"] = element
        inputs.append(block)
    return {
        "type": "modal",
        "callback_id": _checked_id(form.form_id, limits.CALLBACK_ID, "form id"),
        "private_metadata": _metadata(private_metadata),
        "title": plain(form.title, limits.VIEW_TITLE),
        "submit": plain(form.submit_label, limits.VIEW_BUTTON),
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": inputs[: limits.VIEW_BLOCKS],
    }


def loading() -> dict[str, Any]:
    """The dialog shown at once while the core prepares the real one (views.update)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "WarmIntro"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "One moment…"}}],
    }


def dialog(reply: Reply, private_metadata: str = "") -> dict[str, Any]:
    """What the opened dialog becomes: the form, or the reply's message (e.g. an error)."""
    if reply.form is not None:
        return modal(reply.form, private_metadata)
    message = reply.message or Message((("That button has expired.",),))
    content = blocks(Message(message.lines), limits.VIEW_BLOCKS)  # no buttons inside a notice
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "WarmIntro"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": content or [_section(ELLIPSIS)],
    }


def form_values(form_fields: dict[str, str], state: dict[str, Any]) -> dict[str, Any]:
    """A view_submission's state → the values the core expects (`form_fields`: name → kind)."""
    values: dict[str, Any] = {}
    for name, kind in form_fields.items():
        element = (state.get(name) or {}).get("value") or {}
        if kind == "users":
            values[name] = list(element.get("selected_users") or [])
        elif kind == "checkbox":
            values[name] = bool(element.get("selected_options"))
        else:
            values[name] = element.get("value") or ""
    return values
