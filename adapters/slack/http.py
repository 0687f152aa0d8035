"""One aiohttp session for every Slack call the process makes (Web API and response_url).

slack_sdk's clients without a session open a new `ClientSession`, and so a new TCP (and TLS)
connection, for every call; under load that was a large share of the app's CPU. The session is
created on first use (it must be made inside the running event loop) and closed with the
runtime.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

logger = logging.getLogger(__name__)

CONNECTIONS = 100  # at most this many open connections (keep-alive reuses them)
TIMEOUT = 30  # seconds per request, as slack_sdk's own default (Web API calls set theirs)


class SharedSession:
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def get(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONNECTIONS))
        return self._session

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()


class SessionClient(AsyncWebClient):
    """An `AsyncWebClient` whose calls go through the process's shared session."""

    def __init__(self, *, shared: SharedSession | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shared = shared

    async def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        if self.shared is not None:
            self.session = self.shared.get()
        return await super().api_call(api_method, **kwargs)

    async def _request(self, *, http_verb: str, api_url: str, req_args: dict) -> Any:  # type: ignore[override]
        # A session slack_sdk did not make doesn't get its `timeout`: give it per request.
        if self.session is not None:
            req_args = {**req_args, "timeout": aiohttp.ClientTimeout(total=self.timeout)}
        return await super()._request(http_verb=http_verb, api_url=api_url, req_args=req_args)


async def post_response(url: str, body: dict[str, Any], session: aiohttp.ClientSession) -> Any:
    """POST a reply to a response_url (what bolt's `respond` does, on the shared session)."""
    return await AsyncWebhookClient(url, session=session).send_dict(body)
