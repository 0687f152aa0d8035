"""The monthly digest: posted once per program and month in its channel, public thanks only
(quoted as typed text), what people learned only from those thanks, nobody named who didn't
meet, and the program's purpose."""

from __future__ import annotations

from datetime import timedelta

from bot.messages import UserRef, UserText
from tests.conftest import World, dump_database, traces_of
from tests.hostile import raw_echoes

FOUR = ["maya", "li", "sam", "ana"]
HOSTILE = "<!channel> *bold* <https://evil.example|click> DROP TABLE"


def _digests(w: World) -> list[object]:
    return [p for p in w.sent("channel") if "📬" in p.message.plain()]


async def _november(w: World) -> tuple[tuple[str, str], tuple[str, str]]:
    """Round 1: one pair meets and thanks each other; the other pair doesn't meet."""
    await w.program(FOUR)
    await w.coffee("maya", 'config purpose "Break silos between teams"')
    await w.advance(timedelta(days=3))  # round 1: Mon 23 Nov
    (x, y), (u, v) = (tuple(p.target.user_ids) for p in w.intros())
    assert (await w.press(x, "We met")).ok
    topic = w.data.users[y].offers[0]
    assert (await w.thanks(x, f"<@{y}> thanks for the {topic.upper()} tips! {HOSTILE}")).ok
    assert (await w.thanks(y, f"<@{x}> lovely chat")).ok
    # the pair that didn't meet: a private note, and a public one mentioning what v offers
    assert (await w.thanks(u, f"<@{v}> SECRET-NOTE --private")).ok
    other = w.data.users[v].offers[0]
    assert (await w.thanks(u, f"<@{v}> still learned some {other} over chat")).ok
    return (x, y), (u, v)


async def test_one_digest_a_month_public_thanks_only_no_names_of_non_meeters(
    any_world: World,
) -> None:
    w = any_world
    (_x, y), (u, v) = await _november(w)
    assert not _digests(w)
    await w.advance(timedelta(days=7, hours=21))  # Tue 1 Dec 09:00: not yet (10:00)
    assert not _digests(w)
    await w.advance(timedelta(hours=2))
    (digest,) = _digests(w)
    assert digest.target.channel_id == "coffee"
    text = digest.message.plain(w.platform.display)
    assert "November 2026" in text
    assert "2 people met" in text
    assert "1 new connection across teams" in text
    assert "3 public thank-you notes" in text
    assert "SECRET-NOTE" not in text  # private notes are never quoted
    assert "still learned some" not in text  # nor notes between people who didn't meet
    assert HOSTILE in text and not raw_echoes(digest.message)  # quoted as typed text
    assert any(
        isinstance(s, UserText) and HOSTILE in s.text for line in digest.message.lines for s in line
    )
    topic = w.data.users[y].offers[0]
    assert f"@{w.platform.display(y)} helped 1 person with {topic}" in text
    for nobody in (u, v):  # they didn't meet: never named
        assert w.platform.display(nobody) not in text
        assert all(s != UserRef(nobody) for line in digest.message.lines for s in line)
    assert "helped" not in text.split(topic)[-1]  # v's topic gives no "helped" line
    assert "Why we do this:* Break silos" in text
    assert set(digest.message.mentions) == {y}
    # later ticks, a restart, a replica: still one
    await w.advance(timedelta(days=3))
    await w.fresh_app().tick()
    assert len(_digests(w)) == 1


async def test_digest_off_and_a_month_without_rounds(world: World) -> None:
    w = world
    await w.program(FOUR)
    assert "off" in (await w.coffee("maya", "config digest off")).text
    assert "monthly" in (await w.coffee("maya", "config digest weekly")).text
    await w.advance(timedelta(days=19), step=timedelta(hours=3))  # to Wed 9 Dec
    assert not _digests(w)
    # back on: November's digest is old news by now; December's comes on 1 January
    assert (await w.coffee("maya", "config digest monthly")).ok
    await w.advance(timedelta(days=26), step=timedelta(hours=6))
    (digest,) = _digests(w)
    assert "December 2026" in digest.message.plain()
    assert "No chats were reported" in digest.message.plain()


async def test_forget_me_takes_quoted_words_out_of_a_posted_digest(world: World) -> None:
    w = world
    (x, _y), _ = await _november(w)
    await w.advance(timedelta(days=8))
    (digest,) = _digests(w)
    assert "TIPS!" not in digest.message.plain() and "tips!" in digest.message.plain()
    assert "Done" in (await w.coffee(x, "forget-me confirm")).text
    dump = await dump_database(w.db)
    assert traces_of(dump, ["tips! <!channel>", HOSTILE[:20]]) == []
