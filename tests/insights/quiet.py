"""Quiet rounds built through the bot's own flows (as in tests/core/test_ghosts.py), and the
quiet-members count read from raw rows, for the dashboard's tests."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from storage.models import Round
from tests.conftest import World
from tests.insights.history import rows


async def in_latest_round(w: World, user: str) -> bool:
    """Whether `user` got an intro in the round that started last."""
    async with w.db.session() as s:
        number = (await s.execute(select(func.max(Round.number)))).scalar_one()
    title = f"Coffee round {number}"
    return any(user in p.target.user_ids for p in w.intros() if p.target.title == title)


async def round_where_all_but(w: World, quiet: set[str], days: int = 7) -> None:
    """Move to the next round; every member but the `quiet` ones answers their check-in."""
    await w.advance(timedelta(days=days))
    for user in w.people():
        if user not in quiet and await in_latest_round(w, user):
            reply = await w.press(user, "We've scheduled it")
            assert reply.ok, reply.text


def stats_quiet(text: str) -> int:
    """The quiet-members figure of a `/coffee stats` reply."""
    found = re.search(r"Quiet members[^\n]*: (\d+)", text)
    assert found, text
    return int(found.group(1))


async def quiet_in_db(w: World, program_id: int, now: datetime) -> int:
    """Members still in the program whose latest ghost check is unanswered, or an auto-pause
    still running — counted in Python over raw rows."""
    latest: dict[int, tuple[int, str | None]] = {}
    for member, asked, answer in await rows(
        w,
        "SELECT member_id, asked_round, answer FROM ghost_checks WHERE program_id = :p",
        p=program_id,
    ):
        if member not in latest or asked > latest[member][0]:
            latest[member] = (asked, answer)
    current = {
        m
        for (m,) in await rows(
            w,
            "SELECT member_id FROM memberships WHERE program_id = :p AND left_at IS NULL",
            p=program_id,
        )
    }
    paused = {
        m: until
        for m, until in await rows(w, "SELECT member_id, paused_until FROM profiles")
        if until is not None
    }
    count = 0
    for member, (_, answer) in latest.items():
        if member not in current:
            continue
        until = paused.get(member)
        still_paused = until is not None and _aware(until) > now
        count += answer is None or (answer == "auto_paused" and still_paused)
    return count


def _aware(value: object) -> datetime:
    """A stored time as an aware datetime (SQLite returns text or naive values)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
