"""A simulated workspace that implements the `Platform` port, printing what the bot sends.

It doubles as the test platform for the core: every message is also kept in `sent`, and
`unreachable` / `gone` make users fail like a closed DM or a deactivated account would.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from bot.messages import Attachment, Button, Line, Message, render_line
from bot.ports import (
    ChannelTarget,
    ConversationTarget,
    DirectTarget,
    GroupTarget,
    PlatformError,
    RecipientsUnavailable,
    SentRef,
    Target,
    UserInfo,
)

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class ConsoleUser:
    id: str
    name: str
    team: str | None = None
    timezone: str | None = None
    admin: bool = False
    bot: bool = False
    interests: list[str] = field(default_factory=list)
    offers: list[str] = field(default_factory=list)
    wants: list[str] = field(default_factory=list)
    email: str | None = None


@dataclass(slots=True)
class WorkspaceData:
    id: str
    name: str
    users: dict[str, ConsoleUser]
    channels: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, path: str | Path | None = None) -> WorkspaceData:
        if path is None:
            text = resources.files("adapters.console").joinpath("workspace.json").read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        raw = json.loads(text)
        users = {u["id"]: ConsoleUser(**u) for u in raw["users"]}
        channels = {c["id"]: c for c in raw["channels"]}
        return cls(raw["workspace"]["id"], raw["workspace"]["name"], users, channels)


@dataclass(frozen=True, slots=True)
class Posted:
    ref: SentRef
    target: Target
    message: Message
    audience: tuple[str, ...]  # user ids who can see it (empty for a channel: everyone)
    key: str | None = None  # the delivery's key


class ConsolePlatform:
    name = "console"
    pool_is_channel = False

    def __init__(self, data: WorkspaceData, out: Callable[[str], None] = print) -> None:
        self.data = data
        self.out = out
        self.sent: list[Posted] = []
        self.unreachable: set[str] = set()  # DMs closed
        self.gone: set[str] = set()  # deactivated / left the workspace
        self.fail_next: list[PlatformError] = []  # injected transient failures
        self.members_fail_next: list[Exception] = []  # injected failures of channel_members
        self.groups: dict[str, tuple[str, ...]] = {}
        # Where files sent with messages (calendar files) are written; None: a temp folder.
        self.files_dir: Path | None = None
        self.files: list[Path] = []
        # Messages replaced after a button was pressed (`update`): where, and what they say now.
        self.updates: list[tuple[SentRef, Message]] = []
        # Set to make channel membership the pool (as on Slack); None: explicit opt-in.
        self.channel_pool: dict[str, set[str]] | None = None
        self._ids = itertools.count(1)

    # --- Platform ------------------------------------------------------------------------------

    async def send(
        self, workspace_id: str, target: Target, message: Message, *, key: str | None = None
    ) -> SentRef:
        if self.fail_next:
            raise self.fail_next.pop(0)
        audience: tuple[str, ...]
        if isinstance(target, DirectTarget):
            self._check_reachable((target.user_id,))
            conversation, audience = f"D-{target.user_id}", (target.user_id,)
            header = f"DM to {self.display(target.user_id)}"
        elif isinstance(target, GroupTarget):
            self._check_reachable(target.user_ids)
            conversation = "G-" + "-".join(sorted(target.user_ids))
            self.groups[conversation] = tuple(target.user_ids)
            audience = tuple(target.user_ids)
            header = "group DM with " + ", ".join(self.display(u) for u in target.user_ids)
        elif isinstance(target, ConversationTarget):
            conversation = target.conversation_id
            audience = self.groups.get(conversation, ())
            header = "group DM with " + ", ".join(self.display(u) for u in audience)
        elif isinstance(target, ChannelTarget):
            if target.channel_id not in self.data.channels:
                raise PlatformError("channel_not_found")
            conversation, audience = f"C-{target.channel_id}", ()
            header = f"#{target.channel_id}"
        else:  # pragma: no cover
            raise PlatformError(f"unknown target {target!r}")
        ref = SentRef(conversation, str(next(self._ids)))
        self.sent.append(Posted(ref, target, message, audience, key))
        self.out(self.render(header, message))
        for attachment in message.attachments:
            self.out(f"  │ 📎 {attachment.filename}: {self._write(ref, attachment)}")
        return ref

    async def find_sent(
        self, workspace_id: str, target: Target, key: str, since: datetime
    ) -> SentRef | None:
        """The console never loses an answer, but it can look too."""
        return next((p.ref for p in reversed(self.sent) if p.key == key), None)

    async def update(self, workspace_id: str, ref: SentRef, message: Message) -> None:
        """Replace the message (its buttons stay pressable) and print it again."""
        for i, posted in enumerate(self.sent):
            if posted.ref == ref:
                self.sent[i] = dataclasses.replace(posted, message=message)
        self.updates.append((ref, message))
        self.out(self.render(f"(updated message {ref.message_id})", message))

    async def user_info(self, workspace_id: str, user_id: str) -> UserInfo | None:
        user = self.data.users.get(user_id)
        if user is None:
            return None
        return UserInfo(
            user_id=user.id,
            display_name=user.name,
            is_bot=user.bot,
            deactivated=user_id in self.gone,
            is_admin=user.admin,
            timezone=user.timezone,
            utc_offset_hours=_offset(user.timezone),
        )

    async def channel_members(self, workspace_id: str, channel_id: str) -> set[str] | None:
        if self.members_fail_next:
            raise self.members_fail_next.pop(0)
        if self.channel_pool is None:
            return None  # on the console, joining is explicit (`/coffee join`)
        return set(self.channel_pool.get(channel_id, set()))

    async def user_by_email(self, workspace_id: str, email: str) -> str | None:
        """From the workspace file's `email` fields (case-insensitive)."""
        wanted = email.strip().casefold()
        found = [u.id for u in self.data.users.values() if (u.email or "").casefold() == wanted]
        return found[0] if found else None

    # --- helpers ------------------------------------------------------------------------------

    def _check_reachable(self, users: tuple[str, ...]) -> None:
        gone = tuple(u for u in users if u in self.gone or u not in self.data.users)
        if gone:
            raise RecipientsUnavailable(gone, "user_disabled")
        closed = tuple(u for u in users if u in self.unreachable)
        if closed:
            raise RecipientsUnavailable(closed, "cannot_dm")

    def _write(self, ref: SentRef, attachment: Attachment) -> Path:
        folder = self.files_dir or Path(tempfile.gettempdir()) / "warmintro-files"
        folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^\w.\-]", "_", f"{ref.conversation_id}-{ref.message_id}")
        path = folder / f"{safe}-{Path(attachment.filename).name}"
        path.write_bytes(attachment.content.encode("utf-8"))  # as sent: CRLF line ends
        self.files.append(path)
        return path

    def display(self, user_id: str) -> str:
        user = self.data.users.get(user_id)
        return user.name if user else user_id

    def render(self, header: str, message: Message) -> str:
        lines = [f"→ {header}:"]
        for line in message.lines:
            for part in self.render_line(line).split("\n"):
                lines.append("  │ " + part)
        if message.buttons:
            lines.append("  │ " + "  ".join(f"[{b.label}]" for b in message.buttons))
        return "\n".join(lines)

    def render_line(self, line: Line) -> str:
        return render_line(
            line,
            copy=lambda text: _CHANNEL_MENTION.sub(r"#\1", text),
            user=lambda user_id: "@" + self.display(user_id),
            channel=lambda channel_id: "#" + channel_id,
            text=lambda text: text,
        )

    def remember_reply(self, user_id: str, message: Message) -> None:
        """An ephemeral reply with buttons stays pressable for the user who saw it."""
        ref = SentRef(f"E-{user_id}", str(next(self._ids)))
        self.sent.append(Posted(ref, DirectTarget(user_id), message, (user_id,)))

    def visible_to(self, user_id: str, channel_id: str | None) -> list[Posted]:
        """Messages the user can see: their DMs and groups, and the channel they're in."""
        return [
            p
            for p in self.sent
            if user_id in p.audience
            or (
                not p.audience
                and channel_id is not None
                and p.ref.conversation_id == f"C-{channel_id}"
            )
        ]

    def find_button(self, user_id: str, channel_id: str | None, label: str) -> Button | None:
        wanted = label.strip().lower()
        for posted in reversed(self.visible_to(user_id, channel_id)):
            buttons = posted.message.buttons
            if wanted.isdigit() and buttons and 1 <= int(wanted) <= len(buttons):
                return buttons[int(wanted) - 1]
            for button in buttons:
                if button.label.lower() == wanted or button.label.lower().startswith(wanted):
                    return button
        return None


_CHANNEL_MENTION = re.compile(r"<#([\w.\-]+)(?:\|[^>]*)?>")


def _offset(zone: str | None) -> float | None:
    if not zone:
        return None
    from bot.text import utc_offset_hours

    return utc_offset_hours(zone)
