"""The Slack app: the runtime (core + platform port + bolt app) and its listeners' wiring.

    request ─▶ guard (server.py) ─▶ bolt ─▶ actor middleware (context.py) ─▶ one listener
               400 if malformed            app.error + `guarded` (failures.py) around it

Listeners live by concern: commands.py, interactivity.py (buttons, forms), home.py, events.py.
Every listener acknowledges first and works after, so Slack always gets its answer within
three seconds; replies to a person are ephemeral (the slash command's or button's
response_url), messages to groups go through the core's outbox and `SlackPlatform`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.commands import add_commands
from adapters.slack.context import use_actor_middleware
from adapters.slack.events import add_direct_messages, add_membership_events, add_uninstall_events
from adapters.slack.failures import handle_errors
from adapters.slack.home import add_home
from adapters.slack.interactivity import add_interactivity
from adapters.slack.oauth import BOT_SCOPES, InstallationStore, state_store
from adapters.slack.platform import SlackPlatform, make_client
from adapters.slack.slash import SlashCommands
from bot.app import WarmIntro
from bot.bootstrap import build_app
from bot.clock import Clock, SystemClock
from bot.config import Settings
from storage.engine import Database

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
TOKEN_CACHE_SECONDS = 60


class SlackRuntime:
    """The core, the Slack platform port and the bolt app, wired for one process."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        socket_mode: bool = False,
    ) -> None:
        self.settings = settings
        self.oauth = bool(settings.slack_client_id and settings.slack_client_secret)
        base_url = settings.slack_api_url
        self.installations: InstallationStore | None = None
        self._tokens: dict[str, tuple[float, str | None]] = {}
        if self.oauth:
            assert settings.slack_client_id and settings.slack_client_secret
            store_engine = db.side_engine()
            self.installations = InstallationStore(
                settings.slack_client_id, store_engine, settings.encryption_key
            )
            self.platform = SlackPlatform(self._installed_token, base_url)
            oauth_settings = AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret,
                scopes=BOT_SCOPES,
                installation_store=self.installations,
                state_store=state_store(store_engine),
                install_path=INSTALL_PATH,
                redirect_uri_path=REDIRECT_PATH,
            )
            self.bolt = AsyncApp(
                signing_secret=settings.slack_signing_secret,
                client=make_client(None, base_url, shared=self.platform.shared),
                installation_store=self.installations,
                oauth_flow=AsyncOAuthFlow(
                    client=AsyncWebClient(base_url=self.platform.base_url), settings=oauth_settings
                ),
                request_verification_enabled=not socket_mode or bool(settings.slack_signing_secret),
            )
        else:
            token = settings.slack_bot_token

            async def single(_team: str) -> str | None:
                return token

            self.platform = SlackPlatform(single, base_url)
            self.bolt = AsyncApp(
                client=make_client(token, base_url, shared=self.platform.shared),
                signing_secret=settings.slack_signing_secret,
                request_verification_enabled=not socket_mode or bool(settings.slack_signing_secret),
            )
        self.warm: WarmIntro = build_app(db, self.platform, clock or SystemClock(), settings, rng)
        register(self.bolt, self.warm, self.platform, self.installations, self.forget_tokens)
        # Slash commands over HTTP skip bolt (Socket Mode's go through its listener).
        self.slash = SlashCommands(self.warm, self.platform, check_installed=self.oauth)

    async def close(self) -> None:
        """Release what the runtime opened beyond the app's own database engine."""
        await self.warm.close()  # background deliveries finish first (or are cancelled)
        await self.platform.shared.close()
        if (
            self.installations is not None
            and self.installations.engine is not self.warm.core.db.engine
        ):
            await self.installations.engine.dispose()

    async def _installed_token(self, team_id: str) -> str | None:
        """The workspace's bot token, cached a minute (every Web API call needs it)."""
        assert self.installations is not None
        cached = self._tokens.get(team_id)
        if cached and time.monotonic() - cached[0] < TOKEN_CACHE_SECONDS:
            return cached[1]
        bot = await self.installations.async_find_bot(enterprise_id=None, team_id=team_id)
        token = bot.bot_token if bot else None
        self._tokens[team_id] = (time.monotonic(), token)
        return token

    def forget_tokens(self, team_id: str) -> None:
        self._tokens.pop(team_id, None)


def register(
    app: AsyncApp,
    warm: WarmIntro,
    platform: SlackPlatform,
    installations: InstallationStore | None = None,
    forget_tokens: Callable[[str], None] = lambda _team: None,
) -> None:
    """Every listener of the WarmIntro Slack app, with the middleware and error handler."""
    handle_errors(app)
    use_actor_middleware(app, platform)
    add_commands(app, warm)
    add_interactivity(app, warm)
    add_home(app, warm)
    add_membership_events(app, warm, platform)
    add_direct_messages(app, warm)
    add_uninstall_events(app, warm, installations, forget_tokens)
