"""The web dashboard: the sign-in links the bot sends, and the refusals its pages show."""

from __future__ import annotations

from bot.messages import Line

__all__ = [
    "DASHBOARD_ONLY_ADMINS",
    "REFUSALS",
    "dashboard_link",
    "my_page_link",
]

DASHBOARD_ONLY_ADMINS = (
    "The dashboard is for program admins (workspace admins and whoever added me to a channel). "
    "`/coffee me` gives you a link to your own page."
)


def dashboard_link(url: str) -> tuple[Line, ...]:
    return (
        ("*Your dashboard link* (only you see this; it works once, for 10 minutes):",),
        (url,),
        ("Don't share it: it signs you in as you.",),
    )


def my_page_link(url: str) -> tuple[Line, ...]:
    return (
        (
            "*Your own page* — who you've met, thanks you received, your data "
            "(only you see this link; it works once, for 10 minutes):",
        ),
        (url,),
    )


# What a refused page says: (HTTP status, title, explanation). Keys are `bot.signin.Refusal`
# values and the dashboard's own reasons.
REFUSALS: dict[str, tuple[int, str, str]] = {
    "bad-link": (400, "This link isn't valid",
                 "It may have been copied incompletely or changed. Ask for a new one in your chat "
                 "with `/coffee dashboard` (admins) or `/coffee me`."),
    "expired-link": (403, "This link has expired",
                     "Sign-in links work for 10 minutes. Ask for a new one with "
                     "`/coffee dashboard` or `/coffee me`."),
    "used-link": (403, "This link was already used",
                  "Each sign-in link works once. Ask for a new one with `/coffee dashboard` or "
                  "`/coffee me`."),
    "bad-session": (400, "Your session isn't valid",
                    "Your sign-in cookie was changed or is damaged, so we signed you out. Ask for "
                    "a new link in your chat."),
    "expired-session": (403, "Your session has ended",
                        "Sessions last 8 hours. Ask for a new link with `/coffee dashboard` or "
                        "`/coffee me`."),
    "no-session": (401, "Please sign in",
                   "Sign in with the private link from `/coffee dashboard` (program admins) or "
                   "`/coffee me`, typed in your chat."),
    "not-admin": (403, "This page is for program admins",
                  "You're signed in to your own page. Organisers open the dashboard with "
                  "`/coffee dashboard`."),
    "csrf": (400, "This form has expired",
             "The form was not sent from this page or your session changed. Go back, reload "
             "the page and try again."),
    "not-found": (404, "Not found",
                  "There's nothing here — or nothing you can see from your workspace."),
}  # fmt: skip
