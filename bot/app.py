"""WarmIntro's use cases, behind one facade that every adapter calls.

Adapters turn platform payloads into calls here (`coffee`, `thanks`, `direct_message`,
`action`, `form_submitted`, `bot_added`, `member_joined`, …) and render the `Reply` they get
back. Messages the bot sends on its own go through the outbox and the `Platform` port.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot import commands as cmd
from bot import copy, inbound, interview, thanks
from bot import keys as key_of
from bot.actions import (
    Checkin,
    CheckinAnswer,
    EditProfile,
    JoinProgram,
    ProfileForm,
    SkipQuestion,
    StartThanks,
    decode_action,
    decode_form,
)
from bot.checkins import record_answer
from bot.core import Actor, Core, UnknownUser
from bot.forget import forget
from bot.ledger import Outgoing, enqueue
from bot.messages import Form, FormField, Message, Reply, text_message
from bot.outbox import Outbox
from bot.ports import ChannelTarget
from bot.program_settings import apply_setting, reschedule, settings_rows
from bot.replies import Rejected, error, reply
from bot.rounds import (
    AlreadyStarted,
    describe_plan,
    plan_round,
    run_due_rounds,
    start_round,
    sync_pool,
)
from bot.states import DeliveryKind
from bot.text import MAX_TAGS, InputError, check_tag, clean_team, parse_tags
from storage.models import Member, Program
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

# A `match-now` this soon (seconds) after the last round's start asks for confirmation.
CONFIRM_WINDOW = 10 * 60


class WarmIntro:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.outbox = Outbox(core)

    # --- entry points for adapters ------------------------------------------------------------

    # Every entry point checks what the platform handed it (`bot.inbound`) before anything
    # else: ids of a plausible shape, text without control characters, database-sized numbers.

    async def coffee(self, actor: Actor, text: str) -> Reply:
        """`/coffee <text>`."""
        checked = inbound.clean_actor(actor)
        if checked is None:
            return error(copy.BAD_REQUEST)
        if len(text) <= cmd.MAX_TEXT and inbound.unsafe(text):
            return error(copy.UNSAFE_TEXT)
        try:
            command = cmd.parse_coffee(text, self._today(checked))
        except cmd.CommandError as exc:
            if exc.unknown:
                return Reply(Message((exc.line, *copy.help_message().lines[1:2])), ok=False)
            return error(exc.line, exc.usage)
        return await self.run(checked, command)

    async def run(self, actor: Actor, command: cmd.CoffeeCommand) -> Reply:
        """Run a parsed `/coffee` command (Discord builds these from slash-command options)."""
        checked = inbound.clean_actor(actor)
        if checked is None:
            return error(copy.BAD_REQUEST)
        if inbound.any_unsafe(command):
            return error(copy.UNSAFE_TEXT)
        try:
            return await self._dispatch(checked, _checked(command))
        except UnknownUser as exc:
            return error(copy.unknown_user(exc.user_id))
        except InputError as exc:
            return error(exc.line)

    async def thanks(self, actor: Actor, text: str) -> Reply:
        """`/thanks @person … message [--private]`."""
        if len(text) <= cmd.MAX_TEXT and inbound.unsafe(text):
            return error(copy.UNSAFE_TEXT, copy.USAGE["thanks"])
        try:
            command = cmd.parse_thanks(text)
        except cmd.CommandError as exc:
            return error(exc.line, exc.usage)
        return await self.send_thanks(actor, command)

    async def direct_message(self, actor: Actor, text: str) -> Reply:
        """A person wrote to the bot in a DM (interview answers, or just saying hi)."""
        checked = inbound.clean_actor(actor)
        if checked is None:
            return error(copy.BAD_REQUEST)
        actor = checked
        try:
            inbound.check_text(text)
        except InputError as exc:
            return error(exc.line)
        known = await self.core.known_users(actor.workspace_id, [actor.user_id])
        async with self.core.uow() as uow:
            ws = await self.core.workspace(uow, actor.workspace_id)
            try:
                member = await self.core.member(uow, ws, actor.user_id, known)
            except UnknownUser:
                return error(copy.unknown_user(actor.user_id))
            message = await interview.answer(self.core, uow, member, text)
        return Reply(message) if message else reply(copy.DM_HINT)

    async def action(self, actor: Actor, action_id: str) -> Reply:
        """A button was pressed; `bot.actions` reads its id (`checkin:12:met`, …)."""
        checked = inbound.clean_actor(actor)
        if checked is None:
            return error(copy.BAD_REQUEST)
        actor = checked
        pressed = decode_action(action_id)
        try:
            match pressed:
                case Checkin(group_id=group_id, answer=answer):
                    return await self._checkin(actor, group_id, answer)
                case StartThanks(group_id=group_id):
                    return await thanks.form(self.core, actor, group_id)
                case SkipQuestion(step=step):
                    known = await self.core.known_users(actor.workspace_id, [actor.user_id])
                    async with self.core.uow() as uow:
                        member = await self.core.actor_member(uow, actor, known)
                        return Reply(await interview.skip(self.core, uow, member, step))
                case JoinProgram():
                    return await self.run(actor, cmd.Join())
                case EditProfile():
                    return await self._profile_form(actor)
        except UnknownUser as exc:
            return error(copy.unknown_user(exc.user_id))
        logger.warning("unknown action %r from %s", str(action_id)[:100], actor.user_id)
        return error(copy.BUTTON_EXPIRED)

    async def form_submitted(self, actor: Actor, form_id: str, values: dict[str, Any]) -> Reply:
        """A form (modal) came back: the thanks form or the profile form."""
        checked = inbound.clean_actor(actor)
        if checked is None:
            return error(copy.BAD_REQUEST)
        actor = checked
        submitted = decode_form(form_id)
        if submitted is None or not isinstance(values, dict):
            return error(copy.FORM_EXPIRED)
        if len(values) > inbound.MAX_FORM_VALUES or inbound.any_unsafe(values):
            return error(copy.UNSAFE_TEXT)
        if isinstance(submitted, ProfileForm):
            return await self._save_profile_form(actor, values)
        raw = values.get("recipients") or ()
        recipients = tuple(str(u) for u in (raw if isinstance(raw, list | tuple) else (raw,)))
        text = str(values.get("message") or "").strip()
        if not recipients:
            return error("Pick at least one person to thank.")
        if not text:
            return error("Add a few words about what you're thankful for.")
        if len(text) > 2000:
            return error(copy.too_long(len(text)))
        private = bool(values.get("private"))
        command = cmd.Thanks(recipients, text, private)
        return await thanks.send(self.core, self.outbox, actor, command, submitted.group_id)

    async def bot_added(
        self, workspace_id: str, channel_id: str, added_by: str | None, name: str | None = None
    ) -> None:
        """The bot joined a channel: it becomes a program (or an old one comes back)."""
        if not _ids_ok(workspace_id, channel_id) or (added_by and not _ids_ok(added_by)):
            return
        if name is not None:
            name = inbound.strip_unsafe(name)[: inbound.MAX_NAME]
        async with self.core.uow() as uow:
            program, key = await self._open_program(uow, workspace_id, channel_id, added_by, name)
        if key:
            await self.outbox.flush([key])
            # Where the channel is the pool (Slack), its members are in from the start.
            await sync_pool(self.core, program.id)

    async def setup_program(
        self, actor: Actor, settings: dict[str, str], name: str | None = None
    ) -> Reply:
        """Make `actor.channel_id` a program with `settings` (config keys → values) at once.

        For platforms where a person sets a program up explicitly (Discord's `/coffee setup`);
        only workspace admins may. Any bad value rejects the whole setup and changes nothing.
        """
        checked = inbound.clean_actor(actor)
        if checked is None:
            return error(copy.BAD_REQUEST)
        actor = checked
        if inbound.any_unsafe(settings) or (name is not None and inbound.unsafe(name)):
            return error(copy.UNSAFE_TEXT)
        name = name[: inbound.MAX_NAME] if name else name
        if not actor.channel_id:
            return error(copy.NEED_PROGRAM_CHANNEL)
        if not actor.is_admin:
            return error(copy.NOT_ADMIN)
        try:
            known = await self.core.known_users(actor.workspace_id, [actor.user_id])
            async with self.core.uow() as uow:
                await self.core.actor_member(uow, actor, known)
                program, key = await self._open_program(
                    uow, actor.workspace_id, actor.channel_id, actor.user_id, name,
                    welcome=False,
                )  # fmt: skip
                for config_key, value in settings.items():
                    try:
                        apply_setting(program, config_key, value, self.core.now())
                    except InputError as exc:
                        raise Rejected(error(exc.line, copy.USAGE["config"])) from None
                reschedule(program, self.core.now())
                key = await self._welcome(uow, program)
                rows = settings_rows(program)
        except Rejected as exc:
            return exc.reply
        await self.outbox.flush([key])
        return Reply(copy.config_shown(rows))

    async def _open_program(
        self,
        uow: UnitOfWork,
        workspace_id: str,
        channel_id: str,
        added_by: str | None,
        name: str | None,
        welcome: bool = True,
    ) -> tuple[Program, str | None]:
        """Create or re-activate the program of a channel; returns it and the welcome's key."""
        now = self.core.now()
        ws = await self.core.workspace(uow, workspace_id)
        program = await uow.programs.by_channel(ws.id, channel_id)
        if program is None:
            program = Program(
                workspace_id=ws.id,
                channel_id=channel_id,
                name=name,
                cadence="weekly",
                weekday=0,
                local_time="10:00",
                timezone=self.core.settings.default_timezone,
                group_size=2,
                active=True,
                added_by=added_by,
                last_round_number=0,
                created_at=now,
            )
            uow.programs.add(program)
        elif program.active:
            return program, None
        program.active = True
        program.added_by = program.added_by or added_by
        reschedule(program, now)
        await uow.flush()
        return program, (await self._welcome(uow, program) if welcome else None)

    async def _welcome(self, uow: UnitOfWork, program: Program) -> str:
        now = self.core.now()
        schedule = copy.describe_schedule(
            program.cadence, program.weekday, program.local_time, program.timezone
        )
        item = Outgoing(
            key_of.welcome(program.id, now),
            DeliveryKind.WELCOME,
            ChannelTarget(program.channel_id),
            copy.welcome(
                program.channel_id,
                program.purpose,
                schedule,
                getattr(self.core.platform, "pool_is_channel", False),
            ),
            now,
        )
        await enqueue(uow, program.workspace_id, item, now)
        return item.key

    async def bot_removed(self, workspace_id: str, channel_id: str) -> None:
        if not _ids_ok(workspace_id, channel_id):
            return
        async with self.core.uow() as uow:
            program = await self.core.program_at(uow, workspace_id, channel_id)
            if program is not None:
                program.active = False
                logger.info("program %s paused: bot removed from %s", program.id, channel_id)

    async def member_joined(self, workspace_id: str, channel_id: str, user_id: str) -> None:
        """Someone joined a program channel: they're in, and get the interview."""
        if not _ids_ok(workspace_id, channel_id, user_id):
            return
        known = await self.core.known_users(workspace_id, [user_id])
        async with self.core.uow() as uow:
            program = await self.core.program_at(uow, workspace_id, channel_id)
            if program is None:
                return
            ws = await self.core.workspace(uow, workspace_id)
            if await uow.members.opted_out(ws.id, [user_id]):
                return  # they asked to be forgotten; only their own /coffee join brings them back
            try:
                member = await self.core.member(uow, ws, user_id, known)
            except UnknownUser:
                logger.warning("member_joined: unknown user %s", user_id)
                return
            if member.is_bot:
                return
            _, keys = await self._join(uow, program, member)
        await self.outbox.flush(keys)

    async def member_left(self, workspace_id: str, channel_id: str, user_id: str) -> None:
        """Someone left a program channel: out of the next round at once."""
        if not _ids_ok(workspace_id, channel_id, user_id):
            return
        async with self.core.uow() as uow:
            program = await self.core.program_at(uow, workspace_id, channel_id)
            if program is None:
                return
            ws = await self.core.workspace(uow, workspace_id)
            member = await uow.members.find(ws.id, user_id)
            if member is None:
                return
            membership = await uow.programs.membership(program.id, member.id)
            if membership is not None and membership.left_at is None:
                membership.left_at = self.core.now()

    async def member_left_workspace(self, workspace_id: str, user_id: str) -> None:
        """Someone left the workspace or server: out of every program there at once."""
        if not _ids_ok(workspace_id, user_id):
            return
        async with self.core.uow() as uow:
            ws = await uow.workspaces.find(self.core.platform.name, workspace_id)
            member = await uow.members.find(ws.id, user_id) if ws else None
            if member is None:
                return
            now = self.core.now()
            for program in await uow.programs.of_member(member.id):
                membership = await uow.programs.membership(program.id, member.id)
                if membership is not None:
                    membership.left_at = now

    async def workspace_removed(self, workspace_id: str) -> None:
        """The app was uninstalled from a workspace (or removed from a server): its programs
        pause. Their data stays until people ask to be forgotten."""
        if not _ids_ok(workspace_id):
            return
        async with self.core.uow() as uow:
            ws = await uow.workspaces.find(self.core.platform.name, workspace_id)
            if ws is None:
                return
            for program in await uow.programs.in_workspace(ws.id):
                program.active = False
        logger.info("workspace %s uninstalled: programs paused", workspace_id)

    async def profile(self, actor: Actor) -> dict[str, Any]:
        """What the person told us (for a platform's profile editor, e.g. Slack's App Home)."""
        known = await self.core.known_users(actor.workspace_id, [actor.user_id])
        async with self.core.uow() as uow:
            member = await self.core.actor_member(uow, actor, known)
            p = member.profile
            return {
                "interests": list(p.interests or []),
                "offers": list(p.offers or []),
                "wants": list(p.wants or []),
                "team": p.team or "",
            }

    async def is_member(self, actor: Actor) -> bool:
        """Whether `actor` is in the program of `actor.channel_id`."""
        async with self.core.uow() as uow:
            program = await self.core.channel_program(uow, actor)
            ws = await uow.workspaces.find(self.core.platform.name, actor.workspace_id)
            member = await uow.members.find(ws.id, actor.user_id) if ws else None
            if program is None or member is None:
                return False
            membership = await uow.programs.membership(program.id, member.id)
            return membership is not None and membership.left_at is None

    async def close(self, grace_seconds: float = 30.0) -> None:
        """A graceful stop: let background deliveries finish (cancelled after the grace)."""
        await self.core.background.stop(grace_seconds)

    async def tick(self) -> dict[str, int]:
        """One clock tick: start due rounds, then send whatever is due."""
        started = await run_due_rounds(self.core)
        sent = await self.outbox.flush()
        return {"rounds": len(started), "sent": sent}

    # --- /coffee ------------------------------------------------------------------------------

    async def _dispatch(self, actor: Actor, command: cmd.CoffeeCommand) -> Reply:
        if isinstance(command, cmd.Help):
            return Reply(copy.help_message(command.topic))
        if isinstance(command, cmd.MatchNow):
            return await self._match_now(actor, command.confirmed)
        if isinstance(command, cmd.Preview):
            return await self._preview(actor)
        keys: list[str] = []
        known = await self.core.known_users(actor.workspace_id, [actor.user_id])
        async with self.core.uow() as uow:
            member = await self.core.actor_member(uow, actor, known)
            match command:
                case cmd.Join():
                    reply, keys = await self._join_command(uow, actor, member)
                case cmd.Leave():
                    reply = await self._leave(uow, actor, member)
                case cmd.Pause(until=until):
                    reply = self._pause(member, until, actor)
                case cmd.Resume():
                    reply = self._resume(member)
                case cmd.SetTags(field=field, tags=tags):
                    reply = self._set_tags(member, field, tags)
                case cmd.SetTeam(team=team):
                    reply = self._set_team(member, team)
                case cmd.SetTimezone(zone=zone, offset_hours=offset):
                    reply = self._set_timezone(member, zone, offset)
                case cmd.Status():
                    reply = await self._status(uow, member)
                case cmd.History():
                    reply = await self._history(uow, member)
                case cmd.Stats():
                    reply = await self._stats(uow, actor, member)
                case cmd.Config(key=key, value=value):
                    reply = await self._config(uow, actor, key, value)
                case cmd.ForgetMe(confirmed=confirmed):
                    reply, keys = await self._forget(uow, member, confirmed)
                case _:
                    reply = error("Not implemented yet.")
        if keys:
            await self.outbox.flush(keys)
        return reply

    async def _join_command(
        self, uow: UnitOfWork, actor: Actor, member: Member
    ) -> tuple[Reply, list[str]]:
        program = await self.core.command_program(uow, actor, member, require_channel=True)
        if program is None:
            return error(copy.NOT_A_PROGRAM if actor.channel_id else copy.NEED_PROGRAM_CHANNEL), []
        if not program.active:
            return error("The coffee chats here are paused by an admin right now."), []
        await uow.members.clear_opt_out(
            member.workspace_id, member.external_id
        )  # they chose to come back
        already, keys = await self._join(uow, program, member)
        tz = program.timezone
        return Reply(copy.joined(program.channel_id, program.next_round_at, tz, already)), keys

    async def _join(
        self, uow: UnitOfWork, program: Program, member: Member
    ) -> tuple[bool, list[str]]:
        now = self.core.now()
        member.deactivated = False  # they're here and acting: whatever we knew is outdated
        membership = await uow.programs.membership(program.id, member.id)
        if membership is not None and membership.left_at is None:
            return True, []
        if membership is None:
            await uow.programs.add_membership(program.id, member.id, now)
        else:
            membership.left_at = None
            membership.joined_at = now
        key = await interview.start(
            self.core, uow, member, program.channel_id, key_of.interview_suffix(program.id)
        )
        return False, [key] if key else []

    async def _leave(self, uow: UnitOfWork, actor: Actor, member: Member) -> Reply:
        program = await self.core.command_program(uow, actor, member)
        if program is None:
            return error(copy.NOT_IN_PROGRAM_LEAVE)
        membership = await uow.programs.membership(program.id, member.id)
        if membership is None or membership.left_at is not None:
            return error(copy.NOT_IN_PROGRAM_LEAVE)
        membership.left_at = self.core.now()
        return Reply(copy.left(program.channel_id))

    def _pause(self, member: Member, until: Any, actor: Actor) -> Reply:
        tz = self._tz(member)
        if until is None:
            moment = None
            member.profile.paused_until = datetime(9999, 1, 1, tzinfo=ZoneInfo("UTC"))
        else:
            moment = datetime.combine(until, datetime.min.time(), tzinfo=ZoneInfo(tz))
            member.profile.paused_until = moment
        member.profile.updated_at = self.core.now()
        return reply(copy.paused(moment, tz))

    def _resume(self, member: Member) -> Reply:
        profile = member.profile
        if profile.paused_until is None or profile.paused_until <= self.core.now():
            profile.paused_until = None
            return reply(copy.NOT_PAUSED)
        profile.paused_until = None
        profile.updated_at = self.core.now()
        return reply(copy.RESUMED)

    def _set_tags(self, member: Member, field: str, tags: tuple[str, ...] | None) -> Reply:
        usage = copy.USAGE[{"interests": "interests", "offers": "offer", "wants": "learn"}[field]]
        if tags is None:
            return reply(copy.tags_shown(field, getattr(member.profile, field) or [], usage))
        setattr(member.profile, field, list(tags))
        member.profile.updated_at = self.core.now()
        return reply(copy.tags_saved(field, tags))

    def _set_team(self, member: Member, team: str | None) -> Reply:
        if team is None:
            current = member.profile.team
            return reply(copy.team_shown(current))
        member.profile.team = team or None
        member.profile.updated_at = self.core.now()
        return reply(copy.team_saved(team))

    def _set_timezone(self, member: Member, zone: str | None, offset: float | None) -> Reply:
        profile = member.profile
        if zone is None and offset is None:
            if profile.utc_offset_hours is None:
                return reply("No time zone set. " + copy.USAGE["timezone"])
            label = profile.timezone or copy.utc_label(profile.utc_offset_hours)
            return reply(copy.timezone_shown(label))
        profile.timezone = zone
        profile.utc_offset_hours = offset
        profile.updated_at = self.core.now()
        return reply(copy.timezone_saved(zone, offset or 0.0))

    async def _status(self, uow: UnitOfWork, member: Member) -> Reply:
        programs = await uow.programs.of_member(member.id)
        profile = member.profile
        now = self.core.now()
        paused = None
        if profile.paused_until and profile.paused_until > now:
            paused = (
                "until you resume"
                if profile.paused_until.year >= 9999
                else "until " + copy.when(profile.paused_until, self._tz(member), with_time=False)
            )
        current = await uow.rounds.current_group_for(member.id)
        partners = None
        if current is not None:
            ids = (await uow.rounds.member_ids([current[0].id]))[current[0].id]
            people = await uow.members.by_ids([i for i in ids if i != member.id])
            partners = [people[i].external_id for i in ids if i in people]
        upcoming = [p for p in programs if p.active and p.next_round_at]
        next_round = None
        if upcoming:
            soonest = min(upcoming, key=lambda p: p.next_round_at)  # type: ignore[arg-type, return-value]
            assert soonest.next_round_at is not None
            next_round = copy.when(soonest.next_round_at, soonest.timezone)
        tz_label = profile.timezone or (
            copy.utc_label(profile.utc_offset_hours)
            if profile.utc_offset_hours is not None
            else None
        )
        return Reply(
            copy.status_message(
                [p.channel_id for p in programs],
                paused,
                profile.interests or [],
                profile.offers or [],
                profile.wants or [],
                profile.team,
                tz_label,
                partners,
                next_round,
                await uow.rounds.colleagues_met(member.id),
            )
        )

    async def _history(self, uow: UnitOfWork, member: Member) -> Reply:
        rows = await uow.rounds.member_history(member.id, 10)
        groups = await uow.rounds.member_ids([g.id for _, g in rows])
        everyone = await uow.members.by_ids(sorted({m for ids in groups.values() for m in ids}))
        out = []
        for round_, group in rows:
            partners = [
                everyone[m].external_id
                for m in groups[group.id]
                if m != member.id and m in everyone
            ]
            day = copy.when(round_.started_at, self._tz(member), with_time=False)
            out.append((day, partners, group.outcome))
        return Reply(copy.history_message(out))

    async def _stats(self, uow: UnitOfWork, actor: Actor, member: Member) -> Reply:
        program = await self.core.command_program(uow, actor, member)
        if program is None:
            return error(copy.NOT_A_PROGRAM)
        active = await uow.programs.active_members(program.id)
        now = self.core.now()
        paused = sum(1 for m in active if m.profile.paused_until and m.profile.paused_until > now)
        stats = await uow.rounds.stats(program.id)
        return Reply(
            copy.stats_message(
                program.channel_id,
                len(active),
                paused,
                stats["rounds"],
                stats["groups"],
                stats["met"],
                stats["answered"],
                await uow.thanks.count(program.id),
            )
        )

    async def _config(
        self, uow: UnitOfWork, actor: Actor, key: str | None, value: str | None
    ) -> Reply:
        program = await self.core.channel_program(uow, actor)
        if program is None:
            return error(copy.NOT_A_PROGRAM)
        if not self.core.is_admin(actor, program):
            return error(copy.NOT_ADMIN)
        if key is None:
            return Reply(copy.config_shown(settings_rows(program)))
        if value is None:
            rows = dict(settings_rows(program))
            if key in rows:
                return reply(copy.setting_shown(key, rows[key]))
            return error(copy.no_such_setting(key), copy.USAGE["config"])
        try:
            shown = apply_setting(program, key, value, self.core.now())
        except InputError as exc:
            return error(exc.line, copy.USAGE["config"])
        return reply(copy.config_saved(key, shown))

    async def _forget(
        self, uow: UnitOfWork, member: Member, confirmed: bool
    ) -> tuple[Reply, list[str]]:
        if not confirmed:
            return reply(copy.FORGET_ME_CONFIRM), []
        now = self.core.now()
        await uow.members.set_opt_out(member.workspace_id, member.external_id, now)
        keys = await forget(uow, member, now)  # out of their groups; partners told; no traces
        logger.info("member %s deleted their data", member.id)
        return reply(copy.FORGOTTEN), keys

    # --- admin: preview and match-now ---------------------------------------------------------

    async def _admin_program(self, actor: Actor) -> Program | Reply:
        known = await self.core.known_users(actor.workspace_id, [actor.user_id])
        async with self.core.uow() as uow:
            await self.core.actor_member(uow, actor, known)
            program = await self.core.channel_program(uow, actor)
            if program is None:
                return error(copy.NOT_A_PROGRAM)
            if not self.core.is_admin(actor, program):
                return error(copy.NOT_ADMIN)
            return program

    async def _preview(self, actor: Actor) -> Reply:
        program = await self._admin_program(actor)
        if isinstance(program, Reply):
            return program
        plan = await plan_round(self.core, program.id)
        if plan is None:
            return error(copy.NOT_A_PROGRAM)
        return Reply(copy.preview_message(describe_plan(plan)))

    async def _match_now(self, actor: Actor, confirmed: bool = False) -> Reply:
        """Start the next round now; answer as soon as it is saved, deliver in the background.

        A second `match-now` within `CONFIRM_WINDOW` of the last round's start asks first; a
        request that loses the race to another (a replica, a double click) says so.
        """
        program = await self._admin_program(actor)
        if isinstance(program, Reply):
            return program
        async with self.core.uow() as uow:
            last = await uow.rounds.last(program.id)
            current = await uow.programs.get(program.id)
            seen = current.last_round_number if current else 0  # the round this one follows
        if not confirmed and last is not None:
            ago = (self.core.now() - last.started_at).total_seconds()
            if ago < CONFIRM_WINDOW:
                return reply(copy.match_now_confirm(last.number, ago))
        started = await start_round(
            self.core, program.id, scheduled_for=None, after=seen, deliver=False
        )
        if isinstance(started, AlreadyStarted):
            return reply(copy.round_started_elsewhere(started.number))
        if started is None:
            return error(copy.NOBODY_TO_MATCH)
        if started.keys:
            self.core.background.spawn(
                self.outbox.flush(started.keys), f"round-{started.round_id}-delivery"
            )
        as_of = started.pool.fallback_as_of
        return reply(
            copy.round_started_now(
                started.number,
                started.groups,
                self.core.platform.name,
                copy.when(as_of, program.timezone) if as_of else None,
            )
        )

    # --- check-ins and thanks -----------------------------------------------------------------

    async def _checkin(self, actor: Actor, group_id: int, answer: CheckinAnswer) -> Reply:
        known = await self.core.known_users(actor.workspace_id, [actor.user_id])
        async with self.core.uow() as uow:
            member = await self.core.actor_member(uow, actor, known)
            result = await record_answer(self.core, uow, member, group_id, answer)
        if result.keys:
            await self.outbox.flush(result.keys)
        return Reply(text_message(result.text), ok=result.ok)

    async def _profile_form(self, actor: Actor) -> Reply:
        current = await self.profile(actor)
        labels = copy.PROFILE_LABELS
        fields = (
            *tuple(
                FormField(name, labels[name], "text", ", ".join(current[name]) or None, 500)
                for name in ("interests", "offers", "wants")
            ),
            FormField("team", labels["team"], "text", current["team"] or None, 60),
        )
        return Reply(form=Form(ProfileForm().encode(), copy.PROFILE_FORM_TITLE, fields, "Save"))

    async def _save_profile_form(self, actor: Actor, values: dict[str, Any]) -> Reply:
        """The profile form: every field at once; also completes the interview."""
        try:
            tags = {
                f: parse_tags(str(values.get(f) or "")) for f in ("interests", "offers", "wants")
            }
            team = clean_team(str(values.get("team") or "")) if "team" in values else None
        except InputError as exc:
            return error(exc.line)
        known = await self.core.known_users(actor.workspace_id, [actor.user_id])
        async with self.core.uow() as uow:
            member = await self.core.actor_member(uow, actor, known)
            profile = member.profile
            for name, items in tags.items():
                setattr(profile, name, items)
            if team is not None:
                profile.team = team or None
            profile.updated_at = self.core.now()
            await interview.finish(self.core, uow, member)
            return Reply(copy.interview_done(profile.interests, profile.offers, profile.wants))

    async def send_thanks(self, actor: Actor, command: cmd.Thanks) -> Reply:
        """`/thanks` (or the thanks form): post it, tell the recipients."""
        checked = inbound.clean_actor(actor)
        if checked is None:
            return error(copy.BAD_REQUEST)
        if inbound.any_unsafe(command):
            return error(copy.UNSAFE_TEXT)
        return await thanks.send(self.core, self.outbox, checked, command)

    def _tz(self, member: Member) -> str:
        return member.profile.timezone or "UTC"

    def _today(self, actor: Actor) -> date:
        return self.core.now().date()


def _checked(command: cmd.CoffeeCommand) -> cmd.CoffeeCommand:
    """A command built from structured options (Discord, the console's profile loading) gets
    the same checks as one parsed from text."""
    if isinstance(command, cmd.SetTeam) and command.team:
        return cmd.SetTeam(clean_team(command.team))
    if isinstance(command, cmd.SetTags) and command.tags:
        if len(command.tags) > MAX_TAGS:
            raise InputError(f"That's {len(command.tags)} topics; please pick at most {MAX_TAGS}.")
        for tag in command.tags:
            check_tag(tag)
    return command


def _ids_ok(*ids: str) -> bool:
    """Ids from a platform event, checked before they reach the database."""
    if all(inbound.external_id_ok(i) for i in ids):
        return True
    logger.warning("event with malformed ids ignored: %r", [str(i)[:80] for i in ids])
    return False


__all__ = ["Actor", "WarmIntro"]
