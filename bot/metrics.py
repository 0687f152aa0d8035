"""What operators watch: the process's metrics, in one registry `GET /metrics` exposes.

Every figure is a `prometheus_client` object in `REGISTRY` (not the library's global one, so
only WarmIntro's own figures are exposed). Callers record with the small helpers below; the
outbox backlog is a gauge the exposing server refreshes from the database at each scrape.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

logger = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST

# Seconds: a command answers in milliseconds, an ack must be under Slack's 3 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)
MATCHING_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

COMMAND_SECONDS = Histogram(
    "warmintro_command_seconds",
    "Time to answer a command, from the core's entry point to its reply.",
    ["command"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
ACK_SECONDS = Histogram(
    "warmintro_ack_seconds",
    "Time from a Slack request's arrival to its HTTP answer (the ack).",
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "warmintro_deliveries",
    "Delivery results by kind and status (sent, retry, failed, unavailable, cancelled).",
    ["kind", "status"],
    registry=REGISTRY,
)
IN_DOUBT = Counter(
    "warmintro_deliveries_in_doubt",
    "Deliveries whose post may or may not have arrived (lost answer or a dead worker's claim).",
    registry=REGISTRY,
)
DUPLICATE_RISK = Counter(
    "warmintro_deliveries_duplicate_risk",
    "In-doubt deliveries sent again without being able to look: they may arrive twice.",
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "warmintro_platform_rate_limited",
    "429 answers from a platform, by API method (Slack) or route (Discord).",
    ["platform", "method"],
    registry=REGISTRY,
)
ROUNDS_STARTED = Counter(
    "warmintro_rounds_started",
    "Rounds saved and started (scheduled or by match-now).",
    registry=REGISTRY,
)
MATCHING_SECONDS = Histogram(
    "warmintro_matching_seconds",
    "Time the matching engine took for one round or preview.",
    buckets=MATCHING_BUCKETS,
    registry=REGISTRY,
)
OUTBOX_BACKLOG = Gauge(
    "warmintro_outbox_backlog",
    "Deliveries waiting: pending and due now, or being sent (at the last scrape).",
    ["platform"],
    registry=REGISTRY,
)


@contextmanager
def timed(histogram: Histogram, **labels: str) -> Iterator[None]:
    """Observe the block's duration (seconds, monotonic clock) in `histogram`."""
    started = time.perf_counter()
    try:
        yield
    finally:
        child = histogram.labels(**labels) if labels else histogram
        child.observe(time.perf_counter() - started)


def delivery(kind: str, status: str) -> None:
    DELIVERIES.labels(kind=str(kind), status=status).inc()


_ID = re.compile(r"/\d+")


def rate_limited(platform: str, method: str) -> None:
    """One 429; Discord routes have their ids replaced so labels stay few."""
    RATE_LIMITED.labels(platform=platform, method=_ID.sub("/{id}", method)[:100]).inc()


def exposition() -> bytes:
    return generate_latest(REGISTRY)


def command_name(command: object) -> str:
    """The label for a command: its class name in lower case (`join`, `status`, …)."""
    return type(command).__name__.lower()
