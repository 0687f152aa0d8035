"""Pages from Jinja2 templates (autoescape on: whatever people typed is escaped), and the
core's messages (spans) as HTML."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from bot.messages import Line, Message, render_line
from bot.wording import WEB_PAGE

_ENV = Environment(
    loader=PackageLoader("adapters.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_BOLD = re.compile(r"\*([^*\n]+)\*")
_ITALIC = re.compile(r"(?<!\w)_([^_\n]+)_(?!\w)")
_CODE = re.compile(r"`([^`\n]+)`")


def copy_html(text: str) -> Markup:
    """The bot's own copy (with `code` and *bold*) as HTML, for templates: `{{ x | copy }}`."""
    return Markup(_copy(text))


_ENV.filters["copy"] = copy_html
_ENV.globals["w"] = WEB_PAGE


def page(template: str, **context: Any) -> str:
    return _ENV.get_template(template).render(**context)


def _copy(text: str) -> str:
    """The bot's own copy: escaped, then its *bold*, _italic_ and `code` as HTML."""
    html = str(escape(text))
    html = _CODE.sub(r"<code>\1</code>", html)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return _ITALIC.sub(r"<em>\1</em>", html)


def line_html(line: Line, name: Callable[[str], str]) -> Markup:
    return Markup(
        render_line(
            line,
            copy=_copy,
            user=lambda u: f'<span class="person">@{escape(name(u))}</span>',
            channel=lambda c: f"#{escape(c)}",
            text=lambda t: str(escape(t)),
        )
    )


def message_html(message: Message | None, name: Callable[[str], str]) -> list[Markup]:
    return [line_html(line, name) for line in message.lines] if message else []
