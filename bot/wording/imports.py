"""`warmintro import-profiles`: what is wrong with a row, and what was imported."""

from __future__ import annotations

from collections.abc import Sequence

IMPORT_COLUMNS_HINT = "Columns: user, team, location, manager, start_date (only user is required)."
IMPORT_NO_USER = "no user (a platform user id or an email)"
IMPORT_EMAIL_UNSUPPORTED = (
    "this platform can't look people up by email; give the person's user id instead"
)
IMPORT_BOT = "that's a bot; bots are never matched"


def import_unknown_columns(names: Sequence[str]) -> str:
    return "unknown column(s): " + ", ".join(names) + ". " + IMPORT_COLUMNS_HINT


def import_no_user_column() -> str:
    return "the header has no `user` column. " + IMPORT_COLUMNS_HINT


def import_bad_date(value: str) -> str:
    return f"start_date {value[:40]!r} is not a date like 2024-03-01"


def import_duplicate(first_line: int) -> str:
    return f"the same person as line {first_line}"


def import_no_email(column: str) -> str:
    return f"nobody in the workspace has the {column}'s email"


def import_unknown_user() -> str:
    return "nobody in the workspace has this user id"


def import_lookup_failed(reason: str) -> str:
    return f"the platform didn't answer ({reason[:80]}); try again"


def import_failed(errors: Sequence[tuple[int, str]]) -> str:
    lines = [f"line {line}: {message}" for line, message in errors]
    return (
        "\n".join(lines)
        + f"\nNothing was imported: {len(errors)} bad row(s). Fix them and run it again."
    )


def import_done(count: int) -> str:
    return f"Imported {count} profile(s)."
