"""The console: act as any user, type what they would, move time, see every message.

/as maya            act as Maya            /in #coffee     type in #coffee (/in dm: a DM)
/coffee …, /thanks … the real commands     plain text      a DM from you to the bot
/press We met       press a button you can see (label or number)
/submit note [--private]   submit the last form you opened (e.g. Send thanks)
/tick 7d            move time (d, h, m) and run what's due
/add-bot #ch, /remove-bot #ch, /join-channel, /leave-channel   channel events
/load-profiles      everyone in the workspace file joins #coffee with their profile
/dashboard          a sign-in link to the web dashboard (/coffee me: to your own page)
/users, /now, /help, /quit
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from adapters.console.platform import ConsolePlatform, ConsoleUser
from bot import commands as cmd
from bot.app import WarmIntro
from bot.core import Actor
from bot.messages import Form, Reply

logger = logging.getLogger(__name__)

_MENTION = re.compile(r"(?<![<\w])@([\w.\-]+)")
_CHANNEL = re.compile(r"(?<![<\w])#([\w\-]+)")
_DURATION = re.compile(r"^(\d+)\s*([dhm])$")


async def join_with_profile(app: WarmIntro, actor: Actor, user: ConsoleUser) -> Reply:
    """`user` tells WarmIntro their profile from the workspace file, then joins (no interview)."""
    for field, tags in (
        ("interests", user.interests),
        ("offers", user.offers),
        ("wants", user.wants),
    ):
        if tags:
            await app.run(actor, cmd.SetTags(field, tuple(tags)))  # type: ignore[arg-type]
    if user.team:
        await app.run(actor, cmd.SetTeam(user.team))
    return await app.run(actor, cmd.Join())


class ConsoleSession:
    def __init__(
        self,
        app: WarmIntro,
        platform: ConsolePlatform,
        advance: Callable[[timedelta], Any],
        out: Callable[[str], None] = print,
        user: str | None = None,
        channel: str | None = "coffee",
    ) -> None:
        self.app = app
        self.platform = platform
        self.advance = advance
        self.out = out
        admins = [u.id for u in platform.data.users.values() if u.admin]
        self.user = user or (admins[0] if admins else next(iter(platform.data.users)))
        self.channel = channel
        self.forms: dict[str, Form] = {}
        self.done = False
        self._narrating = False

    @property
    def prompt(self) -> str:
        where = f"#{self.channel}" if self.channel else "dm"
        return f"{self.user}@{where}> "

    def actor(self, in_channel: bool = True) -> Actor:
        info = self.platform.data.users[self.user]
        return Actor(
            workspace_id=self.platform.data.id,
            user_id=self.user,
            channel_id=self.channel if in_channel else None,
            is_admin=info.admin,
            display_name=info.name,
        )

    async def handle(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        if line.startswith("#"):
            self.out(("" if self._narrating else "\n") + line)
            self._narrating = True
            return
        self._narrating = False
        if not line.startswith("/"):
            self.show(await self.app.direct_message(self.actor(False), line))
            await self.app.core.settle()
            return
        name, _, rest = line.partition(" ")
        handler = getattr(self, "cmd_" + name[1:].replace("-", "_"), None)
        if handler is None:
            self.out(f"  (unknown console command {name[:40]}; /help lists them)")
            return
        await handler(rest.strip())
        # A console is one person at a time: what the line started (deliveries, a round's
        # intros) shows before the next prompt.
        await self.app.core.settle()

    def show(self, reply: Reply) -> None:
        if reply.form is not None:
            self.forms[self.user] = reply.form
            fields = ", ".join(
                f"{f.label} [{' '.join('@' + u for u in f.initial)}]"
                if f.kind == "users" and f.initial
                else f.label
                for f in reply.form.fields
            )
            self.out(f"  📝 Form “{reply.form.title}”: {fields}")
            self.out("  (fill it in with /submit your note [--private])")
        if reply.message is not None:
            marker = "  (only you see this)" if reply.ok else "  ⚠ (only you see this)"
            self.out(marker)
            for line in reply.message.lines:
                for part in self.platform.render_line(line).split("\n"):
                    self.out("  │ " + part)
            if reply.message.buttons:
                self.out("  │ " + "  ".join(f"[{b.label}]" for b in reply.message.buttons))
                self.platform.remember_reply(self.user, reply.message)

    # --- commands -----------------------------------------------------------------------------

    async def cmd_coffee(self, rest: str) -> None:
        self.show(await self.app.coffee(self.actor(), self.to_platform(rest)))

    async def cmd_dashboard(self, rest: str) -> None:
        self.show(await self.app.run(self.actor(), cmd.Dashboard()))

    async def cmd_thanks(self, rest: str) -> None:
        self.show(await self.app.thanks(self.actor(), self.to_platform(rest)))

    async def cmd_as(self, rest: str) -> None:
        user = rest.lstrip("@").strip()
        if user not in self.platform.data.users or self.platform.data.users[user].bot:
            self.out(f"  (no such person: {user[:40]!r}; /users lists them)")
            return
        self.user = user
        self.out(f"  (you are now {self.platform.display(user)})")

    async def cmd_in(self, rest: str) -> None:
        where = rest.lstrip("#").strip()
        if where in {"dm", ""}:
            self.channel = None
        elif where in self.platform.data.channels:
            self.channel = where
        else:
            self.out(f"  (no such channel: {where[:40]!r})")
            return
        self.out(f"  (typing in {'#' + self.channel if self.channel else 'a DM with WarmIntro'})")

    async def cmd_press(self, rest: str) -> None:
        button = self.platform.find_button(self.user, self.channel, rest)
        if button is None:
            self.out(f"  (no button {rest[:40]!r} in your messages)")
            return
        self.out(f"  (pressed [{button.label}])")
        self.show(await self.app.action(self.actor(), button.action_id))

    async def cmd_submit(self, rest: str) -> None:
        form = self.forms.pop(self.user, None)
        if form is None:
            self.out("  (no open form; press a button that opens one first)")
            return
        private = rest.endswith("--private")
        text = rest.removesuffix("--private").strip()
        values: dict[str, Any] = {}
        for f in form.fields:
            values[f.name] = f.initial
        values.update(message=text, private=private)
        self.show(await self.app.form_submitted(self.actor(), form.form_id, values))

    async def cmd_tick(self, rest: str) -> None:
        match = _DURATION.match(rest.strip() or "1d")
        if not match:
            self.out("  (say how far: /tick 7d, /tick 3h, /tick 30m)")
            return
        amount, unit = int(match.group(1)), match.group(2)
        delta = {
            "d": timedelta(days=amount),
            "h": timedelta(hours=amount),
            "m": timedelta(minutes=amount),
        }[unit]
        # Step through time so every due moment on the way is handled in order.
        step = timedelta(hours=1)
        remaining = delta
        while remaining > timedelta():
            jump = min(step, remaining)
            self.advance(jump)
            remaining -= jump
            await self.app.tick()
        self.out(f"  (it is now {self.app.core.now():%a %d %b %Y %H:%M} UTC)")

    async def cmd_now(self, rest: str) -> None:
        self.out(f"  (it is {self.app.core.now():%a %d %b %Y %H:%M} UTC)")

    async def cmd_add_bot(self, rest: str) -> None:
        channel = rest.lstrip("#").strip() or (self.channel or "")
        if channel not in self.platform.data.channels:
            self.out(f"  (no such channel: {channel[:40]!r})")
            return
        name = self.platform.data.channels[channel].get("name")
        await self.app.bot_added(self.platform.data.id, channel, self.user, name)

    async def cmd_remove_bot(self, rest: str) -> None:
        channel = rest.lstrip("#").strip() or (self.channel or "")
        await self.app.bot_removed(self.platform.data.id, channel)
        self.out(f"  (WarmIntro was removed from #{channel})")

    async def cmd_join_channel(self, rest: str) -> None:
        if self.channel:
            await self.app.member_joined(self.platform.data.id, self.channel, self.user)
            self.out(f"  ({self.user} joined #{self.channel})")

    async def cmd_leave_channel(self, rest: str) -> None:
        if self.channel:
            await self.app.member_left(self.platform.data.id, self.channel, self.user)
            self.out(f"  ({self.user} left #{self.channel})")

    async def cmd_load_profiles(self, rest: str) -> None:
        """Everyone in the workspace file joins the current channel, with their profile."""
        me, channel = self.user, self.channel
        self.channel = channel or "coffee"
        joined = []
        for user in self.platform.data.users.values():
            if user.bot:
                continue
            self.user = user.id
            actor = self.actor()
            if await self.app.is_member(actor):
                continue
            reply = await join_with_profile(self.app, actor, user)
            if reply.ok:
                joined.append(user.name)
        self.user, self.channel = me, channel
        self.out(f"  ({len(joined)} colleagues joined with their profiles: {', '.join(joined)})")

    async def cmd_users(self, rest: str) -> None:
        for user in self.platform.data.users.values():
            if not user.bot:
                self.out(f"  {user.id:8} {user.name} ({user.team}, {user.timezone})")

    async def cmd_help(self, rest: str) -> None:
        self.out(__doc__ or "")

    async def cmd_quit(self, rest: str) -> None:
        self.done = True

    cmd_exit = cmd_quit

    def to_platform(self, text: str) -> str:
        """Console mentions (`@li`, `#kudos`) → the platform syntax the core parses."""
        text = _MENTION.sub(r"<@\1>", text)
        return _CHANNEL.sub(r"<#\1>", text)
