"""The scripted tour, as a newcomer runs it: a real process, a real SQLite file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from storage.migrate import head_revision


def run(*args: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        check=False,
    )


def test_demo_tour_shows_the_whole_product() -> None:
    result = run("demo")
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    assert out.count("matched for a coffee chat") == 12  # two rounds of six pairs
    assert "*Why you:*" in out and "you're both into" in out and "can help" in out
    assert "Halfway through the round" in out and "The round ends soon" in out
    assert "Glad you met" in out
    assert "🙏 @Li Wei thanks @Maya Patel" in out
    assert "Coffee chats in #coffee" in out and "Groups that met: 1" in out
    assert "I can't find @nobody" in out and "Thanking yourself" in out
    assert "the limit is 2,000" in out
    assert "That's the tour" in out


def test_console_exits_cleanly_on_end_of_input(tmp_path: Path) -> None:
    env_db = tmp_path / "console.db"
    script = "/add-bot #coffee\n/coffee join\n/coffee status\n"
    result = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "run", "--platform", "console"],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        env={**_env(), "DATABASE_URL": f"sqlite:///{env_db}"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Hi, I'm WarmIntro!" in result.stdout and "You're in" in result.stdout
    assert env_db.exists()


def test_db_upgrade_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "db", "upgrade"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**_env(), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"schema revision: {head_revision()}" in result.stdout


def _env() -> dict[str, str]:
    import os

    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    keep.pop("DATABASE_URL", None)
    return keep
