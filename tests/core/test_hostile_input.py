"""Every hostile string of the shared corpus through every command, button and form of the core.

On the console platform (the core's own harness), on SQLite and on PostgreSQL. For every
request: an answer comes back (no exception), nothing a person typed sits in the bot's own copy
spans (it is always a `UserText` span, which every platform escapes), nothing the bot sent
elsewhere (posts, DMs) carries typed text as copy either, and a refused request changed nothing
in the database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot import commands as cmd
from bot.messages import Reply
from storage.models import Group
from tests import hostile
from tests.conftest import World
from tests.hostile import DATABASE_SENSITIVE, OVERFLOW_ACTIONS, action_ids, raw_echoes

Op = tuple[str, Callable[[], Awaitable[Reply]]]

COFFEE = (
    "{h}", "help {h}", "timezone {h}", "team {h}", "interests {h}", "offer {h}", "learn {h}",
    "pause {h}", "pause until {h}", "config {h}", "config {h} value", "config purpose {h}",
    "config timezone {h}", "config thanks-channel {h}", "config cadence {h}", "config day {h}",
    "config time {h}", "config active {h}", "config weight.interest {h}", "forget-me {h}",
    "join {h}", "leave {h}", "resume {h}", "status {h}", "history {h}", "stats {h}",
    "preview {h}", "match-now {h}",
)  # fmt: skip
THANKS = ("<@sam> note: {h}", "{h} thanks!", "<@sam> {h} --private", "--private <@li> {h}")


def operations(w: World, h: str, group_id: int) -> list[Op]:
    """Every way `h` can reach the core, as the admin (maya) in the program channel."""
    app, me = w.app, w.actor("maya")
    ops: list[Op] = [(f"/coffee {t}", lambda t=t: app.coffee(me, t.format(h=h))) for t in COFFEE]
    ops += [(f"/thanks {t}", lambda t=t: app.thanks(me, t.format(h=h))) for t in THANKS]
    ops += [(f"button {a[:40]!r}", lambda a=a: app.action(me, a)) for a in action_ids(h)]
    ops += [
        ("dm", lambda: app.direct_message(w.actor("maya", None), h)),
        ("thanks form: note", lambda: app.form_submitted(
            me, f"thanks:{group_id}", {"recipients": ["li"], "message": h, "private": True})),
        ("thanks form: recipient", lambda: app.form_submitted(
            me, f"thanks:{group_id}", {"recipients": [h], "message": "hi", "private": h})),
        ("thanks form: id", lambda: app.form_submitted(
            me, f"thanks:{h}", {"recipients": ["li"], "message": "hi"})),
        ("form id", lambda: app.form_submitted(me, h, {"message": h})),
        *[
            (f"profile form: {field}", lambda field=field: app.form_submitted(
                me, "profile", {field: h}))
            for field in ("interests", "offers", "wants", "team")
        ],
        # What Discord builds from slash-command options, straight to the core.
        ("run Config", lambda: app.run(me, cmd.Config(h, h))),
        ("run Help", lambda: app.run(me, cmd.Help(h))),
        ("run SetTeam", lambda: app.run(me, cmd.SetTeam(h))),
        ("run Thanks note", lambda: app.send_thanks(me, cmd.Thanks(("li",), h))),
        ("run Thanks recipient", lambda: app.send_thanks(me, cmd.Thanks((h,), "hi"))),
        ("setup purpose", lambda: app.setup_program(me, {"purpose": h})),
        ("setup timezone", lambda: app.setup_program(me, {"timezone": h})),
    ]  # fmt: skip
    return ops


async def _ready(w: World) -> int:
    """#coffee with three people, a round started: buttons and forms have something to hit."""
    await w.program(["maya", "li", "sam"])
    assert (await w.coffee("maya", "match-now")).ok
    async with w.db.session() as s:
        return (await s.execute(select(Group.id))).scalars().first() or 0


async def _run(w: World, strings: tuple[str, ...]) -> int:
    group_id = await _ready(w)
    before = await w.snapshot()
    problems: list[str] = []
    count = 0
    calls: list[tuple[str, Op]] = [
        ("", (f"button {a[:40]}", lambda a=a: w.app.action(w.actor("li"), a)))
        for a in OVERFLOW_ACTIONS
    ]
    calls += [(h, op) for h in strings for op in operations(w, h, group_id)]
    for h, (label, call) in calls:
        sent = len(w.platform.sent)
        reply = await call()
        await w.settle()  # what it started after replying (deliveries) is done too
        count += 1
        where = f"{label} with {h[:30]!r}"
        if reply.message is None and reply.form is None:
            problems.append(f"{where}: no answer")
        if echoes := raw_echoes(reply.message):
            problems.append(f"{where}: typed text in copy: {echoes[:2]!r}")
        for posted in w.platform.sent[sent:]:
            if echoes := raw_echoes(posted.message):
                problems.append(f"{where}: typed text in a message sent: {echoes[:2]!r}")
        after = await w.snapshot()
        if not reply.ok and after != before:
            changed = [t for t in after if after[t] != before[t]]
            problems.append(f"{where}: refused ({reply.text[:60]!r}) but changed {changed}")
        before = after
    assert not problems, "\n".join(problems[:30])
    return count


CATEGORIES = {
    "broadcasts": hostile.BROADCASTS,
    "markup": hostile.MARKUP,
    "control": hostile.CONTROL,
    "unicode": hostile.UNICODE,
    "sizes": hostile.SIZES,
    "ids": hostile.IDS,
    "sqlish": hostile.SQLISH,
}


@pytest.mark.parametrize("category", list(CATEGORIES))
async def test_every_hostile_string_through_every_entry_point(world: World, category: str) -> None:
    strings = CATEGORIES[category]
    count = await _run(world, strings)
    assert count >= len(strings) * len(operations(world, "x", 1))


@pytest.mark.postgres
async def test_database_sensitive_input_on_postgres(pg_db: Any) -> None:
    """NUL bytes, lone surrogates and overflowing ids never reach PostgreSQL."""
    await _run(World(pg_db), DATABASE_SENSITIVE)


async def test_refusals_say_why(world: World) -> None:
    """The answers are the clear ones, not a generic failure."""
    await _ready(world)
    nul = await world.coffee("maya", "team A\x00B")
    assert not nul.ok and "control characters" in nul.text
    overflow = await world.app.action(world.actor("li"), "checkin:99999999999999999999:met")
    assert not overflow.ok and "That button has expired" in overflow.text
    huge = await world.thanks("maya", "<@li> " + "x" * 100_000)
    assert not huge.ok and "the limit is 2,000" in huge.text
    surrogate = await world.dm("maya", "\ud800")
    assert not surrogate.ok and "broken Unicode" in surrogate.text
    unknown = await world.coffee("maya", "<!channel>")
    assert not unknown.ok and "I don't know the command `<!channel>`" in unknown.text
    many = await world.app.send_thanks(
        world.actor("maya"), cmd.Thanks(tuple(f"u{i}" for i in range(30)), "hi")
    )
    assert not many.ok and "at most 25 people" in many.text


async def test_typed_text_in_answers_is_user_text(world: World) -> None:
    """The escaping is by type: what was typed comes back as a `UserText` span."""
    from bot.messages import UserText

    await _ready(world)
    for text, typed in (
        ("<!channel>", "<!channel>"),
        ("help <!everyone>", "<!everyone>"),
        ("timezone <!here>", "<!here>"),
        ("config <!here>", "<!here>"),
        ("config timezone <!here>", "<!here>"),
    ):
        reply = await world.coffee("maya", text)
        spans = [s for line in reply.message.lines for s in line] if reply.message else []
        assert UserText(typed) in spans or any(
            isinstance(s, UserText) and typed in s.text for s in spans
        ), (text, spans)
    reply = await world.thanks("maya", "@<!channel> thanks")
    spans = [s for line in reply.message.lines for s in line] if reply.message else []
    assert any(isinstance(s, UserText) and "<!channel>" in s.text for s in spans)
