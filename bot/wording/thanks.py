"""Thanks: the public post, the DM, the forms."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import ChannelRef, Line, Message, UserRef, UserText, fmt
from bot.wording.spans import mentions

# --- thanks -----------------------------------------------------------------------------------


def thanks_public(sender: str, recipients: Sequence[str], text: str) -> Message:
    names = mentions(recipients, ", ")
    return Message(
        (("🙏 ", UserRef(sender), " thanks ", *names, ":"), (UserText(text),)),
        mentions=(sender, *recipients),
    )


def thanks_dm(sender: str, text: str, public: bool, channel_id: str | None) -> Message:
    lines: list[Line] = [fmt("🙏 {s} sent you a thank-you:", s=UserRef(sender)), (UserText(text),)]
    if public and channel_id:
        lines.append(fmt("(It's also posted in {ch}.)", ch=ChannelRef(channel_id)))
    return Message(tuple(lines))


def thanks_sent(recipients: Sequence[str], public: bool, channel_id: str | None) -> Message:
    names: list[str | UserRef] = []
    for i, user in enumerate(recipients):
        if i:
            names.append(", ")
        names.append(UserRef(user))
    where: Line = (
        fmt(" and posted it in {ch}", ch=ChannelRef(channel_id)) if public and channel_id else ()
    )
    lines: list[Line] = [("Thanks sent to ", *names, *where, ". 💛")]
    if public and not channel_id:
        lines.append(
            (
                "There's no coffee-chat channel to post it in from here, so only they got it. "
                "Run /thanks in a program channel to thank them publicly.",
            )
        )
    return Message(tuple(lines))


THANKS_FORM_TITLE = "Send thanks"
THANKS_FORM_LABELS = {
    "recipients": "Who would you like to thank?",
    "message": "What are you thankful for?",
    "private": "Send privately (only they see it)",
}
THANKS_PICK_SOMEONE = "Pick at least one person to thank."
THANKS_ADD_WORDS = "Add a few words about what you're thankful for."
THANKS_MENTION_FIRST = "Who would you like to thank? Mention them first."
YOUR_NOTE = "Your note"  # how a too-long thank-you note is named
NOT_YOUR_BUTTON = "That button isn't for you."
PROFILE_FORM_TITLE = "Your coffee profile"
PROFILE_FORM_SUBMIT = "Save"
PROFILE_LABELS = {
    "interests": "What are you into? (comma-separated)",
    "offers": "What could you help a colleague with?",
    "wants": "What would you like to learn?",
    "team": "Your team",
    "location": "Your office or city (in-person programs match by it)",
    "hours": "Your working hours, e.g. 09:00-17:00 (your time zone)",
}
