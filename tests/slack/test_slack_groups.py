"""Groups on Slack: `size 4` makes group DMs of four (conversations.open with four users);
a size whose groups could outgrow a group DM (8 people) is refused."""

from __future__ import annotations

from collections import Counter

from tests.slack.conftest import SlackWorld
from tests.slack.fake_slack import BOT_USER


def _opened(sw: SlackWorld) -> list[list[str]]:
    groups = [c.args["users"].split(",") for c in sw.fake.called("conversations.open")]
    return [g for g in groups if len(g) > 1]


async def _coffee(sw: SlackWorld, text: str, user: str = "U0001") -> str:
    return str((await sw.slack.reply(await sw.slack.command("/coffee", text, user)))["text"])


async def test_a_round_of_size_four_opens_group_dms_of_four(sw: SlackWorld) -> None:
    extra = [f"U01{i:02d}" for i in range(4)]
    for user in extra:
        sw.fake.add_user(user, f"Person {user}")
    sw.fake.channels["C0001"] = [*sw.fake.channels["C0001"], *extra]
    await sw.add_bot_to()
    assert "size* is now 4" in await _coffee(sw, "config size 4")
    assert "Round 1 started: 2 groups" in await _coffee(sw, "match-now")
    await sw.fake.wait_for(lambda: len(_opened(sw)) == 2)
    groups = _opened(sw)
    assert sorted(len(g) for g in groups) == [4, 4]
    placed = Counter(u for g in groups for u in g)
    members = [u for u in sw.fake.channels["C0001"] if u != BOT_USER]
    assert sorted(placed) == sorted(members) and set(placed.values()) == {1}

    def intros() -> list[dict]:
        return [p for p in sw.fake.posts if p["channel"].startswith("G") and "matched" in p["text"]]

    await sw.fake.wait_for(lambda: len(intros()) == 2)
    intros = intros()
    assert len(intros) == 2 and all(", " in p["text"] and " and " in p["text"] for p in intros)


async def test_size_eight_is_refused_on_slack(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    text = await _coffee(sw, "config size 8")
    assert "at most 8 people" in text and "at most 7" in text
    assert "size*: 2" in await _coffee(sw, "config")
    assert "size* is now 7" in await _coffee(sw, "config size 7")
