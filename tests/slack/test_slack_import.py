"""`import-profiles` on Slack: emails resolved with users.lookupByEmail (the users:read.email
scope); a row whose email nobody has is reported and nothing is imported."""

from __future__ import annotations

from pathlib import Path

from adapters.slack.oauth import BOT_SCOPES
from bot.profile_import import import_profiles
from storage.models import Profile
from tests.slack.conftest import SlackWorld
from tests.slack.fake_slack import TEAM


async def _profile(sw: SlackWorld, user: str) -> Profile | None:
    async with sw.warm.core.uow() as uow:
        member = await sw.warm.core.find_member(uow, TEAM, user)
        return member.profile if member else None


async def test_emails_are_resolved_by_slack(sw: SlackWorld, tmp_path: Path) -> None:
    assert "users:read.email" in BOT_SCOPES
    sw.fake.users["U0002"]["profile"]["email"] = "li@acme.test"
    sw.fake.users["U0003"]["profile"]["email"] = "sam@acme.test"
    file = tmp_path / "hr.csv"
    file.write_text(
        "user,team,location,manager\n"
        "li@acme.test,Design,Berlin,U0001\n"
        "U0003,Sales,Lisbon,li@acme.test\n",
        "utf-8",
    )
    report = await import_profiles(sw.warm.core, TEAM, file.read_text("utf-8"))
    assert report.errors == [] and report.imported == 2
    looked_up = [c.args["email"] for c in sw.fake.called("users.lookupByEmail")]
    assert looked_up == ["li@acme.test"]
    li, sam = await _profile(sw, "U0002"), await _profile(sw, "U0003")
    assert li is not None and (li.team, li.location, li.manager) == ("Design", "Berlin", "U0001")
    assert sam is not None and (sam.team, sam.manager) == ("Sales", "U0002")


async def test_an_unknown_email_imports_nothing(sw: SlackWorld) -> None:
    text = "user,team\nU0002,Design\nghost@acme.test,Data\n"
    report = await import_profiles(sw.warm.core, TEAM, text)
    assert report.errors == [(3, "nobody in the workspace has the user's email")]
    assert await _profile(sw, "U0002") is None
