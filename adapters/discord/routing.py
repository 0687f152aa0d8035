"""Pointing one client at another Discord: a REST base and a gateway address, per client.

discord.py builds every REST URL from the class attribute `Route.BASE`, shared by the whole
process. Instead of changing that global, this client's `HTTPClient` rewrites the base of each
route it sends, and its `ws_connect` swaps the gateway address (keeping discord.py's query:
version, encoding, compression). Interaction responses and follow-ups go through discord.py's
webhook adapter, which is chosen per asyncio context (`async_context`); `Routes.activate` puts a
rerouting adapter into the current context (the client does so in `setup_hook`, whose context
every event task inherits, and again at the start of each interaction).
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import discord
import yarl
from discord.http import HTTPClient, Route
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = Route.BASE


def _rebase(route: Route, api_base: str | None) -> None:
    if api_base and route.url.startswith(DEFAULT_API_BASE):
        route.url = api_base + route.url[len(DEFAULT_API_BASE) :]


class RoutedHTTPClient(HTTPClient):
    """discord.py's HTTP client with its own REST base and gateway address."""

    def __init__(
        self, *args: Any, api_base: str | None = None, gateway: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.api_base = api_base.rstrip("/") if api_base else None
        self.gateway = yarl.URL(gateway) if gateway else None

    @classmethod
    def replacing(
        cls, old: HTTPClient, api_base: str | None, gateway: str | None
    ) -> RoutedHTTPClient:
        """A drop-in for the client's original `HTTPClient`, with the same options."""
        return cls(
            old.loop,
            None if old.connector is discord.utils.MISSING else old.connector,
            proxy=old.proxy,
            proxy_auth=old.proxy_auth,
            unsync_clock=not old.use_clock,
            http_trace=old.http_trace,
            max_ratelimit_timeout=old.max_ratelimit_timeout,
            api_base=api_base,
            gateway=gateway,
        )

    async def request(self, route: Route, **kwargs: Any) -> Any:
        _rebase(route, self.api_base)
        return await super().request(route, **kwargs)

    async def ws_connect(self, url: str, *, compress: int = 0) -> aiohttp.ClientWebSocketResponse:
        parsed = yarl.URL(url)
        if self.gateway is not None and "encoding" in parsed.query:  # the gateway, not voice
            url = str(self.gateway.with_query(parsed.query))
        return await super().ws_connect(url, compress=compress)


class RoutedWebhookAdapter(AsyncWebhookAdapter):
    """The adapter behind interaction responses and follow-ups, with this client's REST base."""

    def __init__(self, api_base: str) -> None:
        super().__init__()
        self.api_base = api_base

    async def request(self, route: Route, *args: Any, **kwargs: Any) -> Any:
        _rebase(route, self.api_base)
        return await super().request(route, *args, **kwargs)


class Routes:
    """Where this client talks to: Discord itself unless overridden."""

    def __init__(self, api_base: str | None, gateway: str | None) -> None:
        self.api_base = api_base.rstrip("/") if api_base else None
        self.gateway = gateway or None
        self._adapter = RoutedWebhookAdapter(self.api_base) if self.api_base else None

    def activate(self) -> None:
        """Use this client's REST base for interaction responses in the current context."""
        if self._adapter is not None and async_context.get() is not self._adapter:
            async_context.set(self._adapter)
