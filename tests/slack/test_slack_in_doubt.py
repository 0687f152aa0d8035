"""Slack faults on a post (connection reset before or after Slack took it, a bare 5xx, an
`internal_error`): the HTTP client never retries it; the outbox resolves it in doubt, by the
post's metadata in the conversation's history when the app may read it."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from storage.models import Delivery
from tests.slack.conftest import SlackWorld
from tests.slack.fake_slack import Fault


def _intro(args: dict[str, object]) -> bool:
    return str(args.get("channel", "")).startswith("G")


def keys_posted(sw: SlackWorld) -> Counter[str]:
    return Counter(
        p["metadata"]["event_payload"]["key"]
        for p in sw.fake.posts
        if p["channel"].startswith("G") and p["metadata"]
    )


async def flagged(sw: SlackWorld) -> int:
    async with sw.warm.core.db.session() as s:
        rows = (await s.execute(select(Delivery).where(Delivery.duplicate_risk))).scalars()
        return len(list(rows))


CASES = {
    "reset_after": Fault("chat.postMessage", mode="reset_after", when=_intro),
    "reset_before": Fault("chat.postMessage", mode="reset_before", when=_intro),
    "bare_502": Fault("chat.postMessage", status=502, mode="bare", when=_intro),
    "internal_error": Fault("chat.postMessage", status=500, error="internal_error", when=_intro),
}


@pytest.mark.parametrize("history", [True, False], ids=["history", "no_history"])
@pytest.mark.parametrize("case", list(CASES))
async def test_a_post_in_doubt_is_resolved(sw: SlackWorld, case: str, history: bool) -> None:
    await sw.add_bot_to()
    sw.fake.grant_history(history)
    fault = CASES[case]
    sw.fake.faults.append(Fault(**{**fault.__dict__}))
    sw.clock.advance(timedelta(days=3))
    await sw.warm.tick()
    intro_calls = [c for c in sw.fake.called("chat.postMessage") if _intro(c.args)]
    assert len(intro_calls) == 2  # one call per group: the lost one was not retried blindly
    async with sw.warm.core.db.session() as s:
        statuses = Counter(
            (await s.execute(select(Delivery.status).where(Delivery.kind == "intro"))).scalars()
        )
    assert statuses == {"sent": 1, "pending": 1}  # the other one waits, in doubt
    sw.clock.advance(timedelta(minutes=1))
    await sw.warm.tick()
    posted = keys_posted(sw)
    assert len(posted) == 2
    duplicates = sum(n - 1 for n in posted.values())
    if history:
        assert duplicates == 0 and await flagged(sw) == 0
        assert sw.fake.called("conversations.history")
    else:
        assert duplicates == (1 if case in {"reset_after"} else 0)
        assert duplicates <= await flagged(sw) == 1
    async with sw.warm.core.db.session() as s:
        rows = (await s.execute(select(Delivery).where(Delivery.kind == "intro"))).scalars()
        assert {(r.status, r.platform_ref is not None) for r in rows} == {("sent", True)}


async def test_slow_answers_do_not_duplicate(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    sw.fake.faults.append(Fault("chat.postMessage", mode="slow", delay=0.3, times=-1))
    sw.fake.latency["conversations.open"] = (0.02, 0.05)
    sw.clock.advance(timedelta(days=3))
    await sw.warm.tick()
    assert sum(keys_posted(sw).values()) == 2


async def test_scopes_come_from_slacks_answer(sw: SlackWorld) -> None:
    sw.fake.grant_history()
    scopes = await sw.runtime.platform.scopes("T0001")
    assert {"mpim:history", "im:history", "chat:write"} <= scopes


async def test_idempotent_calls_are_still_retried_on_a_reset(sw: SlackWorld) -> None:
    """Opening a group DM is idempotent: slack_sdk retries it at once after a reset."""
    await sw.add_bot_to()
    sw.fake.faults.append(
        Fault("conversations.open", mode="reset_after", times=2, when=lambda a: "," in a["users"])
    )
    sw.clock.advance(timedelta(days=3))
    await sw.warm.tick()
    assert sum(keys_posted(sw).values()) == 2  # both intros went out in this tick
    assert len([c for c in sw.fake.called("conversations.open") if "," in c.args["users"]]) == 4
