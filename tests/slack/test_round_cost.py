"""What a round costs in calls and statements, whatever its size: the channel is read 1,000
members a page, and the round is saved in a fixed number of SQL statements (counted, never
timed)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.rounds import Started, start_round
from storage.engine import Database
from storage.models import Delivery, Group, GroupMember, Program
from tests.slack.conftest import SlackWorld
from tests.slack.fake_slack import BOT_USER
from tests.slack.test_slack_scale import enrol

CHANNEL = "C0300"
INSERT_INTO = re.compile(r"^\s*INSERT INTO (\w+)", re.IGNORECASE)


@contextmanager
def statements(db: Database) -> Iterator[list[tuple[str, bool]]]:
    """Every statement the engine sends the database meanwhile: (SQL, executemany)."""
    seen: list[tuple[str, bool]] = []

    def record(_conn: Any, _cursor: Any, sql: str, _params: Any, _ctx: Any, many: bool) -> None:
        seen.append((sql, many))

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def _round_of(sw: SlackWorld, size: int) -> tuple[Started, list[tuple[str, bool]]]:
    people = [f"U5{i:05d}" for i in range(size)]
    for user in people:
        sw.fake.add_user(user, f"Person {user}")
    sw.fake.channels[CHANNEL] = [*people, BOT_USER]
    sw.fake.page_size = 1000  # Slack's largest page: the app's `limit` decides
    await enrol(sw, CHANNEL, people)
    db = sw.warm.core.db
    async with db.session() as s:
        program_id = (await s.execute(select(Program.id))).scalar_one()
    with statements(db) as seen:
        started = await start_round(sw.warm.core, program_id, scheduled_for=None, deliver=False)
    assert isinstance(started, Started)
    return started, seen


@pytest.mark.parametrize("size", [40, 2500])
async def test_a_round_is_saved_in_the_same_statements_whatever_its_size(
    sw: SlackWorld, size: int
) -> None:
    started, seen = await _round_of(sw, size)
    assert started.groups == size // 2
    inserts = Counter(m[1] for sql, _ in seen if (m := INSERT_INTO.match(sql)))
    # One INSERT each for the round's groups, their members and its deliveries (the round
    # itself is one more), however many groups there are.
    assert inserts["groups"] == 1 and inserts["group_members"] == 1
    assert inserts["deliveries"] == 1 and inserts["rounds"] == 1
    assert all(many for sql, many in seen if re.match(r"\s*INSERT INTO group", sql))
    # Everything a round does (pool sync, care, two reads for the plan, the save) is a fixed
    # number of statements (46 today), where saving 1,250 groups one RETURNING at a time on
    # SQLite took 1,250 more.
    assert len(seen) <= 50, Counter(sql.split()[0] for sql, _ in seen)
    async with sw.warm.core.db.session() as s:
        groups = (await s.execute(select(func.count()).select_from(Group))).scalar_one()
        placed = (await s.execute(select(func.count()).select_from(GroupMember))).scalar_one()
        rows = (await s.execute(select(func.count()).select_from(Delivery))).scalar_one()
    assert (groups, placed, rows) == (size // 2, size, 3 * (size // 2))


@pytest.mark.parametrize(("size", "pages"), [(40, 1), (2500, 3)])
async def test_the_channel_is_read_a_thousand_members_a_page(
    sw: SlackWorld, size: int, pages: int
) -> None:
    await _round_of(sw, size)
    reads = sw.fake.called("conversations.members")
    assert len(reads) == pages
    assert {str(c.args.get("limit")) for c in reads} == {"1000"}
