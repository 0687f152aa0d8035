"""Proactive rate limiting: calls wait for a token instead of provoking 429s (small limits)."""

from __future__ import annotations

import asyncio

import pytest

from adapters.slack.platform import SlackPlatform, make_client
from adapters.slack.ratelimit import MARGIN, Bucket, Limit, RateLimiter
from bot.messages import text_message
from bot.ports import DirectTarget
from tests.slack.fake_slack import FakeSlack

OPEN = "conversations.open"


def _people(fake: FakeSlack, count: int) -> list[str]:
    users = [f"UR{i:04d}" for i in range(count)]
    for user in users:
        fake.add_user(user)
    return users


async def _token(_team: str) -> str:
    return "xoxb-test"


async def test_a_storm_of_200_opens_stays_under_the_limit_and_all_succeed(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.limits[OPEN] = (100.0, 10.0)  # the fake's tier: 100/s, a burst of 10
    # ours: well under it, with a smaller burst, so that calls a loaded machine holds up and
    # releases together still fit Slack's burst
    limiter = RateLimiter({OPEN: Limit(40.0, 4.0)})
    platform = SlackPlatform(_token, fake_slack.api_url, limiter)
    client = await platform.client("T0001")
    users = _people(fake_slack, 200)
    answers = await asyncio.gather(*(client.conversations_open(users=u) for u in users))
    await platform.shared.close()
    assert [a["channel"]["id"] for a in answers] == ["D" + u for u in users]
    assert fake_slack.rate_limited.get(OPEN, 0) <= 2  # < 1% of the calls


async def test_deliveries_through_the_platform_wait_for_tokens(fake_slack: FakeSlack) -> None:
    # Slack allows more than the limiter spends (100/s, bursts of 10), and the limiter's own
    # burst (3) caps how many calls a stalled event loop can release at once: on a loaded
    # machine requests bunch up in transit, and the margin keeps them within Slack's burst.
    fake_slack.limits[OPEN] = (100.0, 10.0)
    fake_slack.limits["chat.postMessage"] = (100.0, 10.0)
    limiter = RateLimiter({OPEN: Limit(25.0, 3.0), "chat.postMessage": Limit(5.0, 1.0)})
    platform = SlackPlatform(_token, fake_slack.api_url, limiter)
    users = _people(fake_slack, 60)
    refs = await asyncio.gather(
        *(
            platform.send("T0001", DirectTarget(u), text_message("hello"), key=f"k{u}")
            for u in users
        )
    )
    await platform.shared.close()
    assert sorted(r.conversation_id for r in refs) == sorted("D" + u for u in users)
    assert sum(fake_slack.rate_limited.values()) <= 1


async def test_without_the_limiter_the_same_burst_meets_429s(fake_slack: FakeSlack) -> None:
    fake_slack.limits[OPEN] = (100.0, 5.0)
    client = make_client("xoxb-test", fake_slack.api_url)  # no limiter: 429s, then Retry-After
    users = _people(fake_slack, 30)
    answers = await asyncio.gather(*(client.conversations_open(users=u) for u in users))
    assert all(a["ok"] for a in answers)
    assert fake_slack.rate_limited[OPEN] >= 20


async def test_a_429_pauses_the_bucket_for_every_waiter_then_the_pace_resumes() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter({OPEN: Limit(2.0, 2.0)}, monotonic=lambda: now[0], sleep=sleep)
    await limiter.acquire("T1", OPEN)
    await limiter.acquire("T1", OPEN)  # the burst
    limiter.pause("T1", OPEN, 5.0)  # Slack: Retry-After 5
    order: list[int] = []

    async def caller(n: int) -> None:
        await limiter.acquire("T1", OPEN)
        order.append(n)

    await asyncio.gather(*(caller(n) for n in range(3)))
    assert order == [0, 1, 2]  # in arrival order
    assert now[0] == 6.5  # nobody before 5 s; then one every 0.5 s from an empty bucket
    await limiter.acquire("T2", OPEN)  # another workspace has its own budget
    assert now[0] == 6.5


async def test_posts_are_paced_per_channel() -> None:
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    limiter = RateLimiter(monotonic=lambda: now[0], sleep=sleep)
    for _ in range(2):  # a short burst on one channel (Slack's 3, less our margin of 1)
        await limiter.acquire("T1", "chat.postMessage", "C1")
    await limiter.acquire("T1", "chat.postMessage", "C2")
    assert now[0] == 0.0
    await limiter.acquire("T1", "chat.postMessage", "C1")
    assert now[0] == pytest.approx(1 / MARGIN)  # the same channel again: just over a second
    bucket = limiter.bucket("T1", "users.info")
    assert isinstance(bucket, Bucket) and bucket.limit.per_second == pytest.approx(
        100 / 60 * MARGIN
    )
    assert bucket.limit.burst == 100 - 1  # Tier 4's burst, less the margin
