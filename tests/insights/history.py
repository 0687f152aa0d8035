"""A program's history built through the bot's own flows (console platform, fake clock, a real
database), and independent counts of what the database holds, for the dashboard's tests."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import combinations
from typing import Any

from sqlalchemy import text

from adapters.console.platform import ConsoleUser
from adapters.console.session import join_with_profile
from bot.actions import Checkin, CheckinAnswer
from tests.conftest import World

HOSTILE_NAME = '<script>alert(1)</script>"><img src=x onerror=alert(2)> \u202eevil\u202c'
HOSTILE_TEAM = "<b>Team</b> & 'co'"
HOSTILE_TAG = '"><svg onload=alert(3)>'


@dataclass
class History:
    program_id: int
    private_text: str
    public_text: str
    answers: list[tuple[int, str, str]] = field(default_factory=list)  # (group, user, answer)


async def rows(w: World, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    async with w.db.session() as s:
        return [tuple(r) for r in (await s.execute(text(sql), params)).all()]


async def open_groups(w: World) -> list[tuple[int, list[str]]]:
    """The open round's groups with their members' platform ids."""
    found = await rows(
        w,
        "SELECT g.id, m.external_id FROM groups g JOIN rounds r ON r.id = g.round_id "
        "JOIN group_members gm ON gm.group_id = g.id JOIN members m ON m.id = gm.member_id "
        "WHERE r.status = 'open' ORDER BY g.position, m.external_id",
    )
    out: dict[int, list[str]] = {}
    for gid, ext in found:
        out.setdefault(gid, []).append(ext)
    return list(out.items())


async def answer(w: World, user: str, group_id: int, value: CheckinAnswer) -> None:
    reply = await w.app.action(w.actor(user), Checkin(group_id, value).encode())
    assert reply.ok, reply.text


async def build(w: World, hostile: bool = False) -> History:
    """Three weekly rounds with every kind of answer, joins, a leave, a pause, and public and
    private thanks. `hostile`: one member's name, team and interests are hostile text."""
    if hostile:
        w.data.users["mallory"] = ConsoleUser(
            id="mallory",
            name=HOSTILE_NAME,
            team=HOSTILE_TEAM,
            timezone="Europe/Paris",
            interests=[HOSTILE_TAG, "sql"],
            offers=[],
            wants=["sql", HOSTILE_TAG],
        )
    people = w.people()
    late = people[-1]
    await w.program([p for p in people if p != late])
    history = History(
        program_id=(await rows(w, "SELECT id FROM programs"))[0][0],
        private_text="for the private chat about my health",
        public_text="thanks for the <b>great</b> chat & coffee",
    )
    plans = [
        (CheckinAnswer.MET, CheckinAnswer.SCHEDULED, CheckinAnswer.SKIPPED, CheckinAnswer.MET),
        (CheckinAnswer.MET, CheckinAnswer.MET, CheckinAnswer.SCHEDULED),
        (CheckinAnswer.SKIPPED, CheckinAnswer.MET),
    ]
    for number, plan in enumerate(plans, start=1):
        await w.advance(timedelta(days=3) if number == 1 else timedelta(days=7))
        groups = await open_groups(w)
        assert groups, f"round {number} has groups"
        for (gid, members), value in zip(groups, plan, strict=False):
            await answer(w, members[0], gid, value)
            history.answers.append((gid, members[0], value))
        if number == 1:
            # a met group's members thank each other: once in public, once privately
            gid, members = groups[0]
            a, b = members[0], members[1]
            assert (await w.thanks(a, f"<@{b}> {history.public_text}")).ok
            assert (await w.thanks(b, f"<@{a}> {history.private_text} --private")).ok
            joined = await join_with_profile(w.app, w.actor(late), w.data.users[late])
            assert joined.ok, joined.text
        if number == 2:
            leaver = groups[-1][1][0]
            assert (await w.coffee(leaver, "leave")).ok
            pauser = groups[-2][1][-1]
            assert (await w.coffee(pauser, "pause 2w")).ok
            gid, members = groups[1]
            assert (await w.thanks(members[-1], f"<@{members[0]}> cheers, mate")).ok
    return history


# --- independent counts -----------------------------------------------------------------------


async def outcome_counts(w: World, program_id: int) -> dict[int, Counter[str | None]]:
    found = await rows(
        w,
        "SELECT r.number, g.outcome FROM groups g JOIN rounds r ON r.id = g.round_id "
        "WHERE r.program_id = :p",
        p=program_id,
    )
    out: dict[int, Counter[str | None]] = {}
    for number, outcome in found:
        out.setdefault(number, Counter())[outcome] += 1
    return out


async def met_pairs(w: World, program_id: int) -> list[tuple[int, int, int]]:
    """(round number, a, b) for each pair in a met group, from the raw rows."""
    found = await rows(
        w,
        "SELECT r.number, g.id, gm.member_id FROM groups g JOIN rounds r ON r.id = g.round_id "
        "JOIN group_members gm ON gm.group_id = g.id WHERE r.program_id = :p "
        "AND g.outcome = 'met'",
        p=program_id,
    )
    groups: dict[tuple[int, int], list[int]] = {}
    for number, gid, mid in found:
        groups.setdefault((number, gid), []).append(mid)
    return [
        (number, a, b)
        for (number, _), members in groups.items()
        for a, b in combinations(sorted(members), 2)
    ]


async def teams_of(w: World) -> dict[int, str | None]:
    return dict(await rows(w, "SELECT member_id, team FROM profiles"))
