"""Every Slack call of the process shares one aiohttp session (kept-alive connections), and a
plain command asks Slack nothing but its reply."""

from __future__ import annotations

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
