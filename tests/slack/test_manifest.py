"""The manifest asks for exactly what the app uses, and points every URL at our endpoint."""

from __future__ import annotations

from pathlib import Path

import yaml

from adapters.slack.app import EVENTS_PATH, REDIRECT_PATH
from adapters.slack.oauth import BOT_SCOPES

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "slack-manifest.yaml"


def test_manifest_matches_the_app() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert sorted(scopes) == sorted(BOT_SCOPES)
    assert not [s for s in scopes if "history" in s], "no history scopes"
    assert "user" not in manifest["oauth_config"]["scopes"]
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/coffee", "/thanks"}
    assert all(c["should_escape"] for c in commands.values()), "mentions must arrive as <@U…>"
    settings = manifest["settings"]
    urls = [c["url"] for c in commands.values()]
    urls += [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert all(u.endswith(EVENTS_PATH) for u in urls)
    assert manifest["oauth_config"]["redirect_urls"][0].endswith(REDIRECT_PATH)
    events = set(settings["event_subscriptions"]["bot_events"])
    assert {"member_joined_channel", "member_left_channel", "app_home_opened"} <= events
    assert {"app_uninstalled", "tokens_revoked"} <= events
    assert settings["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
