"""Bringing HR data in: `warmintro import-profiles FILE.csv` (columns user, team, location,
manager, start_date). `user` and `manager` are platform user ids (or mentions) or emails the
platform resolves. An empty cell leaves that field as it is.

All or nothing: every row is read and every person looked up first (no platform call inside
the transaction); any bad row is reported with its line number and nothing is imported.
Otherwise every row is written in one transaction.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import date

from bot import wording
from bot.core import Core, UnknownUser
from bot.ports import EmailLookupUnsupported, PlatformError, UserInfo
from bot.text import InputError, clean_location, clean_team, parse_mention
from storage.models import Workspace
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

COLUMNS = ("user", "team", "location", "manager", "start_date")


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    user: str
    team: str | None = None
    location: str | None = None
    manager: str | None = None
    start_date: date | None = None


@dataclass(slots=True)
class ImportReport:
    imported: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def text(self) -> str:
        if self.errors:
            return wording.import_failed(sorted(self.errors))
        return wording.import_done(self.imported)


class _Bad(Exception):
    pass


def read_rows(text: str) -> tuple[list[Row], list[tuple[int, str]]]:
    """The file's rows (line numbers as in the file, the header is line 1), and bad rows."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), skipinitialspace=True)
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    if "user" not in header:
        return [], [(1, wording.import_no_user_column())]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        return [], [(1, wording.import_unknown_columns(unknown))]
    reader.fieldnames = header
    rows: list[Row] = []
    errors: list[tuple[int, str]] = []
    for raw in reader:
        line = reader.line_num
        cells = {k: (v or "").strip() for k, v in raw.items() if k in COLUMNS}
        if not any(cells.values()):
            continue
        try:
            rows.append(_row(line, cells))
        except (_Bad, InputError) as exc:
            errors.append((line, str(exc)))
    return rows, errors


def _row(line: int, cells: dict[str, str]) -> Row:
    if not cells.get("user"):
        raise _Bad(wording.IMPORT_NO_USER)
    started = None
    if cells.get("start_date"):
        try:
            started = date.fromisoformat(cells["start_date"])
        except ValueError:
            raise _Bad(wording.import_bad_date(cells["start_date"])) from None
    return Row(
        line,
        _person(cells["user"]),
        clean_team(cells["team"]) if cells.get("team") else None,
        clean_location(cells["location"]) if cells.get("location") else None,
        _person(cells["manager"]) if cells.get("manager") else None,
        started,
    )


def _person(value: str) -> str:
    """A user id, a mention (`<@U1>`) or an email, as given."""
    return (parse_mention(value) or value) if value.startswith("<@") else value


async def import_profiles(core: Core, workspace_id: str, text: str) -> ImportReport:
    """Import the CSV `text` into the workspace's profiles, all or nothing."""
    rows, errors = read_rows(text)
    report = ImportReport(errors=errors)
    ids = await _resolve(core, workspace_id, rows, report)
    seen: dict[str, int] = {}
    for row in rows:
        user = ids.get(row.user, row.user)
        if user in seen:
            report.errors.append((row.line, wording.import_duplicate(seen[user])))
        seen.setdefault(user, row.line)
    if report.errors:
        return report
    known = await core.known_users(workspace_id, [ids[r.user] for r in rows])
    try:
        async with core.uow() as uow:
            ws = await core.workspace(uow, workspace_id)
            for row in rows:
                problem = await _write(core, uow, ws, row, ids, known)
                if problem:
                    report.errors.append((row.line, problem))
            if report.errors:
                raise _Bad  # one bad row: the whole transaction rolls back
    except _Bad:
        return report
    report.imported = len(rows)
    logger.info("workspace %s: %s profiles imported", workspace_id, len(rows))
    return report


async def _resolve(
    core: Core, workspace_id: str, rows: list[Row], report: ImportReport
) -> dict[str, str]:
    """Every user and manager cell → a platform user id (emails looked up); bad cells are
    reported on their row."""
    ids: dict[str, str] = {}
    for row in rows:
        for column, value in (("user", row.user), ("manager", row.manager)):
            if value is None or value in ids:
                continue
            if "@" not in value:
                ids[value] = value
                continue
            try:
                found = await core.platform.user_by_email(workspace_id, value)
            except EmailLookupUnsupported:
                report.errors.append((row.line, wording.IMPORT_EMAIL_UNSUPPORTED))
                continue
            except PlatformError as exc:
                report.errors.append((row.line, wording.import_lookup_failed(exc.reason)))
                continue
            if found is None:
                report.errors.append((row.line, wording.import_no_email(column)))
            else:
                ids[value] = found
    return ids


async def _write(
    core: Core,
    uow: UnitOfWork,
    ws: Workspace,
    row: Row,
    ids: dict[str, str],
    known: dict[str, UserInfo | None],
) -> str | None:
    """Write one row's fields (empty cells leave a field as it is); returns what's wrong."""
    try:
        member = await core.member(uow, ws, ids[row.user], known)
    except UnknownUser:
        return wording.import_unknown_user()
    if member.is_bot:
        return wording.IMPORT_BOT
    profile = member.profile
    for name in ("team", "location", "start_date"):
        if getattr(row, name) is not None:
            setattr(profile, name, getattr(row, name))
    if row.manager is not None:
        profile.manager = ids[row.manager]
    profile.updated_at = core.now()
    return None
