"""The dashboard's aiohttp application: security headers, sessions, refusals, routes.

    every response   Content-Security-Policy (no inline script, nothing from elsewhere),
                     nosniff, no referrer, no framing, no caching
    GET  /signin     the link's landing page (a button: link previews can't use it up)
    POST /signin     redeems the one-time link, sets the session cookie, then /admin or /me
    every page       the session cookie → an Identity; a form also needs its CSRF token
    refusals         one clear page each (`bot.wording.REFUSALS`), with its HTTP status

One site serves every platform of the process (Slack, Discord, the console): links and
sessions name their platform, and `Dashboard.apps` holds each platform's `WarmIntro`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources

from aiohttp import web

from bot import wording
from bot.app import WarmIntro
from bot.config import Settings
from bot.signin import SESSION_TTL, SIGNIN_PATH, Identity, Refusal, Role, SignIn

logger = logging.getLogger(__name__)

COOKIE = "warmintro_session"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
MAX_FORM = 64 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Dashboard:
    """The platforms this process runs, as the dashboard reaches them."""

    def __init__(self, settings: Settings, warm_up: bool = False) -> None:
        self.settings = settings
        self.apps: dict[str, WarmIntro] = {}
        self.signins: dict[str, SignIn] = {}
        self.warm_up = warm_up  # compute every program's figures once, in the background

    def register(self, app: WarmIntro) -> None:
        name = app.core.platform.name
        self.apps[name] = app
        self.signins[name] = SignIn(app.core)
        if self.warm_up:
            from bot.insights import warm_up

            app.core.background.spawn(warm_up(app.core), f"dashboard-warm-up-{name}")

    @property
    def secure_cookie(self) -> bool:
        return (self.settings.public_url or "").lower().startswith("https://")

    async def redeem(self, token: str) -> tuple[WarmIntro, Identity] | Refusal:
        refusals = []
        for name, signin in self.signins.items():
            found = await signin.redeem(token)
            if isinstance(found, Identity):
                return self.apps[name], found
            refusals.append(found)
        return _most_telling(refusals, Refusal.BAD_LINK)

    async def session(self, cookie: str | None) -> tuple[WarmIntro, Identity] | Refusal:
        refusals = []
        for name, signin in self.signins.items():
            found = await signin.session(cookie)
            if isinstance(found, Identity):
                return self.apps[name], found
            refusals.append(found)
        return _most_telling(refusals, Refusal.NO_SESSION if not cookie else Refusal.BAD_SESSION)


def _most_telling(refusals: list[Refusal], default: Refusal) -> Refusal:
    """Of each platform's answer, the one that says most (an expired or used link beats a
    link that was for another platform)."""
    for reason in (Refusal.USED_LINK, Refusal.EXPIRED_LINK, Refusal.EXPIRED_SESSION):
        if reason in refusals:
            return reason
    return default


@dataclass(frozen=True, slots=True)
class Signed:
    """A request's signed-in person, the platform's app, and their CSRF token."""

    app: WarmIntro
    identity: Identity
    csrf: str

    @property
    def is_admin(self) -> bool:
        return self.identity.role is Role.ADMIN


DASHBOARD_KEY = web.AppKey("dashboard", Dashboard)


def refusal(reason: str, clear_cookie: bool = False) -> web.Response:
    """The clear page for a refusal, with its status."""
    from adapters.web.render import page

    status, title, text = wording.REFUSALS[reason]
    response = web.Response(
        status=status,
        text=page("refusal.html", title=title, text=text, reason=reason, signed=None),
        content_type="text/html",
    )
    if clear_cookie:
        response.del_cookie(COOKIE, path="/")
    return response


async def signed_in(request: web.Request, admin: bool = False) -> Signed | web.Response:
    """The request's session, or the refusal page to answer with."""
    dashboard = request.app[DASHBOARD_KEY]
    found = await dashboard.session(request.cookies.get(COOKIE))
    if isinstance(found, Refusal):
        return refusal(found.value, clear_cookie=found is not Refusal.NO_SESSION)
    app, identity = found
    if admin and identity.role is not Role.ADMIN:
        return refusal("not-admin")
    csrf = await dashboard.signins[identity.platform].csrf_token(identity)
    return Signed(app, identity, csrf)


async def form_of(request: web.Request, signed: Signed) -> dict[str, str] | web.Response:
    """A submitted form's fields, once its CSRF token checks out; else the refusal page."""
    data = await request.post()
    fields = {k: v for k, v in data.items() if isinstance(v, str)}
    dashboard = request.app[DASHBOARD_KEY]
    if not await dashboard.signins[signed.identity.platform].csrf_ok(
        signed.identity, fields.get("csrf")
    ):
        logger.info("dashboard form refused: bad CSRF token (%s)", request.path)
        return refusal("csrf")
    return fields


def set_session(response: web.StreamResponse, cookie: str, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(SESSION_TTL.total_seconds()),
        path="/",
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        response = refusal("not-found")
    except web.HTTPMethodNotAllowed:
        response = web.Response(status=405, text="method not allowed")
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


_CSS = resources.files("adapters.web").joinpath("static/style.css").read_text("utf-8")


async def stylesheet(_request: web.Request) -> web.Response:
    response = web.Response(text=_CSS, content_type="text/css")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def add_dashboard_routes(app: web.Application, dashboard: Dashboard) -> None:
    """The dashboard's routes on `app` (its own application, or Slack's HTTP server)."""
    from adapters.web import pages

    app[DASHBOARD_KEY] = dashboard
    if security_headers not in app.middlewares:
        app.middlewares.append(security_headers)
    app.router.add_get("/", pages.home)
    app.router.add_get(SIGNIN_PATH, pages.signin_page)
    app.router.add_post(SIGNIN_PATH, pages.signin)
    app.router.add_post("/signout", pages.signout)
    app.router.add_get("/static/style.css", stylesheet)
    app.router.add_get("/admin", pages.overview)
    app.router.add_get("/admin/programs/{program_id:[0-9]{1,12}}", pages.program)
    app.router.add_get("/admin/programs/{program_id:[0-9]{1,12}}/settings", pages.settings)
    app.router.add_post("/admin/programs/{program_id:[0-9]{1,12}}/settings", pages.save_settings)
    app.router.add_get("/admin/programs/{program_id:[0-9]{1,12}}/preview", pages.preview)
    app.router.add_get("/admin/programs/{program_id:[0-9]{1,12}}/start", pages.start_confirm)
    app.router.add_post("/admin/programs/{program_id:[0-9]{1,12}}/start", pages.start)
    app.router.add_post("/admin/programs/{program_id:[0-9]{1,12}}/active", pages.set_active)
    app.router.add_get("/admin/programs/{program_id:[0-9]{1,12}}/rounds.csv", pages.rounds_csv)
    app.router.add_get("/me", pages.me)
    app.router.add_post("/me/profile", pages.my_profile)
    app.router.add_post("/me/action", pages.my_action)
    app.router.add_get("/me/data.json", pages.my_data)
    app.router.add_get("/me/forget", pages.forget_confirm)
    app.router.add_post("/me/forget", pages.forget)


def dashboard_app(dashboard: Dashboard) -> web.Application:
    """The dashboard as an application of its own (with `/metrics` and `/healthz`)."""
    from adapters.metrics_http import METRICS_PATH, refresh_backlog
    from bot import metrics

    app = web.Application(client_max_size=MAX_FORM)
    add_dashboard_routes(app, dashboard)

    async def scrape(_request: web.Request) -> web.Response:
        # The platforms register as they start (Discord after its login): read them now.
        for warm in dashboard.apps.values():
            await refresh_backlog(warm.core)
        response = web.Response(body=metrics.exposition())
        response.headers["Content-Type"] = metrics.CONTENT_TYPE
        return response

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "platforms": sorted(dashboard.apps)})

    app.router.add_get(METRICS_PATH, scrape)
    app.router.add_get("/healthz", healthz)
    return app
