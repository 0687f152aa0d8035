"""Short replies to the person who acted, and the exception that refuses a request."""

from __future__ import annotations

from bot.messages import Line, Reply, text_message


def reply(*lines: str | Line, ok: bool = True) -> Reply:
    return Reply(text_message(*lines), ok=ok)


def error(text: str | Line, usage: str | None = None) -> Reply:
    """A refusal. `text` is the bot's copy, or a line whose typed parts are `UserText` spans."""
    return reply(text, *([usage] if usage else []), ok=False)


class Rejected(Exception):
    """Raised inside a transaction to refuse a request: everything it wrote is rolled back."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.text)
        self.reply = reply
