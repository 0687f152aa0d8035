"""Serving the Slack app: HTTP mode (aiohttp) or Socket Mode."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.metrics_http import add_metrics_route
from adapters.slack import guard
from adapters.slack.app import EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH, SlackRuntime
from adapters.slack.slash import is_slash_command
from adapters.web.site import Dashboard, add_dashboard_routes
from bot import metrics

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack payloads are small; refuse anything huge

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def web_app(runtime: SlackRuntime, dashboard: Dashboard | None = None) -> web.Application:
    """One endpoint for events, commands and interactivity; OAuth pages; a health check; and
    the web dashboard when it shares this port (`dashboard`)."""
    app = web.Application(client_max_size=MAX_BODY)
    if dashboard is not None:
        add_dashboard_routes(app, dashboard)
    app.router.add_post(EVENTS_PATH, _dispatcher(runtime))
    app.router.add_get("/healthz", _health_check(runtime))
    add_metrics_route(app, runtime.warm.core)
    flow = runtime.bolt.oauth_flow
    if runtime.oauth and flow is not None:

        async def install(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await flow.handle_installation(await to_bolt_request(request))
            )

        async def redirect(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await flow.handle_callback(await to_bolt_request(request))
            )

        app.router.add_get(INSTALL_PATH, install)
        app.router.add_get(REDIRECT_PATH, redirect)
    return app


def _dispatcher(runtime: SlackRuntime) -> Handler:
    secret = runtime.settings.slack_signing_secret

    async def dispatch(request: web.Request) -> web.Response:
        """The guard, then bolt; the time to the answer (the ack) is a metric."""
        with metrics.timed(metrics.ACK_SECONDS):
            return await guarded(request)

    async def guarded(request: web.Request) -> web.Response:
        """The guard (`guard`), then a slash command's own path (`slash.py`) or bolt.
        Malformed requests are 400, never 500."""
        raw = await request.read()  # over MAX_BODY: aiohttp answers 413
        if secret:
            refused = guard.check_signature(secret, request.headers, raw)
            if refused is not None:
                return _refuse(refused.status, refused.reason)
        try:
            text = raw.decode("utf-8")
            body = guard.parse_body(text, _content_type(request))
            guard.check_shape(body)
        except UnicodeDecodeError:
            return _refuse(400, "body is not UTF-8")
        except guard.Malformed as exc:
            return _refuse(400, str(exc))
        if secret and is_slash_command(body):  # signed and well-formed: no need for bolt
            return await runtime.slash.handle(body)
        try:
            bolt_request = AsyncBoltRequest(
                body=text,
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
            bolt_response = await runtime.bolt.async_dispatch(bolt_request)
        except Exception:
            logger.exception("Slack request could not be handled")
            return _refuse(400, "malformed request")
        if bolt_response.status >= 500:  # bolt's own fallback for an error before the ack
            return _refuse(400, "malformed request")
        return await to_aiohttp_response(bolt_response)

    return dispatch


def _health_check(runtime: SlackRuntime) -> Handler:
    async def healthz(_request: web.Request) -> web.Response:
        try:
            async with runtime.warm.core.db.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
        except Exception as exc:  # the database is down: say so, don't crash
            logger.warning("health check: database unavailable: %s", exc)
            return web.json_response({"ok": False, "database": "unavailable"}, status=503)
        return web.json_response({"ok": True})

    return healthz


def _content_type(request: web.Request) -> str | None:
    """The media type as bolt reads it (`extract_content_type`): before any `;`, as sent."""
    value = request.headers.get("Content-Type")
    return value.split(";")[0] if value else None


def _refuse(status: int, reason: str) -> web.Response:
    logger.info("Slack request refused (%s): %s", status, reason)
    return web.Response(status=status, text="" if status == 401 else reason)


async def serve_http(
    runtime: SlackRuntime, host: str, port: int, dashboard: Dashboard | None = None
) -> web.AppRunner:
    """Start listening; returns the runner (call `cleanup()` to stop)."""
    runner = web.AppRunner(web_app(runtime, dashboard), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    logger.info("Slack app listening on http://%s:%s%s", host, port, EVENTS_PATH)
    return runner


async def run_slack(
    runtime: SlackRuntime,
    host: str,
    port: int,
    stop: asyncio.Event,
    dashboard: Dashboard | None = None,
) -> None:
    """Socket Mode when an app token is set, else HTTP; runs until `stop` is set. `dashboard`:
    the web dashboard shares the HTTP port."""
    app_token = runtime.settings.slack_app_token
    if app_token:
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(runtime.bolt, app_token)
        await handler.connect_async()
        logger.info("Slack app connected in Socket Mode")
        try:
            await stop.wait()
        finally:
            await handler.close_async()
            await runtime.close()
        return
    runner = await serve_http(runtime, host, port, dashboard)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await runtime.close()
