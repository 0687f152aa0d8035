"""`GET /metrics` on the running Slack app: the counters say what happened."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from tests.slack.conftest import SlackWorld

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(sw: SlackWorld) -> Samples:
    url = sw.url.replace("/slack/events", "/metrics")
    async with ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_metrics_count_commands_acks_rounds_deliveries_and_429s(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    await sw.fake.wait_for(lambda: not sw.warm.core.db.worker.in_flight)
    before = await scrape(sw)
    sw.fake.storm("conversations.open", every=1, count=2)  # the first two opens get a 429
    for text in ("status", "status", "help"):
        await sw.slack.reply(await sw.slack.command("/coffee", text, "U0002"))
    reply = await sw.slack.reply(await sw.slack.command("/coffee", "match-now", "U0001"))
    assert reply["text"] == "Round 1 started: 2 groups; intros are on their way."
    intros = lambda: [p for p in sw.fake.posts if p["channel"].startswith("G")]  # noqa: E731
    await sw.fake.wait_for(lambda: len(intros()) == 2)
    await sw.fake.wait_for(lambda: not sw.warm.core.db.worker.in_flight)
    after = await scrape(sw)

    assert grew(before, after, "warmintro_command_seconds_count", command="status") == 2
    assert grew(before, after, "warmintro_command_seconds_count", command="help") == 1
    assert grew(before, after, "warmintro_command_seconds_count", command="matchnow") == 1
    assert grew(before, after, "warmintro_ack_seconds_count") == 4
    assert grew(before, after, "warmintro_rounds_started_total") == 1
    assert grew(before, after, "warmintro_matching_seconds_count") == 1
    assert grew(before, after, "warmintro_deliveries_total", kind="intro", status="sent") == 2
    assert grew(before, after, "warmintro_deliveries_total", kind="intro", status="failed") == 0
    assert (
        grew(
            before,
            after,
            "warmintro_platform_rate_limited_total",
            platform="slack",
            method="conversations.open",
        )
        == 2
    )
    assert grew(before, after, "warmintro_deliveries_in_doubt_total") == 0
    assert grew(before, after, "warmintro_deliveries_duplicate_risk_total") == 0
    # the round's check-ins wait for later: not due, so not in the backlog
    assert after[("warmintro_outbox_backlog", (("platform", "slack"),))] == 0
    sw.clock.advance(timedelta(days=30))
    later = await scrape(sw)
    assert later[("warmintro_outbox_backlog", (("platform", "slack"),))] == 4
