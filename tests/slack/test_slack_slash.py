"""Slash commands over HTTP (`adapters/slack/slash.py`): the reply is the ack when it is ready
in time; otherwise the ack goes out empty and the reply follows on the response_url."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot import wording
from tests.slack.conftest import SlackWorld, slow_commands


async def test_a_quick_reply_is_the_ack_itself(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    tag = await sw.slack.command("/coffee", "status", "U0002")
    reply = await sw.slack.reply(tag)
    assert reply["via"] == "ack" and reply["response_type"] == "ephemeral"
    assert "Colleagues met so far" in reply["text"] and reply["blocks"]
    await sw.settle()
    assert [r for r in sw.fake.responses if r["via"] == "response_url"] == []
    assert sw.fake.violations == []  # the ack's message passes slack_sdk's Block Kit checks
    # /thanks takes the same path, and what it queued is sent after the reply
    tag = await sw.slack.command("/thanks", "<@U0003> great pairing", "U0002")
    assert "Thanks sent" in (await sw.slack.reply(tag))["text"]
    await sw.settle()
    assert any("great pairing" in p["text"] for p in sw.fake.posts_to("C0001"))


async def test_a_slow_command_is_acknowledged_and_answered_on_its_response_url(
    sw: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sw.add_bot_to()
    slow_commands(sw, monkeypatch)
    tag = await sw.slack.command("/coffee", "status", "U0002")
    assert not [r for r in sw.fake.responses if r["tag"] == tag]  # the ack carried nothing
    reply = await sw.slack.reply(tag)
    assert reply["via"] == "response_url" and "Colleagues met so far" in reply["text"]
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False

    slow_commands(sw, monkeypatch, fail=True)
    tag = await sw.slack.command("/coffee", "status", "U0002")
    assert (await sw.slack.reply(tag))["text"] == wording.SOMETHING_WENT_WRONG


async def test_a_failure_in_time_is_answered_in_the_ack(
    sw: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sw.add_bot_to()

    async def broken(*_args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(sw.warm, "run", broken)
    reply = await sw.slack.reply(await sw.slack.command("/coffee", "status", "U0002"))
    assert reply["via"] == "ack" and reply["text"] == wording.SOMETHING_WENT_WRONG


async def test_a_burst_runs_a_few_commands_at_a_time_and_answers_all(
    sw: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sw.add_bot_to()
    monkeypatch.setattr(sw.runtime.slash, "_turns", asyncio.Semaphore(2))
    run = sw.warm.run
    active: list[int] = [0]
    most: list[int] = [0]

    async def counted(*args: Any) -> Any:
        active[0] += 1
        most[0] = max(most[0], active[0])
        try:
            await asyncio.sleep(0.05)
            return await run(*args)
        finally:
            active[0] -= 1

    monkeypatch.setattr(sw.warm, "run", counted)
    users = ["U0001", "U0002", "U0003", "U0004"] * 3
    tags = await asyncio.gather(*(sw.slack.command("/coffee", "status", u) for u in users))
    replies = [await sw.slack.reply(tag) for tag in tags]
    assert all("Colleagues met so far" in r["text"] for r in replies)
    assert most[0] == 2  # never more than two at once, and the burst did overlap
