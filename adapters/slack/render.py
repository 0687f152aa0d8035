"""Core messages → Slack Block Kit. Everything a person typed is escaped here."""

from __future__ import annotations

from typing import Any

from bot.messages import Button, Form, Line, Message, Reply, render_line

SECTION_LIMIT = 3000  # characters of text in one section block
BUTTON_LABEL_LIMIT = 75
MODAL_TITLE_LIMIT = 24


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


def _chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split long text for section blocks, on newlines or spaces, never inside an entity."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
            amp = text.rfind("&", cut - 5, cut)
            if amp != -1 and ";" not in text[amp:cut]:
                cut = amp
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    chunks.append(text)
    return chunks


def button(b: Button) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "action_id": b.action_id,
        "text": {"type": "plain_text", "text": b.label[:BUTTON_LABEL_LIMIT], "emoji": True},
        "value": b.action_id,
    }
    if b.style:
        element["style"] = b.style
    return element


def blocks(message: Message) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for line in message.lines:
        text = mrkdwn(line)
        if not text.strip():
            continue
        for chunk in _chunks(text):
            # verbatim: Slack doesn't auto-link a plain "@here" or channel name typed by a person
            text_object = {"type": "mrkdwn", "text": chunk, "verbatim": True}
            out.append({"type": "section", "text": text_object})
    if message.buttons:
        out.append({"type": "actions", "elements": [button(b) for b in message.buttons]})
    return out


def fallback_text(message: Message) -> str:
    """The notification text (also mrkdwn on Slack, so it's escaped the same way)."""
    return "\n".join(mrkdwn(line) for line in message.lines)[:3900]


def post_args(message: Message) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage / chat.update / respond()."""
    return {"text": fallback_text(message), "blocks": blocks(message), "unfurl_links": False}


def modal(form: Form, private_metadata: str = "") -> dict[str, Any]:
    inputs: list[dict[str, Any]] = []
    for field in form.fields:
        block: dict[str, Any] = {
            "type": "input",
            "block_id": field.name,
            "label": {"type": "plain_text", "text": field.label[:2000]},
        }
        if field.kind == "users":
            element: dict[str, Any] = {"type": "multi_users_select", "action_id": "value"}
            if field.initial:
                element["initial_users"] = list(field.initial)
        elif field.kind == "checkbox":
            block["optional"] = True
            option = {"text": {"type": "plain_text", "text": field.label[:75]}, "value": "yes"}
            element = {"type": "checkboxes", "action_id": "value", "options": [option]}
            if field.initial:
                element["initial_options"] = [option]
            block["label"] = {"type": "plain_text", "text": "Options"}
        else:
            element = {"type": "plain_text_input", "action_id": "value", "multiline": True}
            if field.max_length:
                element["max_length"] = field.max_length
            if field.initial:
                element["initial_value"] = str(field.initial)
        block["element"] = element
        inputs.append(block)
    return {
        "type": "modal",
        "callback_id": form.form_id,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": form.title[:MODAL_TITLE_LIMIT]},
        "submit": {"type": "plain_text", "text": form.submit_label[:MODAL_TITLE_LIMIT]},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": inputs,
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
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "WarmIntro"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": blocks(Message(message.lines)),  # no buttons inside a notice
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
