"""Where the dashboard listens: `WARMINTRO_WEB_HOST:WARMINTRO_WEB_PORT` (127.0.0.1:8080), or
on Slack's HTTP server when both use the same port."""

from __future__ import annotations

import logging

from aiohttp import web

from adapters.web.site import Dashboard, dashboard_app

logger = logging.getLogger(__name__)


async def serve_dashboard(dashboard: Dashboard, host: str, port: int) -> web.AppRunner:
    """Start the dashboard's server; returns its runner (call `cleanup()` to stop)."""
    runner = web.AppRunner(dashboard_app(dashboard), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    logger.info("dashboard on http://%s:%s (links: %s)", host, port,
                dashboard.settings.web_address())  # fmt: skip
    return runner


def announce(dashboard: Dashboard) -> str:
    return (
        f"Dashboard: {dashboard.settings.web_address()} — sign in with the link from "
        "/coffee dashboard (admins) or /coffee me"
    )
