"""`GET /metrics` (Prometheus' text format) for any adapter's web server, or on its own port.

The Slack app adds the route to its HTTP server; console and Discord processes start a small
server when `WARMINTRO_METRICS_PORT` is set. Each scrape refreshes the outbox backlog gauge
from the database first.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot import metrics
from bot.config import Settings
from bot.core import Core

logger = logging.getLogger(__name__)

METRICS_PATH = "/metrics"


async def refresh_backlog(core: Core) -> None:
    """Set the backlog gauge from the deliveries table (a failing database keeps the last)."""
    try:
        async with core.uow() as uow:
            counts = await uow.deliveries.backlog(core.now())
    except Exception as exc:
        logger.warning("metrics: the outbox backlog could not be read: %s", exc)
        return
    for platform in {core.platform.name, *counts}:
        metrics.OUTBOX_BACKLOG.labels(platform=platform).set(counts.get(platform, 0))


def add_metrics_route(app: web.Application, core: Core) -> None:
    async def scrape(_request: web.Request) -> web.Response:
        await refresh_backlog(core)
        response = web.Response(body=metrics.exposition())
        response.headers["Content-Type"] = metrics.CONTENT_TYPE
        return response

    app.router.add_get(METRICS_PATH, scrape)


async def serve_metrics(core: Core, host: str, port: int) -> web.AppRunner:
    """A server with only `/metrics`; returns its runner (call `cleanup()` to stop)."""
    app = web.Application()
    add_metrics_route(app, core)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    logger.info("metrics on http://%s:%s%s", host, port, METRICS_PATH)
    return runner


async def metrics_server(settings: Settings, core: Core) -> web.AppRunner | None:
    """The metrics server when `WARMINTRO_METRICS_PORT` is set (console and Discord)."""
    if settings.metrics_port is None:
        return None
    return await serve_metrics(core, settings.metrics_host, settings.metrics_port)
