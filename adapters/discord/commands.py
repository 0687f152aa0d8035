"""`/coffee …` and `/thanks` as Discord application commands.

Options become the core's command dataclasses (`bot.commands`) and go to `WarmIntro.run`;
free-text options (topics, pause length, team, time zone) go through the core's own parser via
`WarmIntro.coffee`, so Discord and Slack accept exactly the same words. `/coffee setup` maps to
`WarmIntro.setup_program` with the core's config keys. Everything runs in servers only.
`CoffeeGroup` holds the subcommands; the `Router` it is built with takes them to the core.
"""

from __future__ import annotations

import logging
from dataclasses import fields
from functools import cache
from typing import Any, Literal
from zoneinfo import available_timezones

import discord
from discord import app_commands

from adapters.discord.router import Router
from bot import commands as cmd
from bot import wording
from bot.matching.types import Weights
from bot.program_settings import RULE_VALUES

logger = logging.getLogger(__name__)

MAX_CHOICES = 25
CONFIG_KEYS = (
    "cadence", "day", "time", "timezone", "purpose", "thanks-channel", "active", "size",
    "ghost_after", "digest",
    *(f"rule.{name}" for name in RULE_VALUES),
    *(f"weight.{f.name}" for f in fields(Weights)),
)  # fmt: skip
TIMES = tuple(f"{h:02d}:{m:02d}" for h in range(6, 22) for m in (0, 30))

Cadence = Literal["weekly", "biweekly", "monthly"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


async def complete_timezone(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """IANA zones containing what was typed (`berl` → Europe/Berlin); prefix matches first."""
    query = current.strip().lower().replace(" ", "_")
    zones = _zones()
    if query:
        hits = [z for z in zones if query in z.lower()]
        zones = tuple(
            sorted(hits, key=lambda z: (not z.lower().split("/")[-1].startswith(query), z))
        )
    return [app_commands.Choice(name=z, value=z) for z in zones[:MAX_CHOICES]]


async def complete_time(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    query = current.strip()
    times = [t for t in TIMES if t.startswith(query)] or list(TIMES)
    return [app_commands.Choice(name=t, value=t) for t in times[:MAX_CHOICES]]


class CoffeeGroup(
    app_commands.Group,
    name="coffee",
    description="Coffee chats: pair up, learn something",
    guild_only=True,
):
    """`/coffee …`: one method per subcommand."""

    def __init__(self, router: Router) -> None:
        super().__init__()
        self.router = router
        for name, what in (
            ("interests", "What you're into"),
            ("offer", "What you can help others with"),
            ("learn", "What you'd like to learn"),
        ):
            self.add_command(self._tags_command(name, what))

    async def _run(
        self, interaction: discord.Interaction[Any], command: cmd.CoffeeCommand, **kw: Any
    ) -> None:
        await self.router.command(interaction, lambda app, actor: app.run(actor, command), **kw)

    async def _text(
        self, interaction: discord.Interaction[Any], name: str, value: str | None
    ) -> None:
        """A subcommand with free text, parsed by the core exactly as on Slack."""
        text = f"{name} {value.strip()}" if value and value.strip() else name
        await self.router.command(interaction, lambda app, actor: app.coffee(actor, text))

    def _tags_command(self, name: str, what: str) -> app_commands.Command[Any, Any, None]:
        @app_commands.command(name=name, description=f"{what}: a few topics, separated by commas")
        @app_commands.describe(topics="e.g. climbing, jazz, python; `clear` empties; empty shows")
        async def tags(
            interaction: discord.Interaction[Any],
            topics: app_commands.Range[str, 1, 1000] | None = None,
        ) -> None:
            await self._text(interaction, name, topics)

        return tags

    @app_commands.command(
        name="setup", description="Start coffee chats in this channel (Manage Server)"
    )
    @app_commands.describe(
        cadence="How often rounds run",
        day="The day rounds start",
        time="When rounds start, 24-hour HH:MM",
        timezone="The program's time zone, e.g. Europe/Berlin",
        purpose="Why this program exists, shown in every intro",
        thanks_channel="Where public thanks are posted (default: this channel)",
        size="People per group (2: pairs; a few groups may be one bigger or smaller)",
    )
    @app_commands.rename(thanks_channel="thanks-channel")
    @app_commands.autocomplete(time=complete_time, timezone=complete_timezone)
    async def setup(
        self,
        interaction: discord.Interaction[Any],
        cadence: Cadence | None = None,
        day: Weekday | None = None,
        time: app_commands.Range[str, 1, 5] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        purpose: app_commands.Range[str, 1, 500] | None = None,
        thanks_channel: discord.TextChannel | None = None,
        size: app_commands.Range[int, 2, 8] | None = None,
    ) -> None:
        given: dict[str, str | None] = {
            "cadence": cadence,
            "day": day,
            "time": time,
            "timezone": timezone,
            "purpose": purpose,
            "thanks-channel": f"<#{thanks_channel.id}>" if thanks_channel else None,
            "size": str(size) if size is not None else None,
        }
        settings = {key: value for key, value in given.items() if value is not None}
        name = getattr(interaction.channel, "name", None)
        await self.router.command(
            interaction, lambda app, actor: app.setup_program(actor, settings, name)
        )

    @app_commands.command(name="join", description="Join the coffee chats of this channel")
    async def join(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, cmd.Join(), joins=True)

    @app_commands.command(name="leave", description="Stop being matched in this channel")
    async def leave(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, cmd.Leave(), joins=False)

    @app_commands.command(name="pause", description="Take a break: 2w, 10 days, until 2026-12-24")
    @app_commands.describe(length="How long (leave empty to pause until you resume)")
    async def pause(
        self,
        interaction: discord.Interaction[Any],
        length: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        await self._text(interaction, "pause", length)

    @app_commands.command(name="resume", description="Be matched again after a pause")
    async def resume(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, cmd.Resume())

    @app_commands.command(name="skip", description="Sit out the next round only")
    async def skip(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, cmd.Skip())

    @app_commands.command(name="team", description="Your team (cross-team pairs are preferred)")
    @app_commands.describe(name="Your team's name; `clear` to remove it; empty to show it")
    async def team(
        self,
        interaction: discord.Interaction[Any],
        name: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        await self._text(interaction, "team", name)

    @app_commands.command(name="location", description="Your office or city (for in-person chats)")
    @app_commands.describe(place="e.g. Berlin; `clear` to remove it; empty to show it")
    async def location(
        self,
        interaction: discord.Interaction[Any],
        place: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        await self._text(interaction, "location", place)

    @app_commands.command(
        name="timezone", description="Your time zone, e.g. Europe/Berlin or UTC+2"
    )
    @app_commands.describe(zone="A zone name or UTC offset; empty to show yours")
    @app_commands.autocomplete(zone=complete_timezone)
    async def timezone(
        self,
        interaction: discord.Interaction[Any],
        zone: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        await self._text(interaction, "timezone", zone)

    @app_commands.command(name="hours", description="Your working hours, e.g. 10:00-18:00")
    @app_commands.describe(
        hours="HH:MM-HH:MM in your time zone; `reset` for 09:00-17:00; empty to show"
    )
    async def hours(
        self,
        interaction: discord.Interaction[Any],
        hours: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        await self._text(interaction, "hours", hours)

    # Discord allows 25 subcommands in a group: undoing an avoid is an option of `avoid`
    # (like keep-apart's `remove`), not a subcommand of its own.
    @app_commands.command(name="avoid", description="Never be grouped with someone (private)")
    @app_commands.describe(
        person="Who to avoid; leave empty to see your list",
        remove="Undo: you can be grouped with them again",
    )
    async def avoid(
        self,
        interaction: discord.Interaction[Any],
        person: discord.User | None = None,
        remove: bool = False,
    ) -> None:
        if remove and person is None:
            await self._text(interaction, "unavoid", None)  # the core says whom to name
        elif remove and person is not None:
            await self._run(interaction, cmd.Unavoid(str(person.id)))
        else:
            await self._run(interaction, cmd.Avoid(str(person.id) if person else None))

    @app_commands.command(name="keep-apart", description="Never group two people (admins)")
    @app_commands.describe(
        person="One of the two; leave both empty to see the list",
        other="The other one",
        remove="Drop this pair instead",
    )
    async def keep_apart(
        self,
        interaction: discord.Interaction[Any],
        person: discord.User | None = None,
        other: discord.User | None = None,
        remove: bool = False,
    ) -> None:
        if person is None and other is None:
            await self._run(interaction, cmd.KeepApart())
        elif person is None or other is None or person.id == other.id:
            await self._text(interaction, "keep-apart", "-")
        else:
            await self._run(interaction, cmd.KeepApart((str(person.id), str(other.id)), remove))

    @app_commands.command(name="status", description="Your profile, current match and next round")
    async def status(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, cmd.Status())

    @app_commands.command(name="history", description="Who you've met")
    async def history(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, cmd.History())

    @app_commands.command(name="stats", description="How this program is doing")
    async def stats(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, cmd.Stats())

    @app_commands.command(name="config", description="Program settings (admins)")
    @app_commands.describe(
        key="The setting; leave empty to see them all",
        value="The new value; leave empty to see the current one",
        channel="For thanks-channel: the channel",
    )
    @app_commands.choices(key=[app_commands.Choice(name=k, value=k) for k in CONFIG_KEYS])
    async def config(
        self,
        interaction: discord.Interaction[Any],
        key: str | None = None,
        value: app_commands.Range[str, 1, 500] | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        if channel is not None:
            value = f"<#{channel.id}>"
        await self._run(interaction, cmd.Config(key, value if key else None))

    @app_commands.command(name="preview", description="The next round's groups, not saved (admins)")
    async def preview(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, cmd.Preview())

    @app_commands.command(
        name="dashboard", description="A private sign-in link to the web dashboard (admins)"
    )
    async def dashboard(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, cmd.Dashboard())

    @app_commands.command(
        name="me", description="A private sign-in link to your own page: who you met, your data"
    )
    async def me(self, interaction: discord.Interaction[Any]) -> None:
        await self._run(interaction, cmd.MyPage())

    @app_commands.command(name="match-now", description="Start the next round now (admins)")
    @app_commands.describe(confirm="Yes, start another round though one started minutes ago")
    async def match_now(self, interaction: discord.Interaction[Any], confirm: bool = False) -> None:
        await self._run(interaction, cmd.MatchNow(confirmed=confirm))

    @app_commands.command(
        name="forget-me", description="Delete everything WarmIntro knows about you"
    )
    @app_commands.describe(confirm="Yes, delete it all (it can't be undone)")
    async def forget_me(self, interaction: discord.Interaction[Any], confirm: bool = False) -> None:
        await self._run(interaction, cmd.ForgetMe(confirmed=confirm))

    @app_commands.command(name="help", description="What WarmIntro can do")
    @app_commands.describe(command="One command to explain")
    @app_commands.choices(
        command=[app_commands.Choice(name=k, value=k) for k in wording.HELP_ORDER[:MAX_CHOICES]]
    )
    async def help_(
        self, interaction: discord.Interaction[Any], command: str | None = None
    ) -> None:
        await self._run(interaction, cmd.Help(command))


def thanks_command(router: Router) -> app_commands.Command[Any, Any, None]:
    """`/thanks @person … message`: posted publicly (or sent privately)."""

    @app_commands.command(name="thanks", description="Thank people: posted publicly (or privately)")
    @app_commands.describe(
        person="Who you're thanking",
        message="What you're thankful for",
        private="Only DM them instead of posting in the thanks channel",
        person2="Someone else to thank",
        person3="Someone else to thank",
        person4="Someone else to thank",
        person5="Someone else to thank",
    )
    @app_commands.guild_only()
    async def thanks(
        interaction: discord.Interaction[Any],
        person: discord.User,
        message: app_commands.Range[str, 1, 2000],
        private: bool = False,
        person2: discord.User | None = None,
        person3: discord.User | None = None,
        person4: discord.User | None = None,
        person5: discord.User | None = None,
    ) -> None:
        people = (person, person2, person3, person4, person5)
        recipients = tuple(dict.fromkeys(str(p.id) for p in people if p is not None))
        command = cmd.Thanks(recipients, message, private)
        await router.command(interaction, lambda app, actor: app.send_thanks(actor, command))

    return thanks


def add_commands(tree: app_commands.CommandTree[Any], router: Router) -> None:
    tree.add_command(CoffeeGroup(router))
    tree.add_command(thanks_command(router))
