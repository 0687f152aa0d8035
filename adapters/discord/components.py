"""Buttons, the form modal, and answering interactions within Discord's three seconds.

Every button WarmIntro sends is an `ActionButton`: a `DynamicItem` whose template (named groups
`action` and `guild`, see `custom_ids`) matches any custom id. Views only carry the buttons to
Discord (`ButtonRow`: discord.py keeps nothing for them); a press is routed by the client's own
subclass of `ActionButton` (`Router.button_class`) whatever message it sits on — across
restarts, shards and replicas. A `Reply` with a form becomes a `FormModal`; every submit is
answered from its payload alone (`submitted_values`), in this process or another.

Acknowledging: slash commands and modal submits are deferred (ephemeral, "thinking…") at once
and answered with a follow-up. A button press may have to open a modal, which must be the
*first* response, so the core gets `ACK_BUDGET` seconds to answer; in time, the answer is the
response (the modal or an ephemeral message); otherwise the press is deferred and followed up.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord

from adapters.discord import custom_ids
from adapters.discord.render import (
    MAX_BUTTONS,
    MAX_LABEL,
    MAX_MODAL_COMPONENTS,
    MAX_MODAL_LABEL,
    MAX_MODAL_TITLE,
    MAX_TEXT_INPUT,
    allowed_mentions,
    button_style,
    clip,
    render_text,
    split_content,
)
from bot import wording
from bot.core import Actor
from bot.messages import Form, FormField, Message, Reply

logger = logging.getLogger(__name__)

ACK_BUDGET = 2.0  # seconds the core may take before a button press is deferred
FORM_TIMEOUT = 15 * 60.0  # an open modal is forgotten after this long
FORM_EXPIRED = "That took a moment — press the button again to open the form."
FAILED = wording.SOMETHING_WENT_WRONG
MAX_SELECT = 10

Work = Callable[[], Awaitable[Reply]]
Answerable = discord.Interaction[Any] | discord.abc.Messageable
T = TypeVar("T")


class ButtonRow(discord.ui.View):
    """A message's buttons, only as they are sent. Presses are routed by the client's own
    `ActionButton` subclass (`Router.button_class`), so this view is finished from the start:
    discord.py keeps nothing for it (and never registers the unrouted `ActionButton`)."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    def is_finished(self) -> bool:
        return True


def build_view(message: Message, dm_guild: str | None = None) -> discord.ui.View | None:
    """The message's buttons as a view of `ActionButton`s."""
    if not message.buttons:
        return None
    view = ButtonRow()
    for button in message.buttons[:MAX_BUTTONS]:
        view.add_item(
            ActionButton.make(button.action_id, button.label, button_style(button), dm_guild)
        )
    return view


def render_reply(message: Message, dm_guild: str | None) -> list[dict[str, Any]]:
    """Keyword arguments for one or more sends; buttons ride on the last part."""
    parts = split_content(render_text(message)) or [""]
    out: list[dict[str, Any]] = []
    for index, part in enumerate(parts):
        kwargs: dict[str, Any] = {
            "content": part,
            "allowed_mentions": allowed_mentions(message.mentions),
        }
        view = build_view(message, dm_guild) if index == len(parts) - 1 else None
        if view is not None:
            kwargs["view"] = view
        out.append(kwargs)
    return out


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=custom_ids.BUTTON):
    """Any button WarmIntro sent: the core's action id, and the guild for a button in a DM.

    This class only builds buttons; the client registers a subclass that routes presses."""

    def __init__(self, custom_id: str, label: str | None = None, style: Any = None) -> None:
        super().__init__(
            discord.ui.Button(
                custom_id=custom_id,
                label=clip(label or "", MAX_LABEL),
                style=style or discord.ButtonStyle.secondary,
            )
        )
        self.action_id, self.guild_id = custom_ids.decode_button(custom_id)

    @classmethod
    def make(
        cls, action_id: str, label: str, style: discord.ButtonStyle, dm_guild: str | None
    ) -> ActionButton:
        return cls(custom_ids.encode_button(action_id, dm_guild), label, style)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionButton:
        return cls(match.group(0))


def submitted_values(data: dict[str, Any]) -> dict[str, Any]:
    """A modal submit's values straight from the payload (no modal object needed):
    user ids for selects, text for inputs, booleans for checkboxes."""
    out: dict[str, Any] = {}

    def walk(components: list[dict[str, Any]]) -> None:
        for component in components:
            name = component.get("custom_id")
            if name and "values" in component:
                out[name] = [str(v) for v in component["values"]]
            elif name and "value" in component:
                value = component["value"]
                out[name] = value if isinstance(value, bool | str) else str(value)
            for key in ("components", "component"):
                inner = component.get(key)
                if isinstance(inner, list):
                    walk(inner)
                elif isinstance(inner, dict):
                    walk([inner])

    walk(data.get("components") or [])
    return out


class FormModal(discord.ui.Modal):
    """A core `Form` as a Discord modal. Field names are the component custom ids.

    It only shows the form: every submit — to this process or another, before or after a
    restart — is answered from its payload by the client (`Router.form_submitted`)."""

    def __init__(self, form: Form, guild_id: str) -> None:
        super().__init__(
            title=clip(form.title, MAX_MODAL_TITLE),
            timeout=FORM_TIMEOUT,
            custom_id=custom_ids.encode_form(form.form_id, guild_id),
        )
        self.form = form
        self.guild_id = guild_id
        for field in form.fields[:MAX_MODAL_COMPONENTS]:
            self.add_item(
                discord.ui.Label(text=clip(field.label, MAX_MODAL_LABEL), component=_input(field))
            )

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return False  # the client answers the submit from its payload


def _input(field: FormField) -> discord.ui.Item[Any]:
    if field.kind == "users":
        initial = [discord.Object(int(u)) for u in field.initial or () if str(u).isdigit()]
        return discord.ui.UserSelect(
            custom_id=field.name,
            min_values=1,
            max_values=MAX_SELECT,
            default_values=initial[:MAX_SELECT],
        )
    if field.kind == "checkbox":
        return discord.ui.Checkbox(custom_id=field.name, default=bool(field.initial))
    # the core validates what comes back, so nothing is required here
    initial = str(field.initial) if field.initial else ""
    # Never less room than the current value needs (up to Discord's cap).
    limit = min(max(field.max_length or MAX_TEXT_INPUT, len(initial)), MAX_TEXT_INPUT)
    return discord.ui.TextInput(
        custom_id=field.name,
        style=discord.TextStyle.paragraph if limit > 100 else discord.TextStyle.short,
        max_length=limit,
        default=initial[:limit] or None,
        required=False,
    )


async def guarded(target: Answerable, what: str, work: Callable[[], Awaitable[T]]) -> T | None:
    """Run the work of an interaction (or a DM); if it raises, log the traceback and tell the
    person, once: as the response if none was sent yet, else as an ephemeral follow-up (in a
    DM, as a message)."""
    try:
        return await work()
    except Exception:
        logger.exception("%s failed", what)
        await send_text(target, FAILED)
        return None


# --- answering --------------------------------------------------------------------------------


async def send_reply(interaction: discord.Interaction[Any], reply: Reply, actor: Actor) -> None:
    """Show `reply` to the person who acted, ephemerally (as a response or a follow-up)."""
    if reply.message is None:
        if not interaction.response.is_done():
            await interaction.response.defer(ephemeral=True)
        return
    dm_guild = None if interaction.guild_id else actor.workspace_id
    for kwargs in render_reply(reply.message, dm_guild):
        if interaction.response.is_done():
            await interaction.followup.send(ephemeral=True, **kwargs)
        else:
            await interaction.response.send_message(ephemeral=True, **kwargs)


async def send_text(target: Answerable, text: str) -> None:
    """A short answer: to an interaction ephemerally, or into a DM channel."""
    mentions = allowed_mentions()
    try:
        if not isinstance(target, discord.Interaction):
            await target.send(text, allowed_mentions=mentions)
        elif target.response.is_done():
            await target.followup.send(text, ephemeral=True, allowed_mentions=mentions)
        else:
            await target.response.send_message(text, ephemeral=True, allowed_mentions=mentions)
    except discord.DiscordException:
        logger.warning("could not say %r", text[:60])


async def answer_deferred(interaction: discord.Interaction[Any], actor: Actor, work: Work) -> Reply:
    """Slash commands and modal submits: defer at once, then follow up with the reply."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    reply = await work()
    if reply.form is not None:  # can't open a modal after deferring
        logger.warning("a deferred interaction produced a form; ignoring it")
    await send_reply(interaction, reply, actor)
    return reply


async def answer_within_budget(
    interaction: discord.Interaction[Any], actor: Actor, work: Work, budget: float | None = None
) -> Reply:
    """Button presses: answer directly (possibly with a modal) if the core is quick, else defer."""
    task = asyncio.ensure_future(work())
    if budget is None:
        # Discord's 3 seconds run from when it created the interaction, not from now: under
        # load the press may already be a second old when it reaches us.
        age = (
            discord.utils.utcnow() - discord.utils.snowflake_time(interaction.id)
        ).total_seconds()
        budget = max(0.0, ACK_BUDGET - max(0.0, age))
    done, _ = await asyncio.wait({task}, timeout=budget)
    if not done:
        await interaction.response.defer(ephemeral=True, thinking=True)
    reply = await task
    if reply.form is not None:
        if interaction.response.is_done():
            await send_text(interaction, FORM_EXPIRED)
        else:
            await interaction.response.send_modal(FormModal(reply.form, actor.workspace_id))
        return reply
    await send_reply(interaction, reply, actor)
    return reply
