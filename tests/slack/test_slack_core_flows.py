"""Slack, over real HTTP: match-now under a failing or slow Web API, and forget-me's table dump."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from bot.rounds import POOL_SYNC_WAITS
from storage.models import Round
from tests.conftest import dump_database, traces_of
from tests.slack.conftest import PEOPLE, SlackWorld
from tests.slack.fake_slack import BOT_USER, TEAM, Fault


def _intros(sw: SlackWorld) -> list[dict]:
    return [p for p in sw.fake.posts if p["channel"].startswith("G") and "matched" in p["text"]]


def _placed(sw: SlackWorld) -> Counter[str]:
    groups = [c.args["users"] for c in sw.fake.called("conversations.open")]
    return Counter(u for users in groups if "," in users for u in users.split(","))


async def _rounds(sw: SlackWorld) -> list[int]:
    async with sw.warm.core.db.session() as s:
        return list((await s.execute(select(Round.number))).scalars())


async def _match_now(sw: SlackWorld, user: str = "U0001", channel: str = "C0001") -> str:
    reply = await sw.slack.reply(await sw.slack.command("/coffee", "match-now", user, channel))
    return str(reply["text"])


async def test_one_502_from_conversations_members_is_retried(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    sw.fake.faults.append(Fault("conversations.members", status=502, times=1))
    calls = len(sw.fake.called("conversations.members"))
    text = await _match_now(sw)
    assert text == "Round 1 started: 2 groups; intros are on their way."
    assert len(sw.fake.called("conversations.members")) == calls + 2  # the 502, then the answer
    assert sw.clock.slept == [POOL_SYNC_WAITS[0]]
    await sw.fake.wait_for(lambda: len(_intros(sw)) == 2)
    assert sorted(_placed(sw)) == sorted(PEOPLE) and set(_placed(sw).values()) == {1}


async def test_a_persistent_503_falls_back_to_the_members_we_know(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    sw.fake.faults.append(Fault("conversations.members", status=503, times=-1))
    text = await _match_now(sw)
    assert text.startswith("Round 1 started: 2 groups; intros are on their way. Slack didn't")
    assert "so I used the members I knew as of Fri 20 Nov 2026 at 12:00 (UTC)." in text
    assert sw.clock.slept == list(POOL_SYNC_WAITS)
    assert await _rounds(sw) == [1]
    await sw.fake.wait_for(lambda: len(_intros(sw)) == 2)
    assert sorted(_placed(sw)) == sorted(PEOPLE) and set(_placed(sw).values()) == {1}


async def test_a_hanging_conversations_members_times_out_and_falls_back(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    client = await sw.runtime.platform.client(TEAM)
    client.timeout = 1  # seconds (slack_sdk's default is 30)
    sw.fake.slow["conversations.members"] = 2.0  # longer than the timeout: a hang
    calls = len(sw.fake.called("conversations.members"))
    text = await _match_now(sw)
    assert "Slack didn't answer when I checked the channel's members" in text
    assert len(sw.fake.called("conversations.members")) == calls + 3
    await sw.fake.wait_for(lambda: len(_intros(sw)) == 2)
    assert sorted(_placed(sw)) == sorted(PEOPLE)


async def test_a_scheduled_round_goes_ahead_while_slack_fails(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    sw.fake.faults.append(Fault("conversations.members", status=502, times=-1))
    sw.clock.advance(timedelta(days=3))
    assert (await sw.warm.tick())["rounds"] == 1
    assert len(_intros(sw)) == 2 and sorted(_placed(sw)) == sorted(PEOPLE)


async def test_match_now_answers_before_a_slow_api_has_posted_the_intros(sw: SlackWorld) -> None:
    people = [f"U2{i:03d}" for i in range(100)]
    for user in people:
        sw.fake.add_user(user, f"Person {user}")
    sw.fake.channels["C0003"] = [*people, BOT_USER]
    await sw.add_bot_to("C0003", inviter=people[0])
    sw.fake.slow["chat.postMessage"] = 0.05  # every post takes a while: 50 intros, 2.5 s
    tag = await sw.slack.command("/coffee", "match-now", people[0], "C0003")
    reply = await sw.slack.reply(tag)
    assert reply["text"] == "Round 1 started: 50 groups; intros are on their way."
    await sw.fake.wait_for(lambda: len(_intros(sw)) == 50)
    intros = [i for i, e in enumerate(sw.fake.events) if e.startswith("post:G")]
    answered = sw.fake.events.index("response:" + tag)
    assert len(intros) == 50 and answered < intros[-1]
    assert len([i for i in intros if i < answered]) < 50  # the answer didn't wait for them
    assert set(_placed(sw)) == set(people) and set(_placed(sw).values()) == {1}


async def test_two_match_nows_in_a_row_ask_before_a_second_round(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    assert (await _match_now(sw)).startswith("Round 1 started")
    sw.clock.advance(timedelta(seconds=3))
    assert (await _match_now(sw)).startswith("Round 1 started less than a minute ago.")
    assert await _rounds(sw) == [1]
    reply = await sw.slack.reply(await sw.slack.command("/coffee", "match-now confirm", "U0001"))
    assert reply["text"].startswith("Round 2 started")
    assert sorted(await _rounds(sw)) == [1, 2]


ZED = "U0ZED"
WORDS = ["Xylophone wizardry from the quokka brigade", "Marmalade diplomacy at its finest"]
NEEDLES = [ZED, "Zebulon", "Quillfeather", "Skunkworks", "zither", *WORDS]


async def test_forget_me_on_slack_leaves_no_trace_in_any_table(sw: SlackWorld) -> None:
    sw.fake.add_user(ZED, "Zebulon Quillfeather")
    sw.fake.channels["C0001"].insert(0, ZED)
    await sw.add_bot_to()
    for text in ("team Skunkworks Zeta", "interests zither tuning, juggling"):
        await sw.slack.reply(await sw.slack.command("/coffee", text, ZED))
    sw.clock.advance(timedelta(days=3))
    await sw.warm.tick()
    intro = next(p for p in _intros(sw) if f"<@{ZED}>" in p["text"])
    met = next(
        e["action_id"]
        for b in intro["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].endswith(":met")
    )
    partner = next(u for u in re.findall(r"<@(U\w+)>", intro["text"]) if u != ZED)
    await sw.slack.reply(await sw.slack.action(ZED, met, channel=intro["channel"]))
    for user, text in (
        (ZED, f"<@{partner}> {WORDS[0]}"),
        (ZED, f"<@U0001> {WORDS[1]} --private"),
        (partner, f"<@{ZED}> thanks for the demo"),
        ("U0003" if partner != "U0003" else "U0004", "<@U0001> pairing with Zebulon was fun"),
    ):
        reply = await sw.slack.reply(await sw.slack.command("/thanks", text, user))
        assert "Thanks sent" in reply["text"]
    assert len(traces_of(await dump_database(sw.warm.core.db), NEEDLES)) > 10
    reply = await sw.slack.reply(await sw.slack.command("/coffee", "forget-me confirm", ZED))
    assert "deleted everything" in reply["text"]
    dump = await dump_database(sw.warm.core.db)
    assert "slack_installations" in dump  # every table, not only the app's models
    assert traces_of(dump, NEEDLES) == []


async def test_a_newcomer_slack_cant_describe_joins_at_the_next_sync(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    sw.fake.add_user("U0005", "Nia")
    sw.fake.channels["C0001"].append("U0005")
    fault = Fault("users.info", status=502, times=-1, when=lambda args: args.get("user") == "U0005")
    sw.fake.faults.append(fault)
    assert (await _match_now(sw)).startswith("Round 1 started: 2 groups")
    await sw.fake.wait_for(lambda: len(_intros(sw)) == 2)
    assert "U0005" not in _placed(sw)
    fault.times = 0  # Slack answers again: the next round has them
    sw.clock.advance(timedelta(minutes=11))
    assert (await _match_now(sw)).startswith("Round 2 started: 2 groups")
    await sw.fake.wait_for(lambda: len(_intros(sw)) == 4)
    assert _placed(sw)["U0005"] == 1
