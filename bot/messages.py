"""Structured outgoing messages. The core builds these; each adapter renders them.

A message is a list of lines; a line is a tuple of spans. A plain `str` span is the bot's own
copy (it may use *bold* and _italic_); `UserRef` and `ChannelRef` are rendered as the platform's
mention; `UserText` is text a person typed and is always escaped by the adapter, so it can never
ping or inject markup.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class UserRef:
    user_id: str


@dataclass(frozen=True, slots=True)
class ChannelRef:
    channel_id: str


@dataclass(frozen=True, slots=True)
class UserText:
    text: str


Span = str | UserRef | ChannelRef | UserText
Line = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Button:
    action_id: str
    label: str
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A small text file sent with a message (a calendar file): Slack uploads it into the
    message's thread, Discord attaches it, the console writes it to a file."""

    filename: str
    content: str
    media_type: str = "text/calendar"


@dataclass(frozen=True, slots=True)
class Message:
    lines: tuple[Line, ...]
    buttons: tuple[Button, ...] = ()
    # Users this message may ping (the platform restricts mentions to them where it can).
    mentions: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()

    def plain(self, name: Any = None) -> str:
        """A plain-text rendering (logs, fallbacks, tests)."""
        return "\n".join(render_line_plain(line, name) for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "lines": [[_span_to_json(s) for s in line] for line in self.lines],
            "buttons": [
                {"action_id": b.action_id, "label": b.label, "style": b.style} for b in self.buttons
            ],
            "mentions": list(self.mentions),
        }
        if self.attachments:
            out["attachments"] = [
                {"filename": a.filename, "content": a.content, "media_type": a.media_type}
                for a in self.attachments
            ]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        return cls(
            lines=tuple(tuple(_span_from_json(s) for s in line) for line in data.get("lines", [])),
            buttons=tuple(
                Button(b["action_id"], b["label"], b.get("style")) for b in data.get("buttons", [])
            ),
            mentions=tuple(data.get("mentions", [])),
            attachments=tuple(
                Attachment(a["filename"], a["content"], a.get("media_type", "text/calendar"))
                for a in data.get("attachments", [])
            ),
        )


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    kind: Literal["users", "text", "checkbox"] = "text"
    initial: Any = None
    max_length: int | None = None


@dataclass(frozen=True, slots=True)
class Form:
    """A dialog the adapter shows (Slack modal, Discord modal); submitted back by `form_id`."""

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "Send"


@dataclass(slots=True)
class Reply:
    """What the person who acted sees (ephemeral on Slack/Discord)."""

    message: Message | None = None
    form: Form | None = None
    ok: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.message.plain() if self.message else ""


_FIELD = re.compile(r"\{(\w+)\}")


def fmt(template: str, **values: Span | int | float) -> Line:
    """Split a copy template into spans: `fmt("Hi {who}!", who=UserRef("U1"))`.

    Numbers and plain strings passed as values are bot-made and inserted as copy; anything a
    person typed must be passed wrapped in `UserText`.
    """
    spans: list[Span] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            spans.append(literal)
        if name is not None:
            value = values[name]
            spans.append(
                value if isinstance(value, UserRef | ChannelRef | UserText) else str(value)
            )
    return tuple(spans)


def text_message(*lines: str | Line, buttons: tuple[Button, ...] = ()) -> Message:
    return Message(
        lines=tuple((line,) if isinstance(line, str) else line for line in lines), buttons=buttons
    )


def render_line(
    line: Line,
    *,
    copy: Callable[[str], str],
    user: Callable[[str], str],
    channel: Callable[[str], str],
    text: Callable[[str], str],
) -> str:
    """One line in a platform's syntax: each adapter says how to write each kind of span."""
    out: list[str] = []
    for span in line:
        if isinstance(span, str):
            out.append(copy(span))
        elif isinstance(span, UserRef):
            out.append(user(span.user_id))
        elif isinstance(span, ChannelRef):
            out.append(channel(span.channel_id))
        else:
            out.append(text(span.text))
    return "".join(out)


def _same(value: str) -> str:
    return value


def render_line_plain(line: Line, name: Any = None) -> str:
    return render_line(
        line,
        copy=_same,
        user=lambda u: "@" + (name(u) if name else u),
        channel=lambda c: "#" + c,
        text=_same,
    )


def _span_to_json(span: Span) -> Any:
    if isinstance(span, str):
        return span
    if isinstance(span, UserRef):
        return {"user": span.user_id}
    if isinstance(span, ChannelRef):
        return {"channel": span.channel_id}
    return {"text": span.text}


def _span_from_json(data: Any) -> Span:
    if isinstance(data, str):
        return data
    if "user" in data:
        return UserRef(data["user"])
    if "channel" in data:
        return ChannelRef(data["channel"])
    return UserText(data["text"])
