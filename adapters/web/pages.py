"""One handler per dashboard page. Each reads its session first (`site.signed_in`), checks
what the URL names against the person's workspace (`bot.dashboard`: 404 otherwise), then
renders a template or hands a form to the core."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from markupsafe import Markup

from adapters.web import charts
from adapters.web.render import message_html, page
from adapters.web.site import (
    COOKIE,
    DASHBOARD_KEY,
    Signed,
    form_of,
    refusal,
    set_session,
    signed_in,
)
from bot import commands as cmd
from bot import dashboard as core_dashboard
from bot import insights, wording
from bot.actions import ProfileForm
from bot.core import Core
from bot.messages import Message, Reply, UserRef
from bot.program_settings import RULE_VALUES
from bot.signin import Refusal, Role
from storage.models import Program

logger = logging.getLogger(__name__)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MemberPage = Callable[[web.Request, Signed], Awaitable[web.StreamResponse]]
MemberForm = Callable[[web.Request, Signed, dict[str, str]], Awaitable[web.StreamResponse]]
AdminPage = Callable[[web.Request, Signed, Program], Awaitable[web.StreamResponse]]
AdminForm = Callable[[web.Request, Signed, Program, dict[str, str]], Awaitable[web.StreamResponse]]


def _signed(admin: bool) -> Callable[[MemberPage], Handler]:
    def decorate(handler: MemberPage) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            signed = await signed_in(request, admin=admin)
            if not isinstance(signed, Signed):
                return signed
            return await handler(request, signed)

        return guarded

    return decorate


def _posted(handler: Callable[..., Awaitable[web.StreamResponse]]) -> Any:
    """Reads the form (its CSRF token checked first, else the refusal page) and passes its
    fields after the handler's other arguments."""

    @functools.wraps(handler)
    async def checked(request: web.Request, signed: Signed, *rest: Any) -> web.StreamResponse:
        fields = await form_of(request, signed)
        if isinstance(fields, web.Response):
            return fields
        return await handler(request, signed, *rest, fields)

    return checked


# A member's own page: signed in (refusal page otherwise).
member_page: Callable[[MemberPage], Handler] = _signed(admin=False)


def member_form(handler: MemberForm) -> Handler:
    """A form of a member's own page: as `member_page`, its CSRF token checked first."""
    return member_page(_posted(handler))


def admin_page(handler: AdminPage) -> Handler:
    """A page about one program: a signed-in admin's (refusal page otherwise), and a program
    of theirs (404 otherwise)."""

    @_signed(admin=True)
    @functools.wraps(handler)
    async def with_program(request: web.Request, signed: Signed) -> web.StreamResponse:
        return await handler(request, signed, await _program_or_404(request, signed))

    return with_program


def admin_form(handler: AdminForm) -> Handler:
    """A form about one program: as `admin_page`, its CSRF token checked first."""
    return admin_page(_posted(handler))


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html")


def _see_other(location: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location)


# --- signing in and out ------------------------------------------------------------------------


@member_page
async def home(request: web.Request, signed: Signed) -> web.StreamResponse:
    raise _see_other("/admin" if signed.is_admin else "/me")


async def signin_page(request: web.Request) -> web.Response:
    """The link lands here; the button below spends it. (Link previews and scanners fetch
    with GET: they never use the link up.)"""
    token = request.query.get("token", "")
    if not token or len(token) > 2000:
        return refusal(Refusal.BAD_LINK.value)
    return _html(page("signin.html", token=token, signed=None))


async def signin(request: web.Request) -> web.StreamResponse:
    origin = request.headers.get("Origin")
    if origin and origin != "null" and origin.rstrip("/") not in _origins(request):
        logger.info("sign-in refused: from another origin (%s)", origin[:100])
        return refusal(Refusal.BAD_LINK.value)
    data = await request.post()
    token = data.get("token")
    if not isinstance(token, str) or not token:
        return refusal(Refusal.BAD_LINK.value)
    dashboard = request.app[DASHBOARD_KEY]
    found = await dashboard.redeem(token)
    if isinstance(found, Refusal):
        return refusal(found.value)
    _app, identity = found
    where = "/admin" if identity.role is Role.ADMIN else "/me"
    response = web.Response(status=303, headers={"Location": where})
    cookie = await dashboard.signins[identity.platform].session_cookie(identity)
    set_session(response, cookie, dashboard.secure_cookie)
    return response


def _origins(request: web.Request) -> set[str]:
    """Where the sign-in form may be posted from: this server as the request reached it, and
    the public address (behind a reverse proxy the two differ)."""
    public = urlsplit(request.app[DASHBOARD_KEY].settings.web_address())
    return {f"{request.scheme}://{request.host}", f"{public.scheme}://{public.netloc}"}


@member_form
async def signout(
    request: web.Request, signed: Signed, fields: dict[str, str]
) -> web.StreamResponse:
    response = _html(page("signed_out.html", signed=None))
    response.del_cookie(COOKIE, path="/")
    return response


# --- the organiser's pages ---------------------------------------------------------------------


@_signed(admin=True)
async def overview(request: web.Request, signed: Signed) -> web.StreamResponse:
    core = signed.app.core
    visible = {p.id for p in await core_dashboard.visible_programs(core, signed.identity)}
    summaries = [
        s
        for s in await insights.overview_figures(core, signed.identity.workspace_id)
        if s.program_id in visible
    ]
    return _html(page("overview.html", signed=signed, programs=summaries))


async def _program_or_404(request: web.Request, signed: Signed) -> Program:
    program_id = int(request.match_info["program_id"])
    program = await core_dashboard.visible_program(signed.app.core, signed.identity, program_id)
    if program is None:
        raise web.HTTPNotFound()
    return program


@admin_page
async def program(request: web.Request, signed: Signed, found: Program) -> web.StreamResponse:
    anonymise = request.query.get("anonymise") == "1"
    try:
        fig = await insights.program_figures(
            signed.app.core, signed.identity.workspace_id, found.id
        )
    except insights.NotFound:
        raise web.HTTPNotFound() from None
    chart = {
        "participation": Markup(charts.participation_svg(fig)),
        "rounds": Markup(charts.rounds_svg(fig)),
        "connections": Markup(charts.connections_svg(fig)),
        "heatmap": Markup(charts.heatmap_svg(fig)),
        "network": Markup(charts.network_svg(fig, anonymise)),
        "gratitude": Markup(charts.gratitude_svg(fig)),
        "interests": Markup(charts.interests_table(fig)),
        "wall": Markup(charts.thanks_wall_html(fig)),
    }
    return _html(
        page(
            "program.html",
            signed=signed,
            program=found,
            fig=fig,
            chart=chart,
            anonymise=anonymise,
        )
    )


@admin_page
async def settings(request: web.Request, signed: Signed, found: Program) -> web.StreamResponse:
    return _settings_page(signed, found, core_dashboard.form_values(found), {}, saved=())


def _settings_page(
    signed: Signed,
    found: Program,
    values: dict[str, str],
    errors: dict[str, str],
    saved: Iterable[str],
    status: int = 200,
) -> web.Response:
    return _html(
        page(
            "settings.html",
            signed=signed,
            program=found,
            keys=core_dashboard.SETTING_KEYS,
            values=values,
            errors=errors,
            saved=tuple(saved),
            choices=_CHOICES,
        ),
        status,
    )


_CHOICES: dict[str, tuple[str, ...]] = {
    "cadence": ("weekly", "biweekly", "monthly"),
    "day": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "active": ("on", "off"),
    **{f"rule.{name}": values for name, values in RULE_VALUES.items()},
}


@admin_form
async def save_settings(
    request: web.Request, signed: Signed, found: Program, fields: dict[str, str]
) -> web.StreamResponse:
    outcome = await core_dashboard.save_settings(signed.app.core, signed.identity, found.id, fields)
    if outcome is None:
        raise web.HTTPNotFound()
    if not outcome.ok:
        values = {**core_dashboard.form_values(found), **fields}
        return _settings_page(signed, found, values, outcome.errors, (), status=400)
    fresh = await _program_or_404(request, signed)
    return _settings_page(signed, fresh, core_dashboard.form_values(fresh), {}, outcome.changed)


@admin_page
async def preview(request: web.Request, signed: Signed, found: Program) -> web.StreamResponse:
    answer = await signed.app.run(signed.identity.actor(found.channel_id), cmd.Preview())
    return await _answer_page(signed, found, wording.answer_titles()["preview"], answer)


@admin_page
async def start_confirm(request: web.Request, signed: Signed, found: Program) -> web.StreamResponse:
    return _html(page("start.html", signed=signed, program=found))


@admin_form
async def start(
    request: web.Request, signed: Signed, found: Program, fields: dict[str, str]
) -> web.StreamResponse:
    if fields.get("confirm") != "yes":
        return _html(page("start.html", signed=signed, program=found), 400)
    # The round the page offered: a form sent twice (a double click, a reload) starts it once.
    number = fields.get("round", "")
    offered = int(number) if number.isdigit() and 0 < int(number) < 10**9 else None
    answer = await signed.app.run(
        signed.identity.actor(found.channel_id),
        cmd.MatchNow(confirmed=True, round_number=offered),
    )
    return await _answer_page(signed, found, wording.answer_titles()["start"], answer)


@admin_form
async def set_active(
    request: web.Request, signed: Signed, found: Program, fields: dict[str, str]
) -> web.StreamResponse:
    wanted = fields.get("active")
    if wanted not in {"on", "off"}:
        title = wording.WEB_PAGE["pause_program"]
        lines = [wording.WEB_PAGE["choose_on_off"]]
        return _html(page("answer.html", signed=signed, program=found, title=title,
                          ok=False, lines=lines), 400)  # fmt: skip
    answer = await signed.app.run(
        signed.identity.actor(found.channel_id), cmd.Config("active", wanted)
    )
    return await _answer_page(signed, found, wording.answer_titles()[wanted], answer)


async def _answer_page(signed: Signed, found: Program, title: str, answer: Reply) -> web.Response:
    names = await _names(signed.app.core, signed.identity.workspace_id, answer.message)
    return _html(
        page(
            "answer.html",
            signed=signed,
            program=found,
            title=title,
            ok=answer.ok,
            lines=message_html(answer.message, lambda u: names.get(u, u)),
        ),
        200 if answer.ok else 400,
    )


async def _names(core: Core, workspace_id: str, message: Message | None) -> dict[str, str]:
    """Display names of the people a message mentions."""
    ids = {
        span.user_id
        for line in (message.lines if message else ())
        for span in line
        if isinstance(span, UserRef)
    }
    if not ids:
        return {}
    async with core.reading() as uow:
        ws = await uow.workspaces.find(core.platform.name, workspace_id)
        found = await uow.members.by_external_ids(ws.id, ids) if ws else []
    return {m.external_id: m.display_name for m in found}


@admin_page
async def rounds_csv(request: web.Request, signed: Signed, found: Program) -> web.StreamResponse:
    text = await insights.round_csv(signed.app.core, signed.identity.workspace_id, found.id)
    response = web.Response(text=text, content_type="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="warmintro-program-{found.id}-rounds.csv"'
    )
    return response


# --- a member's own page -----------------------------------------------------------------------


@member_page
async def me(request: web.Request, signed: Signed) -> web.StreamResponse:
    return await _my_page(signed)


async def _my_page(signed: Signed, answer: Reply | None = None) -> web.Response:
    identity = signed.identity
    data = await core_dashboard.my_data(signed.app.core, identity)
    try:
        fig = await insights.member_figures(
            signed.app.core, identity.workspace_id, identity.user_id
        )
    except insights.NotFound:
        fig = None
    parts = {
        "meetings": Markup(charts.member_meetings_html(fig)) if fig else None,
        "thanks": Markup(charts.member_thanks_html(fig)) if fig else None,
    }
    names = await _names(signed.app.core, identity.workspace_id, answer.message if answer else None)
    said = message_html(answer.message, lambda u: names.get(u, u)) if answer else []
    return _html(
        page(
            "me.html", signed=signed, data=data, fig=fig, part=parts,
            answer=said, answer_ok=answer.ok if answer else True,
        ),
        200 if answer is None or answer.ok else 400,
    )  # fmt: skip


# What the buttons of a member's page do: the chat commands, typed in a DM (all programs).
_MY_ACTIONS: dict[str, cmd.CoffeeCommand] = {
    "pause": cmd.Pause(None),
    "resume": cmd.Resume(),
    "skip": cmd.Skip(),
}


@member_form
async def my_profile(
    request: web.Request, signed: Signed, fields: dict[str, str]
) -> web.StreamResponse:
    """The profile form of a member's page: the same form as Slack's profile dialog."""
    values = {k: fields.get(k, "") for k in ("interests", "offers", "wants", "team", "location")}
    answer = await signed.app.form_submitted(
        signed.identity.actor(), ProfileForm().encode(), values
    )
    return await _my_page(signed, answer)


@member_form
async def my_action(
    request: web.Request, signed: Signed, fields: dict[str, str]
) -> web.StreamResponse:
    command = _MY_ACTIONS.get(fields.get("do", ""))
    if command is None:
        return refusal("not-found")
    return await _my_page(signed, await signed.app.run(signed.identity.actor(), command))


@member_page
async def my_data(request: web.Request, signed: Signed) -> web.StreamResponse:
    data = await core_dashboard.my_data(signed.app.core, signed.identity)
    body = json.dumps(data.as_json() if data else {}, indent=2, ensure_ascii=False)
    response = web.Response(text=body, content_type="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="warmintro-my-data.json"'
    return response


@member_page
async def forget_confirm(request: web.Request, signed: Signed) -> web.StreamResponse:
    return _html(page("forget.html", signed=signed))


@member_form
async def forget(
    request: web.Request, signed: Signed, fields: dict[str, str]
) -> web.StreamResponse:
    if fields.get("confirm") != "forget":
        return _html(page("forget.html", signed=signed, unconfirmed=True), 400)
    answer = await signed.app.run(signed.identity.actor(), cmd.ForgetMe(confirmed=True))
    names = await _names(signed.app.core, signed.identity.workspace_id, answer.message)
    response = _html(
        page(
            "forgotten.html",
            signed=None,
            ok=answer.ok,
            lines=message_html(answer.message, lambda u: names.get(u, u)),
        ),
        200 if answer.ok else 400,
    )
    if answer.ok:
        response.del_cookie(COOKIE, path="/")
    return response
