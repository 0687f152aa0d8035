"""What the web dashboard does, on the core: which programs a signed-in person may see, the
settings form (every `/coffee config` setting, saved all or nothing), and a member's own data.

Starting a round, previewing it and pausing go through `WarmIntro.run` with the same commands
as in chat (`MatchNow`, `Preview`, `Config`), as the signed-in admin in the program's channel,
so every rule of the chat commands holds on the web too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core import Core
from bot.matching.types import Weights
from bot.messages import render_line_plain
from bot.program_settings import RULE_VALUES, WEIGHT_KEYS, apply_setting, max_size_on, program_rules
from bot.signin import Identity
from bot.text import InputError
from storage.models import Member, Program
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

# The settings form, in order: every key `/coffee config` takes (`next round` is shown, not set).
SETTING_KEYS: tuple[str, ...] = (
    "cadence", "day", "time", "timezone", "purpose", "thanks-channel", "active", "size",
    *(f"rule.{name}" for name in RULE_VALUES),
    *(f"weight.{name}" for name in WEIGHT_KEYS),
)  # fmt: skip
MAX_HISTORY = 10_000


async def visible_programs(core: Core, identity: Identity) -> list[Program]:
    """The programs of the person's workspace that they administer."""
    async with core.reading() as uow:
        ws = await uow.workspaces.find(identity.platform, identity.workspace_id)
        programs = await uow.programs.in_workspace(ws.id) if ws else []
    actor = identity.actor()
    return [p for p in programs if core.is_admin(actor, p)]


async def visible_program(core: Core, identity: Identity, program_id: int) -> Program | None:
    """The program, if it is in the person's workspace and they administer it; else None
    (the page answers 404 whether it exists elsewhere or not at all)."""
    async with core.reading() as uow:
        return await _visible(core, uow, identity, program_id)


async def _visible(
    core: Core, uow: UnitOfWork, identity: Identity, program_id: int
) -> Program | None:
    ws = await uow.workspaces.find(identity.platform, identity.workspace_id)
    program = await uow.programs.get(program_id)
    if ws is None or program is None or program.workspace_id != ws.id:
        return None
    return program if core.is_admin(identity.actor(), program) else None


def form_values(program: Program) -> dict[str, str]:
    """Each setting as the form shows it (what an admin would type to set it again)."""
    rules = program_rules(program)
    weights = {**dict.fromkeys(WEIGHT_KEYS), **(program.weights or {})}
    defaults = Weights()
    values = {
        "cadence": program.cadence,
        "day": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[
            program.weekday
        ],
        "time": program.local_time,
        "timezone": program.timezone,
        "purpose": program.purpose or "",
        "thanks-channel": program.thanks_channel_id or "",
        "active": "on" if program.active else "off",
        "size": str(program.group_size),
    }
    values |= {f"rule.{name}": str(getattr(rules, name)) for name in RULE_VALUES}
    for name in WEIGHT_KEYS:
        value = weights[name] if weights[name] is not None else getattr(defaults, name)
        values[f"weight.{name}"] = f"{value:g}"
    return values


@dataclass(frozen=True, slots=True)
class Saved:
    """The outcome of a settings form: what changed, or (nothing changed) what was wrong."""

    changed: tuple[str, ...]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


class _Invalid(Exception):
    pass


async def save_settings(
    core: Core, identity: Identity, program_id: int, submitted: dict[str, str]
) -> Saved | None:
    """Apply every changed setting of the form with `/coffee config`'s own setters, in one
    transaction: one bad value and nothing is saved (each error is said next to its field).
    None when the program is not the person's to change."""
    errors: dict[str, str] = {}
    changed: list[str] = []
    try:
        async with core.uow() as uow:
            program = await _visible(core, uow, identity, program_id)
            if program is None:
                return None
            current = form_values(program)
            limit = max_size_on(core.platform)
            for key in SETTING_KEYS:
                if key not in submitted:
                    continue
                value = submitted[key].strip()
                if value == current[key]:
                    continue
                if key in {"purpose", "thanks-channel"} and value == "":
                    value = "none"
                try:
                    apply_setting(program, key, value, core.now(), limit)
                    changed.append(key)
                except InputError as exc:
                    errors[key] = render_line_plain(exc.line)
            if errors:
                raise _Invalid
    except _Invalid:
        return Saved((), errors)
    if changed:
        logger.info("program %s settings changed on the web: %s", program_id, changed)
    return Saved(tuple(changed), {})


# --- a member's own page and data ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Meeting:
    round_number: int
    started_at: datetime
    program: str  # the program's channel
    with_: tuple[str, ...]  # display names
    outcome: str | None


@dataclass(frozen=True, slots=True)
class Note:
    created_at: datetime
    author: str
    text: str
    public: bool


@dataclass(frozen=True, slots=True)
class MyData:
    """Everything WarmIntro keeps about one person (what "download my data" gives)."""

    user_id: str
    display_name: str
    profile: dict[str, Any]
    programs: tuple[dict[str, Any], ...]
    meetings: tuple[Meeting, ...]  # newest first
    thanks_received: tuple[Note, ...]  # newest first, private ones included (it is their page)
    thanks_written: tuple[Note, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "display_name": self.display_name,
            "profile": self.profile,
            "programs": list(self.programs),
            "meetings": [
                {
                    "round": m.round_number,
                    "started_at": m.started_at.isoformat(),
                    "program": m.program,
                    "with": list(m.with_),
                    "outcome": m.outcome,
                }
                for m in self.meetings
            ],
            "thanks_received": [_note_json(n) for n in self.thanks_received],
            "thanks_written": [_note_json(n) for n in self.thanks_written],
        }


def _note_json(note: Note) -> dict[str, Any]:
    return {
        "created_at": note.created_at.isoformat(),
        "author": note.author,
        "text": note.text,
        "public": note.public,
    }


async def my_data(core: Core, identity: Identity) -> MyData | None:
    """The signed-in person's data; None when WarmIntro keeps nothing about them."""
    async with core.reading() as uow:
        ws = await uow.workspaces.find(identity.platform, identity.workspace_id)
        member = await uow.members.find(ws.id, identity.user_id) if ws else None
        if member is None:
            return None
        return await _collect(uow, member)


async def _collect(uow: UnitOfWork, member: Member) -> MyData:
    history = await uow.rounds.member_history(member.id, MAX_HISTORY)
    in_groups = await uow.rounds.member_ids([g.id for _r, g in history])
    programs: dict[int, Program] = {}
    for round_, _g in history:
        if round_.program_id not in programs:
            found = await uow.programs.get(round_.program_id)
            if found is not None:
                programs[round_.program_id] = found
    received_ids = await uow.thanks.received_by(member.id)
    notes = await uow.thanks.of_member(member.id)
    people_ids = {m for ids in in_groups.values() for m in ids} | {n.from_member_id for n in notes}
    people = await uow.members.by_ids(sorted(people_ids))
    name = {i: m.display_name for i, m in people.items()}
    meetings = tuple(
        Meeting(
            round_.number,
            round_.started_at,
            programs[round_.program_id].channel_id if round_.program_id in programs else "",
            tuple(name.get(i, "someone") for i in in_groups.get(group.id, []) if i != member.id),
            group.outcome,
        )
        for round_, group in history
    )
    notes.sort(key=lambda n: n.created_at, reverse=True)
    received = tuple(
        Note(n.created_at, name.get(n.from_member_id, "someone"), n.text, n.public)
        for n in notes
        if n.id in received_ids
    )
    written = tuple(
        Note(n.created_at, member.display_name, n.text, n.public)
        for n in notes
        if n.from_member_id == member.id
    )
    profile = member.profile
    memberships = await uow.programs.memberships_of(member.id)
    return MyData(
        user_id=member.external_id,
        display_name=member.display_name,
        profile={
            "team": profile.team,
            "location": profile.location,
            "timezone": profile.timezone,
            "utc_offset_hours": profile.utc_offset_hours,
            "interests": list(profile.interests or []),
            "offers": list(profile.offers or []),
            "wants": list(profile.wants or []),
            "manager": profile.manager,
            "start_date": profile.start_date.isoformat() if profile.start_date else None,
            "paused_until": profile.paused_until.isoformat() if profile.paused_until else None,
        },
        programs=tuple(
            {
                "program": p.channel_id,
                "joined_at": m.joined_at.isoformat(),
                "left_at": m.left_at.isoformat() if m.left_at else None,
            }
            for p, m in memberships
        ),
        meetings=meetings,
        thanks_received=received,
        thanks_written=written,
    )
