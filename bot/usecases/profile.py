"""A member's profile: interests, offers, wants, team, location, time zone; status and
history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot import commands as cmd
from bot import interview, wording
from bot.actions import ProfileForm
from bot.intros import person_of
from bot.messages import Form, FormField, Line, Reply
from bot.replies import error, reply
from bot.slots import HoursError
from bot.text import InputError, clean_location, clean_team, parse_tags
from bot.usecases.context import Context
from bot.usecases.membership import sits_out_next
from bot.usecases.slots import hours_from_form
from storage.models import Member
from storage.uow import UnitOfWork

TAG_FIELDS = ("interests", "offers", "wants")
# The `/coffee` word for each tag field (its usage line).
_COMMAND_OF = {"interests": "interests", "offers": "offer", "wants": "learn"}


def _tz(member: Member) -> str:
    return member.profile.timezone or "UTC"


async def set_tags(ctx: Context, command: cmd.SetTags) -> Reply:
    field, tags = command.field, command.tags
    async with ctx.as_member() as (_uow, member):
        if tags is None:
            usage = wording.USAGE[_COMMAND_OF[field]]
            return reply(wording.tags_shown(field, getattr(member.profile, field) or [], usage))
        setattr(member.profile, field, list(tags))
        member.profile.updated_at = ctx.core.now()
        return reply(wording.tags_saved(field, tags))


async def set_team(ctx: Context, command: cmd.SetTeam) -> Reply:
    return await _set_label(ctx, "team", command.team, wording.team_shown, wording.team_saved)


async def set_location(ctx: Context, command: cmd.SetLocation) -> Reply:
    shown, saved = wording.location_shown, wording.location_saved
    return await _set_label(ctx, "location", command.location, shown, saved)


async def _set_label(
    ctx: Context,
    field: str,
    value: str | None,
    shown: Callable[[str | None], Line],
    saved: Callable[[str], Line],
) -> Reply:
    """A one-line profile field (team, location): None shows it, "" clears it."""
    async with ctx.as_member() as (_uow, member):
        if value is None:
            return reply(shown(getattr(member.profile, field)))
        setattr(member.profile, field, value or None)
        member.profile.updated_at = ctx.core.now()
        return reply(saved(value))


async def set_timezone(ctx: Context, command: cmd.SetTimezone) -> Reply:
    zone, offset = command.zone, command.offset_hours
    async with ctx.as_member() as (_uow, member):
        profile = member.profile
        if zone is None and offset is None:
            if profile.utc_offset_hours is None:
                return reply(wording.NO_TIMEZONE + " " + wording.USAGE["timezone"])
            label = profile.timezone or wording.utc_label(profile.utc_offset_hours)
            return reply(wording.timezone_shown(label))
        profile.timezone = zone
        profile.utc_offset_hours = offset
        profile.updated_at = ctx.core.now()
        return reply(wording.timezone_saved(zone, offset or 0.0))


async def status(ctx: Context, _command: cmd.Status) -> Reply:
    async with ctx.reading_status() as (uow, found):
        member, mine = found.member, found.memberships
        programs = [p for p, _ in mine]
        profile = member.profile
        paused = None
        if profile.paused_until and profile.paused_until > ctx.core.now():
            paused = wording.paused_label(profile.paused_until, _tz(member))
        upcoming = [p for p in programs if p.active and p.next_round_at]
        next_round = None
        if upcoming:
            soonest = min(upcoming, key=lambda p: p.next_round_at)  # type: ignore[arg-type, return-value]
            assert soonest.next_round_at is not None
            next_round = wording.when(soonest.next_round_at, soonest.timezone)
        tz_label = profile.timezone or (
            wording.utc_label(profile.utc_offset_hours)
            if profile.utc_offset_hours is not None
            else None
        )
        return Reply(
            wording.status_message(
                [p.channel_id for p in programs],
                paused,
                profile.interests or [],
                profile.offers or [],
                profile.wants or [],
                profile.team,
                tz_label,
                await _partners(uow, member, found.current_group),
                next_round,
                found.colleagues_met,
                skipping=[p.channel_id for p, m in mine if sits_out_next(p, m)],
                location=profile.location,
                hours=person_of(member).hours.label(),
            )
        )


async def _partners(uow: UnitOfWork, member: Member, group_id: int | None) -> list[str] | None:
    """Who the member is matched with in their current round's group `group_id` (None: no
    current match)."""
    if group_id is None:
        return None
    ids = (await uow.rounds.member_ids([group_id]))[group_id]
    people = await uow.members.by_ids([i for i in ids if i != member.id])
    return [people[i].external_id for i in ids if i in people]


async def history(ctx: Context, _command: cmd.History) -> Reply:
    async with ctx.reading_member() as (uow, member):
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
            day = wording.when(round_.started_at, _tz(member), with_time=False)
            out.append((day, partners, group.outcome))
        return Reply(wording.history_message(out))


# --- the profile form (Slack's App Home, the interview's "Answer in a form") ------------------


async def current(ctx: Context) -> dict[str, Any]:
    """What the person told us."""
    async with ctx.reading_member() as (_uow, member):
        p = member.profile
        return {
            "interests": list(p.interests or []),
            "offers": list(p.offers or []),
            "wants": list(p.wants or []),
            "team": p.team or "",
            "location": p.location or "",
            "hours": f"{p.work_start}-{p.work_end}" if p.work_start and p.work_end else "",
        }


async def form(ctx: Context) -> Reply:
    now = await current(ctx)
    labels = wording.PROFILE_LABELS
    fields = (
        *tuple(
            FormField(name, labels[name], "text", ", ".join(now[name]) or None, 500)
            for name in TAG_FIELDS
        ),
        FormField("team", labels["team"], "text", now["team"] or None, 60),
        FormField("location", labels["location"], "text", now["location"] or None, 100),
        # Discord's modal holds five inputs: there, hours are set with `/coffee hours`.
        FormField("hours", labels["hours"], "text", now["hours"] or None, 20),
    )
    title = wording.PROFILE_FORM_TITLE
    return Reply(form=Form(ProfileForm().encode(), title, fields, wording.PROFILE_FORM_SUBMIT))


async def save_form(ctx: Context, values: dict[str, Any]) -> Reply:
    """The profile form: every field at once; also completes the interview."""
    try:
        tags = {f: parse_tags(form_text(values, f)) for f in TAG_FIELDS}
        team = clean_team(form_text(values, "team")) if "team" in values else None
        place = clean_location(form_text(values, "location")) if "location" in values else None
        hours = hours_from_form(form_text(values, "hours")) if "hours" in values else None
    except InputError as exc:
        return error(exc.line)
    except HoursError as exc:
        return error(wording.hours_error(exc.reason, form_text(values, "hours")))
    async with ctx.as_member() as (uow, member):
        profile = member.profile
        for name, items in tags.items():
            setattr(profile, name, items)
        if team is not None:
            profile.team = team or None
        if place is not None:
            profile.location = place or None
        if hours is not None:
            profile.work_start, profile.work_end = hours
        profile.updated_at = ctx.core.now()
        await interview.finish(ctx.core, uow, member)
        return Reply(wording.interview_done(profile.interests, profile.offers, profile.wants))


def form_text(values: dict[str, Any], name: str) -> str:
    """A form field's text ("" when empty or missing)."""
    return str(values.get(name) or "")
