"""`warmintro import-profiles`: a real CSV file; ids or emails; bad rows reported by line and
nothing imported; the console resolves emails from its workspace file; Discord can't."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from adapters.cli import main
from adapters.discord.offline import OfflineDiscord
from bot.bootstrap import build_app
from bot.profile_import import import_profiles
from tests.conftest import World

GOOD = """user,team,location,manager,start_date
maya,Platform,Berlin,li@example.com,2024-03-01
li@example.com,Design,Lisbon,,
<@sam>, Sales ,,maya,
"""


async def _profiles(world: World) -> dict[str, tuple]:
    async with world.app.core.uow() as uow:
        ws = await uow.workspaces.find("console", world.workspace)
        assert ws is not None
        members = await uow.members.by_external_ids(ws.id, ["maya", "li", "sam", "tom"])
        return {
            m.external_id: (m.profile.team, m.profile.location, m.profile.manager,
                            m.profile.start_date)
            for m in members
        }  # fmt: skip


async def test_a_csv_file_sets_team_location_manager_and_start_date(
    world: World, tmp_path: Path
) -> None:
    world.data.users["li"].email = "Li@Example.com"
    file = tmp_path / "people.csv"
    file.write_text(GOOD, "utf-8")
    report = await import_profiles(world.app.core, world.workspace, file.read_text("utf-8"))
    assert report.errors == [] and report.text() == "Imported 3 profile(s)."
    profiles = await _profiles(world)
    assert profiles["maya"] == ("Platform", "Berlin", "li", date(2024, 3, 1))
    assert profiles["li"] == ("Design", "Lisbon", None, None)
    assert profiles["sam"] == ("Sales", None, "maya", None)
    # an empty cell leaves a field as it is
    again = await import_profiles(world.app.core, world.workspace, "user,team\nmaya,\n")
    assert not again.errors and (await _profiles(world))["maya"][0] == "Platform"


BAD = """user,team,location,manager,start_date
maya,Platform,Berlin,,2024-03-01
nobody@example.com,Design,,,
sam,Sales,,,next tuesday
,Data,,,
ghost,Data,,,
maya,Data,,,
tom,Platform,,nobody@example.com,
warmintro,Bots,,,
"""


async def test_bad_rows_are_reported_by_line_and_nothing_is_imported(world: World) -> None:
    before = await world.snapshot()
    report = await import_profiles(world.app.core, world.workspace, BAD)
    assert report.imported == 0
    lines = dict(report.errors)
    assert "nobody in the workspace has the user's email" in lines[3]
    assert "next tuesday" in lines[4] and "not a date" in lines[4]
    assert "no user" in lines[5]
    assert "the same person as line 2" in lines[7]
    assert "manager's email" in lines[8]
    assert "Nothing was imported" in report.text() and "line 3:" in report.text()
    assert await world.snapshot() == before
    # the rows left are fine but for an unknown id and a bot: still nothing is imported
    rest = "user,team\nmaya,Platform\nghost,Data\nwarmintro,Bots\n"
    report = await import_profiles(world.app.core, world.workspace, rest)
    assert dict(report.errors) == {
        3: "nobody in the workspace has this user id",
        4: "that's a bot; bots are never matched",
    }
    assert await world.snapshot() == before


@pytest.mark.parametrize(
    ("text", "message"),
    [("name,team\nmaya,x\n", "no `user` column"), ("user,salary\nmaya,1\n", "unknown column")],
)
async def test_a_bad_header_is_line_one(world: World, text: str, message: str) -> None:
    report = await import_profiles(world.app.core, world.workspace, text)
    assert report.errors[0][0] == 1 and message in report.errors[0][1]


async def test_discord_rows_with_emails_get_a_clear_error(world: World) -> None:
    core = build_app(world.db, OfflineDiscord(), world.clock, world.settings).core
    report = await import_profiles(core, "G1", "user,team\nli@example.com,Design\n")
    assert report.errors == [
        (2, "this platform can't look people up by email; give the person's user id instead")
    ]


def test_the_cli_imports_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("WARMINTRO_CONSOLE_WORKSPACE", raising=False)
    file = tmp_path / "people.csv"
    file.write_text("user,team,location\nmaya,Platform,Berlin\n", "utf-8")
    args = ["import-profiles", str(file), "--workspace", "acme", "--platform", "console"]
    assert main(args) == 0
    assert "Imported 1 profile(s)." in capsys.readouterr().out
    file.write_text("user,team\nmaya,Platform\nghost,Data\n", "utf-8")
    assert main(args) == 1
    assert "line 3: nobody in the workspace has this user id" in capsys.readouterr().err
    assert main([*args[:1], str(tmp_path / "missing.csv"), *args[2:]]) == 2
