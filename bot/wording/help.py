"""Help: the usage line of every command, and the list of them."""

from __future__ import annotations

from bot.messages import Message, UserText, text_message

USAGE: dict[str, str] = {
    "join": "`/coffee join` — join the coffee chats of this channel",
    "leave": "`/coffee leave` — stop being matched in this channel",
    "pause": "`/coffee pause [2w | 10 days | until 2026-12-24]` — take a break (no argument: until you resume)",
    "resume": "`/coffee resume` — be matched again",
    "skip": "`/coffee skip` — sit out the next round only (here, or everywhere when typed in a DM)",
    "interests": "`/coffee interests climbing, jazz, sourdough` — what you're into (`clear` to empty)",
    "offer": "`/coffee offer python, public speaking` — what you can help others with",
    "learn": "`/coffee learn design, negotiation` — what you'd like to learn",
    "team": "`/coffee team Platform` — your team (we prefer matching across teams)",
    "location": "`/coffee location Berlin` — your office or city (in-person programs match people in the same one; `clear` to remove it)",
    "timezone": "`/coffee timezone Europe/Berlin` or `/coffee timezone UTC+2`",
    "hours": "`/coffee hours 10:00-18:00` — your working hours, in your time zone (intros propose meeting times inside them; `reset` for 09:00–17:00; empty to show them)",
    "avoid": "`/coffee avoid @person` — never be grouped with them (private: only you know; no one: your list)",
    "unavoid": "`/coffee unavoid @person` — undo an avoid",
    "keep-apart": "`/coffee keep-apart @a @b` — never group these two, workspace-wide (admins; `remove @a @b` drops it; no one: the list)",
    "status": "`/coffee status` — your profile, current match and next round",
    "history": "`/coffee history` — who you've met",
    "stats": "`/coffee stats` — how this program is doing",
    "config": "`/coffee config [cadence|day|time|timezone|purpose|thanks-channel|active|size|ghost_after|digest|rule.…|weight.<name>] [value]` — program settings (admins; e.g. `size 4` for groups of four, `ghost_after 3` or `off`, `digest monthly` or `off`, `rule.different_team required`; rules: different_team, different_manager, same_location)",
    "preview": "`/coffee preview` — the next round's groups, not saved (admins)",
    "match-now": "`/coffee match-now [confirm [N]]` — start the next round now (admins; `confirm N` starts round N even within 10 minutes of the last, and only once)",
    "dashboard": "`/coffee dashboard` — a private sign-in link to the web dashboard (program admins)",
    "me": "`/coffee me` — a private sign-in link to your own page: who you've met, thanks, your data",
    "forget-me": "`/coffee forget-me` — delete everything WarmIntro knows about you",
    "help": "`/coffee help` — all commands",
    "thanks": "`/thanks @person [@person…] your note [--private]`",
}

HELP_ORDER = (
    "join", "leave", "pause", "resume", "skip", "interests", "offer", "learn", "team",
    "location", "timezone", "hours", "avoid", "unavoid", "status", "history", "stats", "me",
    "forget-me", "config", "keep-apart", "preview", "match-now", "dashboard",
)  # fmt: skip


def help_message(topic: str | None = None) -> Message:
    if topic:
        key = topic.lower().lstrip("/")
        if key in USAGE:
            return text_message(USAGE[key])
        return text_message(
            ("There's no command called `", UserText(topic[:40]), "`."), _all_commands()
        )
    return text_message(
        "*WarmIntro* pairs you with a colleague for a short chat every round — to learn "
        "something, not to network.",
        _all_commands(),
        "Say thanks any time: " + USAGE["thanks"],
    )


def _all_commands() -> str:
    return "\n".join("• " + USAGE[k] for k in HELP_ORDER)
