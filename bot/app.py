"""WarmIntro's entry point: what every adapter calls.

Adapters turn platform payloads into calls here (`coffee`, `thanks`, `direct_message`,
`action`, `form_submitted`, `bot_added`, `member_joined`, …) and render the `Reply` they get
back. Each entry point checks what the platform handed it (`bot.inbound`), builds the actor's
`Context` once and hands over to a use case (`bot.usecases`); messages the bot sends on its
own go through the outbox and the `Platform` port.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, ParamSpec, TypeVar

from bot import commands as cmd
from bot import inbound, metrics, rescue, wording
from bot.actions import (
    AcceptRescue,
    Checkin,
    EditProfile,
    GhostReply,
    JoinProgram,
    PickSlot,
    ProfileForm,
    SkipQuestion,
    StartThanks,
    decode_action,
    decode_form,
)
from bot.core import Actor, Core, UnknownUser
from bot.digest import run_due_digests
from bot.messages import Message, Reply
from bot.outbox import Outbox
from bot.replies import Rejected, error
from bot.rounds import run_due_rounds, sync_pool
from bot.text import MAX_TAGS, InputError, check_tag, clean_team
from bot.usecases import (
    HANDLERS,
    Context,
    care,
    checkins,
    membership,
    profile,
    programs,
    slots,
    thanks,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")


def _answering(entry: Callable[P, Awaitable[Reply]]) -> Callable[P, Awaitable[Reply]]:
    """An entry point whose checks refuse by raising `Rejected`: the refusal is the reply."""

    @functools.wraps(entry)
    async def answer(*args: P.args, **kwargs: P.kwargs) -> Reply:
        try:
            return await entry(*args, **kwargs)
        except Rejected as exc:
            return exc.reply

    return answer


class WarmIntro:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.outbox = Outbox(core)

    def _context(self, actor: Actor) -> Context:
        return Context(self.core, self.outbox, actor)

    async def _as(self, actor: Actor, use_case: Callable[[Context], Awaitable[Reply]]) -> Reply:
        """Run a use case as `actor` (checked already), then send what it queued."""
        ctx = self._context(actor)
        try:
            answer = await use_case(ctx)
        except UnknownUser as exc:
            return error(wording.unknown_user(exc.user_id))
        except InputError as exc:
            return error(exc.line)
        await ctx.flush()
        return answer

    # --- what people type and press ------------------------------------------------------------

    @_answering
    async def coffee(self, actor: Actor, text: str) -> Reply:
        """`/coffee <text>`."""
        checked = _admit(actor)
        today = self._today(checked)
        command = _parsed(text, lambda typed: cmd.parse_coffee(typed, today))
        return await self.run(checked, command)

    @_answering
    async def run(self, actor: Actor, command: cmd.CoffeeCommand) -> Reply:
        """Run a parsed `/coffee` command (Discord builds these from slash-command options)."""
        checked = _admit(actor, command)
        if isinstance(command, cmd.ADMIN_COMMANDS):
            checked = await checked.resolved()
        with metrics.timed(metrics.COMMAND_SECONDS, command=metrics.command_name(command)):
            return await self._as(checked, lambda ctx: _dispatch(ctx, command))

    @_answering
    async def thanks(self, actor: Actor, text: str) -> Reply:
        """`/thanks @person … message [--private]`."""
        command = _parsed(text, cmd.parse_thanks, wording.USAGE["thanks"])
        return await self.send_thanks(actor, command)

    @_answering
    async def send_thanks(self, actor: Actor, command: cmd.Thanks) -> Reply:
        """`/thanks` (or the thanks form): post it, tell the recipients."""
        checked = _admit(actor, command)
        with metrics.timed(metrics.COMMAND_SECONDS, command="thanks"):
            return await thanks.send(self._context(checked), command)

    @_answering
    async def direct_message(self, actor: Actor, text: str) -> Reply:
        """A person wrote to the bot in a DM (interview answers, or just saying hi)."""
        checked = _admit(actor)
        try:
            inbound.check_text(text)
        except InputError as exc:
            return error(exc.line)
        return await checkins.direct_message(self._context(checked), text)

    @_answering
    async def action(self, actor: Actor, action_id: str) -> Reply:
        """A button was pressed; `bot.actions` reads its id (`checkin:12:met`, …)."""
        checked = _admit(actor)
        match decode_action(action_id):
            case Checkin() as pressed:
                return await self._as(checked, lambda ctx: checkins.checkin(ctx, pressed))
            case StartThanks() as pressed:
                return await self._as(checked, lambda ctx: thanks.form(ctx, pressed))
            case SkipQuestion() as pressed:
                return await self._as(checked, lambda ctx: checkins.skip_question(ctx, pressed))
            case JoinProgram():
                return await self.run(checked, cmd.Join())
            case EditProfile():
                return await self._as(checked, profile.form)
            case PickSlot() as pressed:
                return await self._as(checked, lambda ctx: slots.pick(ctx, pressed))
            case GhostReply() as pressed:
                return await self._as(checked, lambda ctx: care.ghost_reply(ctx, pressed))
            case AcceptRescue() as pressed:
                return await self._as(checked, lambda ctx: care.accept_rescue(ctx, pressed))
        logger.warning("unknown action %r from %s", str(action_id)[:100], checked.user_id)
        return error(wording.BUTTON_EXPIRED)

    @_answering
    async def form_submitted(self, actor: Actor, form_id: str, values: dict[str, Any]) -> Reply:
        """A form (modal) came back: the thanks form or the profile form."""
        checked = _admit(actor)
        submitted = decode_form(form_id)
        if submitted is None or not isinstance(values, dict):
            return error(wording.FORM_EXPIRED)
        if len(values) > inbound.MAX_FORM_VALUES or inbound.any_unsafe(values):
            return error(wording.UNSAFE_TEXT)
        if isinstance(submitted, ProfileForm):
            return await self._as(checked, lambda ctx: profile.save_form(ctx, values))
        command = thanks.from_form(values)
        if isinstance(command, Reply):
            return command
        return await thanks.send(self._context(checked), command, submitted.group_id)

    async def profile(self, actor: Actor) -> dict[str, Any]:
        """What the person told us (for a platform's profile editor, e.g. Slack's App Home)."""
        return await profile.current(self._context(actor))

    async def is_member(self, actor: Actor) -> bool:
        """Whether `actor` is in the program of `actor.channel_id`."""
        return await membership.is_member(
            self.core, actor.workspace_id, actor.channel_id, actor.user_id
        )

    # --- programs -------------------------------------------------------------------------------

    async def bot_added(
        self, workspace_id: str, channel_id: str, added_by: str | None, name: str | None = None
    ) -> None:
        """The bot joined a channel: it becomes a program (or an old one comes back)."""
        if not _ids_ok(workspace_id, channel_id) or (added_by and not _ids_ok(added_by)):
            return
        if name is not None:
            name = inbound.strip_unsafe(name)[: inbound.MAX_NAME]
        program, key = await programs.bot_added(self.core, workspace_id, channel_id, added_by, name)
        if key:
            await self.outbox.flush([key])
            # Where the channel is the pool (Slack), its members are in from the start.
            await sync_pool(self.core, program.id)

    @_answering
    async def setup_program(
        self, actor: Actor, settings: dict[str, str], name: str | None = None
    ) -> Reply:
        """Make `actor.channel_id` a program with `settings` (config keys → values) at once.

        For platforms where a person sets a program up explicitly (Discord's `/coffee setup`);
        only workspace admins may. Any bad value rejects the whole setup and changes nothing.
        """
        checked = await _admit(actor, settings, name).resolved()
        name = name[: inbound.MAX_NAME] if name else name
        if not checked.channel_id:
            return error(wording.NEED_PROGRAM_CHANNEL)
        if not checked.is_admin:
            return error(wording.NOT_ADMIN)
        return await self._as(checked, lambda ctx: programs.setup(ctx, settings, name))

    async def bot_removed(self, workspace_id: str, channel_id: str) -> None:
        if _ids_ok(workspace_id, channel_id):
            await programs.bot_removed(self.core, workspace_id, channel_id)

    async def workspace_removed(self, workspace_id: str) -> None:
        """The app was uninstalled from a workspace (or removed from a server): its programs
        pause. Their data stays until people ask to be forgotten."""
        if _ids_ok(workspace_id):
            await programs.workspace_removed(self.core, workspace_id)

    # --- people coming and going ----------------------------------------------------------------

    async def member_joined(self, workspace_id: str, channel_id: str, user_id: str) -> None:
        """Someone joined a program channel: they're in, and get the interview."""
        if _ids_ok(workspace_id, channel_id, user_id):
            keys = await membership.member_joined(self.core, workspace_id, channel_id, user_id)
            await self.outbox.flush(keys)

    async def member_left(self, workspace_id: str, channel_id: str, user_id: str) -> None:
        """Someone left a program channel: out of the next round at once."""
        if _ids_ok(workspace_id, channel_id, user_id):
            keys = await membership.member_left(self.core, workspace_id, channel_id, user_id)
            await self.outbox.flush(keys)

    async def member_left_workspace(self, workspace_id: str, user_id: str) -> None:
        """Someone left the workspace or server: out of every program there at once."""
        if _ids_ok(workspace_id, user_id):
            keys = await membership.member_left_workspace(self.core, workspace_id, user_id)
            await self.outbox.flush(keys)

    # --- the clock ------------------------------------------------------------------------------

    async def tick(self) -> dict[str, int]:
        """One clock tick: start due rounds, then send whatever is due."""
        started = await run_due_rounds(self.core)
        for due in (rescue.close_due, run_due_digests):
            try:  # a failure here must not hold up what is due to be sent
                await due(self.core)
            except Exception:
                logger.exception("tick: %s failed; trying again at the next tick", due.__name__)
        sent = await self.outbox.flush()
        return {"rounds": len(started), "sent": sent}

    async def close(self, grace_seconds: float = 30.0) -> None:
        """A graceful stop: let background deliveries finish (cancelled after the grace)."""
        await self.core.background.stop(grace_seconds)

    def _today(self, actor: Actor) -> date:
        return self.core.now().date()


async def _dispatch(ctx: Context, command: cmd.CoffeeCommand) -> Reply:
    """The command's use case (`bot.usecases.HANDLERS`), once its options pass the checks."""
    valid = _checked(command)
    return await HANDLERS[type(valid)](ctx, valid)


def _checked(command: cmd.CoffeeCommand) -> cmd.CoffeeCommand:
    """A command built from structured options (Discord, the console's profile loading) gets
    the same checks as one parsed from text."""
    if isinstance(command, cmd.SetTeam) and command.team:
        return cmd.SetTeam(clean_team(command.team))
    if isinstance(command, cmd.SetTags) and command.tags:
        if len(command.tags) > MAX_TAGS:
            raise InputError(wording.too_many_topics(len(command.tags), MAX_TAGS))
        for tag in command.tags:
            check_tag(tag)
    return command


def _parsed(text: str, parse: Callable[[str], T], usage: str | None = None) -> T:
    """What a person typed, parsed; `Rejected` with what's wrong with it."""
    if len(text) <= cmd.MAX_TEXT and inbound.unsafe(text):
        raise Rejected(error(wording.UNSAFE_TEXT, usage))
    try:
        return parse(text)
    except cmd.UnknownSubcommand as exc:  # answered with the list of commands
        unknown = Message((exc.line, *wording.help_message().lines[1:2]))
        raise Rejected(Reply(unknown, ok=False)) from None
    except cmd.CommandError as exc:
        raise Rejected(error(exc.line, exc.usage)) from None


def _admit(actor: Actor, *values: object) -> Actor:
    """The actor as the core may trust it (storable ids and name); `values` (commands,
    settings) must hold no unsafe text. Raises `Rejected` otherwise."""
    checked = inbound.clean_actor(actor)
    if checked is None:
        raise Rejected(error(wording.BAD_REQUEST))
    if inbound.any_unsafe(values):
        raise Rejected(error(wording.UNSAFE_TEXT))
    return checked


def _ids_ok(*ids: str) -> bool:
    """Ids from a platform event, checked before they reach the database."""
    if all(inbound.external_id_ok(i) for i in ids):
        return True
    logger.warning("event with malformed ids ignored: %r", [str(i)[:80] for i in ids])
    return False


__all__ = ["Actor", "WarmIntro"]
