"""Every Slack call of the process shares one aiohttp session (kept-alive connections), and a
plain command asks Slack nothing but its reply."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from storage.models import Member, Profile
from tests.slack.conftest import SlackWorld


async def test_commands_reuse_one_session_and_status_makes_no_api_call(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    await sw.settle()
    platform = sw.runtime.platform
    session = platform.shared.get()
    client = await platform.client("T0001")
    assert client.session is session or client.session is None
    platform.forget_user("T0001", "U0002")  # as for a member the cache hasn't seen lately
    calls = len(sw.fake.calls)
    for _ in range(3):
        reply = await sw.slack.reply(await sw.slack.command("/coffee", "status", "U0002"))
        assert "text" in reply
    # users.info for the admin check is not needed by /coffee status (and Li is known)
    assert [c.method for c in sw.fake.calls[calls:]] == []
    assert platform.shared.get() is session and not session.closed
    # Web API calls (the round's) go through the same session
    reply = await sw.slack.reply(await sw.slack.command("/coffee", "match-now", "U0001"))
    assert "Round 1 started" in reply["text"]
    await sw.settle()
    assert client.session is session
    await sw.runtime.close()
    assert session.closed


async def test_a_newcomers_join_answers_before_asking_slack_who_they_are(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    await sw.settle()
    sw.fake.add_user("U0042", "Noor", tz="Asia/Tokyo", tz_offset=9 * 3600)
    sw.fake.channels["C0001"].append("U0042")
    gate = asyncio.Event()
    sw.fake.on_call = lambda call: gate.wait() if call.method == "users.info" else None
    reply = await sw.slack.reply(await sw.slack.command("/coffee", "join", "U0042"))
    assert "You're in" in reply["text"]  # answered while users.info is held
    async with sw.warm.core.db.session() as s:
        member = (await s.execute(select(Member).where(Member.external_id == "U0042"))).scalar_one()
        assert member.display_name == "U0042"  # the placeholder until Slack answers
    gate.set()
    await sw.settle()
    async with sw.warm.core.db.session() as s:
        member = (await s.execute(select(Member).where(Member.external_id == "U0042"))).scalar_one()
        profile = await s.get(Profile, member.id)
        assert member.display_name == "Noor" and profile is not None
        assert profile.timezone == "Asia/Tokyo"
    assert await sw.fake.wait_for(lambda: sw.fake.posts_to("DU0042"))  # and the interview
