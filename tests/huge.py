"""Huge, hostile inputs for every message kind (shared by the Slack and Discord limit tests)."""

from __future__ import annotations

from bot import wording
from bot.messages import Button, Message, UserText

HOSTILE = (
    "<!channel> <@U0003> &amp; *bold* _x_ `c` <https://evil.example|click> & < > "
    "@everyone @here <@123456789012345678> \\*[free](https://evil.example) "
)
BIG = (HOSTILE * 1000)[:100_000]  # 100 KB of it
NAME = ("Dr. <!here> @everyone " * 100)[:2000]
INTERESTS = [f"topic {i} <!everyone> & more " + "x" * 470 for i in range(200)]  # 200 × 500


def hostile_messages() -> dict[str, Message]:
    many = [(f"2026-11-{i % 28 + 1:02d}", ["U0002", "U0003"], "met") for i in range(400)]
    groups = [
        wording.PreviewGroup((f"U{i:05d}", f"U{i + 1:05d}"), 10.0 - i, (NAME, BIG[:3000]))
        for i in range(0, 60, 2)
    ]
    return {
        "status": wording.status_message(
            ["C0001"] * 300,
            "until you resume",
            INTERESTS,
            INTERESTS,
            INTERESTS,
            NAME,
            "UTC",
            ["U0002"] * 60,
            "soon",
            3,
        ),
        "interview_done": wording.interview_done(INTERESTS, INTERESTS, INTERESTS),
        "tags": Message((wording.tags_saved("interests", INTERESTS),)),
        "team": Message((wording.team_saved(NAME),)),
        "thanks_public": wording.thanks_public("U0001", ["U0002"] * 100, BIG),
        "thanks_dm": wording.thanks_dm("U0001", BIG, True, "C0001"),
        "intro": wording.intro(["U0001", "U0002", "U0003"], [NAME] * 50, "Hi", BIG, 7, "C0001"),
        "welcome": wording.welcome("C0001", BIG, "every Monday", True),
        "config": wording.config_shown([(f"key{i}", NAME) for i in range(200)]),
        "history": wording.history_message(many),
        "preview_full": wording.preview_message(groups[:20]),
        "preview_summary": wording.preview_message(groups),
        "help": wording.help_message(BIG),
        "lines": Message(tuple((UserText(HOSTILE * 3),) for _ in range(2000))),
        "one_line": Message(((UserText(BIG),),), buttons=(Button("a:1", "x" * 500),)),
        "buttons": Message((("pick",),), buttons=tuple(Button(f"b:{i}", NAME) for i in range(80))),
    }
