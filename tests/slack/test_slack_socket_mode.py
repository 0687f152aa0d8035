"""Socket Mode: no public URL; envelopes over a websocket from the fake Slack, acked at once."""

from __future__ import annotations

import asyncio
import random

from adapters.slack.app import SlackRuntime
from adapters.slack.server import run_slack
from bot.clock import FakeClock
from storage.engine import Database
from tests.conftest import START
from tests.slack.conftest import slack_settings
from tests.slack.fake_slack import TEAM, FakeSlack


async def test_slash_command_over_socket_mode(sqlite_db: Database, fake_slack: FakeSlack) -> None:
    settings = slack_settings(fake_slack, slack_app_token="xapp-test", slack_signing_secret=None)
    runtime = SlackRuntime(
        settings, sqlite_db, FakeClock(START), random.Random(1), socket_mode=True
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_slack(runtime, "127.0.0.1", 0, stop))
    try:
        await fake_slack.envelopes.put(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "team_id": TEAM,
                    "channel_id": "C0001",
                    "user_id": "U0001",
                    "command": "/coffee",
                    "text": "help",
                    "response_url": fake_slack.response_url("sock"),
                    "trigger_id": "t",
                },
            }
        )
        ack = await fake_slack.wait_for(
            lambda: [a for a in fake_slack.socket_acks if a.get("envelope_id") == "env-1"]
        )
        assert ack
        reply = await fake_slack.wait_for(
            lambda: [r for r in fake_slack.responses if r["tag"] == "sock"]
        )
        assert "/coffee join" in reply[0]["text"] and reply[0]["response_type"] == "ephemeral"
        assert fake_slack.called("apps.connections.open")[0].token == "xapp-test"
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
