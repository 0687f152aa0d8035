"""Multi-workspace install: slack_sdk's SQLAlchemy stores in our database, tokens encrypted."""

from __future__ import annotations

import base64
import copy
import hashlib
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)

# Least privilege: what the features need and no more (no history scopes).
BOT_SCOPES = [
    "commands",  # /coffee and /thanks
    "chat:write",  # intros, check-ins, thanks posts
    "im:write",  # open a DM for the interview and nudges
    "mpim:write",  # open the group DM of each group
    "users:read",  # names, time zones, admin flags, deactivated accounts
    "users:read.email",  # `warmintro import-profiles`: rows that name people by email
    "channels:read",  # members of a public program channel and its join/leave events
    "groups:read",  # the same for private channels
    "files:write",  # the calendar file (.ics) of a settled meeting time, in the group's thread
]
PREFIX = "enc:"
TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")


class TokenCipher:
    """Fernet encryption of tokens at rest. The key is a Fernet key or any secret string."""

    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, TypeError):
            derived = base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest())
            self._fernet = Fernet(derived)

    def encrypt(self, value: str | None) -> str | None:
        if not value or value.startswith(PREFIX):
            return value
        return PREFIX + self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str | None) -> str | None:
        if not value or not value.startswith(PREFIX):
            return value
        try:
            return self._fernet.decrypt(value[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            logger.error("a stored Slack token can't be decrypted: wrong WARMINTRO_ENCRYPTION_KEY?")
            return None


class InstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's store on our engine, encrypting tokens when a key is configured."""

    def __init__(self, client_id: str, engine: AsyncEngine, key: str | None) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self.cipher = TokenCipher(key) if key else None

    def _map(self, obj: Any, how: str) -> Any:
        if obj is None or self.cipher is None:
            return obj
        out = copy.copy(obj)
        fn = self.cipher.encrypt if how == "encrypt" else self.cipher.decrypt
        for name in TOKEN_FIELDS:
            if hasattr(out, name):
                setattr(out, name, fn(getattr(out, name)))
        return out

    async def async_save(self, installation: Installation) -> None:
        await super().async_save(self._map(installation, "encrypt"))

    async def async_save_bot(self, bot: Bot) -> None:
        await super().async_save_bot(self._map(bot, "encrypt"))

    async def async_find_bot(self, **kwargs: Any) -> Bot | None:  # type: ignore[override]
        return self._map(await super().async_find_bot(**kwargs), "decrypt")

    async def async_find_installation(self, **kwargs: Any) -> Installation | None:  # type: ignore[override]
        return self._map(await super().async_find_installation(**kwargs), "decrypt")


def state_store(engine: AsyncEngine) -> AsyncSQLAlchemyOAuthStateStore:
    return AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
