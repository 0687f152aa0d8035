"""Signing in to the web dashboard: one-time links from a slash command, then a session.

    /coffee dashboard ─▶ SignIn.issue(actor, ADMIN) ─▶ https://…/signin?token=…  (10 minutes)
    GET /signin       ─▶ SignIn.redeem(token)       ─▶ an Identity (the link is used up)
                      ─▶ SignIn.session_cookie(identity) (8 hours) ─▶ every later request:
                         SignIn.session(cookie) ─▶ the Identity, or why not

A link is signed (HMAC-SHA256 over its payload: link id, platform, workspace, person, role,
expiry) and single use: its id is a row of `sign_in_links`, marked used by a conditional
UPDATE when it is redeemed. The session is a signed cookie carrying the same identity and its
own expiry; its CSRF token is an HMAC of the session's random id. The key is
`WARMINTRO_SECRET_KEY`, or one generated once and kept in the database (`web_secrets`), so
links and sessions survive a restart. Every secret is derived per purpose from that key.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core import Actor, Core

logger = logging.getLogger(__name__)

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=8)
SECRET_NAME = "signing-key"
SIGNIN_PATH = "/signin"
MAX_TOKEN = 2000  # a longer token or cookie is refused unread


class Role(enum.StrEnum):
    ADMIN = "admin"  # the organiser's dashboard (and their own page)
    MEMBER = "member"  # only their own page


class Refusal(enum.StrEnum):
    """Why a link or a session was not accepted (the page says it in words)."""

    BAD_LINK = "bad-link"  # malformed or tampered
    EXPIRED_LINK = "expired-link"
    USED_LINK = "used-link"
    BAD_SESSION = "bad-session"  # a tampered or malformed cookie
    EXPIRED_SESSION = "expired-session"
    NO_SESSION = "no-session"


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is signed in: a person of one workspace on one platform, in a role.

    `workspace_admin` is what the platform said when the link was asked for (workspace admin,
    Manage Server…); with `user_id` it decides which programs they run (`Core.is_admin`).
    """

    platform: str
    workspace_id: str
    user_id: str
    role: Role
    workspace_admin: bool = False
    session_id: str = ""

    def actor(self, channel_id: str | None = None) -> Actor:
        return Actor(self.workspace_id, self.user_id, channel_id, self.workspace_admin)


def _b32(data: bytes) -> str:
    # base32, lower case, no padding: nothing in it means anything to chat markup or URLs.
    return base64.b32encode(data).decode().rstrip("=").lower()


def _unb32(text: str) -> bytes:
    upper = text.upper()
    return base64.b32decode(upper + "=" * (-len(upper) % 8))


def sign(key: bytes, purpose: str, payload: dict[str, Any]) -> str:
    body = _b32(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_mac(key, purpose, body)}"


def unsign(key: bytes, purpose: str, token: str) -> dict[str, Any] | None:
    """The payload of a token signed for `purpose` with `key`; None when it was not."""
    if not token or len(token) > MAX_TOKEN or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    if not hmac.compare_digest(mac, _mac(key, purpose, body)):
        return None
    try:
        payload = json.loads(_unb32(body))
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def _mac(key: bytes, purpose: str, body: str) -> str:
    derived = hmac.new(key, purpose.encode(), hashlib.sha256).digest()
    return hmac.new(derived, body.encode(), hashlib.sha256).hexdigest()


class SignIn:
    """Links, sessions and CSRF tokens for one core (one platform)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._key: bytes | None = None

    async def key(self) -> bytes:
        if self._key is None:
            configured = self.core.settings.secret_key
            if configured:
                self._key = configured.encode()
            else:
                async with self.core.uow() as uow:
                    value = await uow.signin.secret(
                        SECRET_NAME, secrets.token_hex(32), self.core.now()
                    )
                self._key = value.encode()
        return self._key

    async def issue(self, actor: Actor, role: Role) -> str:
        """A one-time sign-in link for `actor` (valid `LINK_TTL`)."""
        now = self.core.now()
        link_id = secrets.token_hex(16)
        expires = now + LINK_TTL
        async with self.core.uow() as uow:
            ws = await self.core.workspace(uow, actor.workspace_id)
            await uow.signin.purge(now - LINK_TTL)
            await uow.signin.issue(link_id, ws.id, role.value, now, expires)
        payload = {
            "id": link_id,
            "p": self.core.platform.name,
            "w": actor.workspace_id,
            "u": actor.user_id,
            "r": role.value,
            "a": actor.is_admin,
            "e": int(expires.timestamp()),
        }
        token = sign(await self.key(), "link", payload)
        return f"{self.core.settings.web_address()}{SIGNIN_PATH}?token={token}"

    async def redeem(self, token: str) -> Identity | Refusal:
        """The identity a link signs in, once; or why not."""
        payload = unsign(await self.key(), "link", token)
        identity = _identity(payload, self.core.platform.name)
        if payload is None or identity is None or not isinstance(payload.get("id"), str):
            return Refusal.BAD_LINK
        now = self.core.now()
        if not isinstance(payload.get("e"), int) or payload["e"] <= now.timestamp():
            return Refusal.EXPIRED_LINK
        async with self.core.uow() as uow:
            ws = await uow.workspaces.find(identity.platform, identity.workspace_id)
            if ws is None:
                return Refusal.BAD_LINK
            if not await uow.signin.redeem(payload["id"], ws.id, now):
                return Refusal.USED_LINK
        logger.info("dashboard sign-in: %s in %s as %s", identity.user_id, ws.id, identity.role)
        return Identity(**{**asdict(identity), "session_id": secrets.token_hex(16)})

    async def session_cookie(self, identity: Identity) -> str:
        expires = self.core.now() + SESSION_TTL
        payload = {
            "s": identity.session_id,
            "p": identity.platform,
            "w": identity.workspace_id,
            "u": identity.user_id,
            "r": identity.role.value,
            "a": identity.workspace_admin,
            "e": int(expires.timestamp()),
        }
        return sign(await self.key(), "session", payload)

    async def session(self, cookie: str | None) -> Identity | Refusal:
        if not cookie:
            return Refusal.NO_SESSION
        payload = unsign(await self.key(), "session", cookie)
        identity = _identity(payload, self.core.platform.name)
        if payload is None or identity is None or not isinstance(payload.get("s"), str):
            return Refusal.BAD_SESSION
        if not isinstance(payload.get("e"), int) or payload["e"] <= self.core.now().timestamp():
            return Refusal.EXPIRED_SESSION
        return Identity(**{**asdict(identity), "session_id": payload["s"]})

    async def csrf_token(self, identity: Identity) -> str:
        return _mac(await self.key(), "csrf", identity.session_id)

    async def csrf_ok(self, identity: Identity, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), await self.csrf_token(identity))


def _identity(payload: dict[str, Any] | None, platform: str) -> Identity | None:
    if payload is None:
        return None
    fields = (payload.get("p"), payload.get("w"), payload.get("u"))
    if not all(isinstance(f, str) and f for f in fields) or payload.get("p") != platform:
        return None
    if payload.get("r") not in {r.value for r in Role}:
        return None
    return Identity(
        platform=payload["p"],
        workspace_id=payload["w"],
        user_id=payload["u"],
        role=Role(payload["r"]),
        workspace_admin=payload.get("a") is True,
    )


def link_expires(now: datetime) -> datetime:
    return now + LINK_TTL
