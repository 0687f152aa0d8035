"""Proactive rate limiting for Slack's Web API: wait for a token instead of provoking a 429.

One `RateLimiter` per process (the Slack platform owns it) holds a token bucket per workspace
and method, and per channel for `chat.postMessage`; every call of the platform's clients takes
a token first. Waiters queue in order (an `asyncio.Lock` is fair), so a burst drains at the
tier's pace instead of everyone waking for the same token. A 429 pauses its bucket for
Retry-After: every waiter on that method in that workspace waits it out, not just the caller.

Slack's tiers (per workspace, per method): Tier 1 1/min, Tier 2 20/min, Tier 3 50/min,
Tier 4 100/min, each allowing a burst; `chat.postMessage` is about one per second per channel.
The buckets run 2% under those rates with one call less of burst (`MARGIN`, `BURST_MARGIN`).

Replicas: the budget is per process, and only one process delivers. Every delivery (intros,
interview DMs, thanks posts, check-ins: the bulk of the calls) is sent by the elected
scheduler (one per platform, PostgreSQL advisory lock): `serve` sets `Core.delivers` to that
leadership, and on a replica that doesn't lead the outbox leaves the rows (committed, due)
for the leader's next tick (`tests/core/test_replica_delivery.py`). Slash-command replies go
in the HTTP answer or to the response_url (neither is rate limited by tier); the listeners'
own calls (views.open, views.publish, users.info for a newcomer or an admin check) stay per
process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limit:
    per_second: float
    burst: float


# We pace a little under Slack's published rates: our token is taken a few milliseconds (under
# load, more) before Slack counts the call, and calls can overtake each other on the way, so a
# limiter running exactly at the tier's edge provokes the odd 429 at the end of a burst.
MARGIN = 0.98  # of the rate
BURST_MARGIN = 1  # calls fewer than the burst


def per_minute(calls: float, burst: float | None = None) -> Limit:
    allowed = burst if burst is not None else calls
    return Limit(calls / 60.0 * MARGIN, max(1.0, allowed - BURST_MARGIN))


TIER_1, TIER_2, TIER_3, TIER_4 = per_minute(1), per_minute(20), per_minute(50), per_minute(100)
# about one message per second per channel, short bursts
POST_PER_CHANNEL = Limit(1.0 * MARGIN, 3.0 - BURST_MARGIN)
POST_METHOD = "chat.postMessage"

# The methods the app calls, by Slack's published tier.
TIERS: dict[str, Limit] = {
    "conversations.open": TIER_3,
    "conversations.history": TIER_3,
    "chat.update": TIER_3,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
    "conversations.members": TIER_4,
    "users.info": TIER_4,
    "auth.test": TIER_4,
    "views.open": TIER_4,
    "views.update": TIER_4,
    "views.publish": TIER_4,
    POST_METHOD: POST_PER_CHANNEL,
}
DEFAULT_LIMIT = TIER_3
MAX_BUCKETS = 10_000  # per-channel buckets beyond this: the least recently used go


class Bucket:
    """A token bucket that can be paused (Retry-After). Waiters are served in arrival order."""

    def __init__(
        self,
        limit: Limit,
        monotonic: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.limit = limit
        self.tokens = limit.burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._updated = monotonic()
        self.paused_until = 0.0
        self._queue = asyncio.Lock()

    async def take(self) -> float:
        """Wait for a token; returns how long the caller waited (seconds)."""
        started = self._monotonic()
        async with self._queue:
            while True:
                now = self._monotonic()
                if now < self.paused_until:
                    await self._sleep(self.paused_until - now)
                    continue
                self._refill(now)
                if self.tokens >= 1.0:
                    self.tokens -= 1.0
                    return self._monotonic() - started
                await self._sleep((1.0 - self.tokens) / self.limit.per_second)

    def pause(self, seconds: float) -> None:
        """Slack said wait (a 429): nobody takes a token for `seconds`, then the pace resumes
        from an empty bucket (no burst right after a 429)."""
        now = self._monotonic()
        self.paused_until = max(self.paused_until, now + seconds)
        self.tokens = 0.0
        self._updated = max(self._updated, self.paused_until)

    def _refill(self, now: float) -> None:
        if now > self._updated:
            grown = (now - self._updated) * self.limit.per_second
            self.tokens = min(self.limit.burst, self.tokens + grown)
            self._updated = now


class RateLimiter:
    """Every bucket of the process: (workspace, method) or (workspace, method, channel)."""

    def __init__(
        self,
        limits: dict[str, Limit] | None = None,
        default: Limit = DEFAULT_LIMIT,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = {**TIERS, **(limits or {})}
        self.default = default
        self._monotonic = monotonic
        self._sleep = sleep
        self._buckets: OrderedDict[tuple[str, ...], Bucket] = OrderedDict()

    def bucket(self, workspace: str, method: str, channel: str | None = None) -> Bucket:
        key = (workspace, method, channel or "") if method == POST_METHOD else (workspace, method)
        found = self._buckets.get(key)
        if found is None:
            limit = self.limits.get(method, self.default)
            found = self._buckets[key] = Bucket(limit, self._monotonic, self._sleep)
            while len(self._buckets) > MAX_BUCKETS:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        return found

    async def acquire(self, workspace: str, method: str, channel: str | None = None) -> None:
        waited = await self.bucket(workspace, method, channel).take()
        if waited > 1.0:
            logger.debug("%s in %s waited %.1fs for a token", method, workspace, waited)

    def pause(
        self, workspace: str, method: str, seconds: float, channel: str | None = None
    ) -> None:
        logger.info("%s in %s: Slack asked to wait %.1fs", method, workspace, seconds)
        self.bucket(workspace, method, channel).pause(seconds)
