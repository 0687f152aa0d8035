"""The onboarding interview by DM."""

from __future__ import annotations

from collections.abc import Sequence

from bot.actions import EditProfile, SkipQuestion
from bot.messages import Button, ChannelRef, Line, Message, UserText, fmt, text_message

# --- the interview ----------------------------------------------------------------------------

INTERVIEW_QUESTIONS = {
    "interests": (
        "What are you into, at work or outside it? A few topics, separated by commas — "
        "e.g. _climbing, jazz, distributed systems_."
    ),
    "offers": "What could you help a colleague with? e.g. _python, giving feedback, cooking_.",
    "wants": "And what would you like to learn? e.g. _public speaking, design, negotiation_.",
}


def interview_intro(channel_id: str | None) -> Message:
    where: Line = fmt(" in {ch}", ch=ChannelRef(channel_id)) if channel_id else ()
    return Message(
        (
            (
                "Welcome to the coffee chats",
                *where,
                "! ☕ Three quick questions so I can "
                "pair you with people you'll enjoy talking to. Skip any you like.",
            ),
        )
    )


def interview_question(step: str, number: int) -> Message:
    return Message(
        ((f"*{number}/3* " + INTERVIEW_QUESTIONS[step],),),
        buttons=(
            Button(EditProfile().encode(), "Answer in a form", "primary"),
            Button(SkipQuestion(step).encode(), "Skip"),
        ),
    )


def interview_done(
    interests: Sequence[str], offers: Sequence[str], wants: Sequence[str]
) -> Message:
    def show(items: Sequence[str]) -> str:
        return ", ".join(items) if items else "—"

    return text_message(
        "All set, thanks! Here's what I'll use to find you good matches:",
        ("• Into: ", UserText(show(interests))),
        ("• Can help with: ", UserText(show(offers))),
        ("• Wants to learn: ", UserText(show(wants))),
        "Change any of it later with `/coffee interests`, `/coffee offer` or `/coffee learn`.",
    )


def interview_nothing_found() -> str:
    return (
        "I couldn't find any topics in that — try a few words separated by commas, or press Skip."
    )
