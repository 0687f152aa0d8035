"""The core's shared context: database, platform, clock and settings for one platform."""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.background import Background
from bot.clock import Clock
from bot.config import Settings
from bot.ports import Platform, UserInfo
from storage.engine import Database
from storage.models import Member, Program, Workspace
from storage.uow import UnitOfWork, read_only, unit_of_work

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something, where. Built by the adapter from the platform's payload."""

    workspace_id: str
    user_id: str
    channel_id: str | None = None  # where a command was typed; None in a DM
    is_admin: bool = False  # the platform says: workspace admin/owner, Manage Server, …
    display_name: str | None = None
    # When knowing `is_admin` costs a platform call (Slack's users.info): how to ask. Asked
    # only for the commands that need it (`bot.commands.ADMIN_COMMANDS`), before any
    # transaction opens; `WarmIntro` then sets `is_admin` from the answer.
    admin_check: Callable[[], Awaitable[bool]] | None = field(
        default=None, compare=False, repr=False
    )
    # The platform vouched for this person (Slack: a signed request from them), so a first
    # sight needn't wait for their profile: it is fetched after the reply.
    vouched: bool = False

    async def resolved(self) -> Actor:
        """This actor with `is_admin` known (the platform asked now, if it must be)."""
        if self.admin_check is None or self.is_admin:
            return replace(self, admin_check=None)
        return replace(self, is_admin=await self.admin_check(), admin_check=None)


def provisional_profile(user_id: str) -> UserInfo:
    """A stand-in until `Core.refresh_profile` has asked the platform: named by the id."""
    return UserInfo(user_id, user_id)


def _apply(member: Member, info: UserInfo) -> None:
    """What the platform says about a person, onto their member row (a time zone only where
    they haven't set one). Only what differs is assigned: a row left unchanged stays clean
    (nothing for the session to flush)."""
    if member.is_bot != info.is_bot:
        member.is_bot = info.is_bot
    if member.deactivated != info.deactivated:
        member.deactivated = info.deactivated
    if info.timezone or info.utc_offset_hours is not None:
        profile = member.profile
        if profile.timezone is None and profile.utc_offset_hours is None:
            profile.timezone = info.timezone
            profile.utc_offset_hours = info.utc_offset_hours


class UnknownUser(Exception):
    def __init__(self, user_id: str) -> None:
        super().__init__(user_id)
        self.user_id = user_id


class Core:
    def __init__(
        self,
        db: Database,
        platform: Platform,
        clock: Clock,
        settings: Settings | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.platform = platform
        self.clock = clock
        self.settings = settings or Settings()
        # Round seeds come from here: pass a seeded Random for reproducible runs (tests, demo).
        self.rng = rng or random.SystemRandom()
        # Work that continues after a reply (a round's intros); a graceful stop waits for it.
        self.background = Background()
        # Whether this process sends deliveries: only the elected scheduler does when several
        # replicas serve a platform (`serve` wires it to the leadership), so the platform's
        # rate limits are spent by one process. Elsewhere the rows wait, due, for its tick.
        self.delivers: Callable[[], bool] = lambda: True
        # When this process last read each program's pool from the platform (program id → time).
        self.pool_synced: dict[int, datetime] = {}
        # Workspace row ids by external id: a workspace row is never deleted or renumbered, so
        # once seen committed its id is looked up from here, not the database.
        self._workspace_ids: dict[str, int] = {}

    def deliver_soon(
        self,
        sending: Coroutine[Any, Any, object],
        then: Callable[[], Awaitable[object]] | None = None,
        name: str = "request-deliveries",
    ) -> None:
        """Run `sending` (an outbox flush) after the caller has answered, tracked by
        `background`: a graceful stop waits for it, `settle()` too."""

        async def send() -> None:
            await sending
            if then is not None:
                await then()

        self.background.spawn(send(), name)

    async def settle(self) -> None:
        """Wait until the work started after replies (deliveries, a round's intros) is done.
        For harnesses and one-shot runs (tests, the console, `bench/`); servers never wait."""
        await self.background.drain()

    def now(self) -> datetime:
        return self.clock.now()

    async def sleep(self, seconds: float) -> None:
        """A short wait between retries, on the core's clock (instant on a fake clock)."""
        await self.clock.sleep(seconds)

    def uow(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A unit of work over one transaction: committed on success, rolled back on error."""
        return unit_of_work(self.db)

    def reading(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """A read-only unit of work (no write lock on SQLite); nothing done in it is kept."""
        return read_only(self.db)

    async def workspace(self, uow: UnitOfWork, external_id: str) -> Workspace:
        return await uow.workspaces.get_or_create(self.platform.name, external_id, self.now())

    async def workspace_id(self, uow: UnitOfWork, external_id: str) -> int | None:
        """The stored workspace's row id (None if it isn't stored), cached once a read-only
        unit of work has seen it committed (a write's own new row could still roll back)."""
        known = self._workspace_ids.get(external_id)
        if known is not None:
            return known
        ws = await uow.workspaces.find(self.platform.name, external_id)
        if ws is not None and uow.read_only:
            self._workspace_ids[external_id] = ws.id
        return ws.id if ws is not None else None

    async def known_users(
        self, workspace_id: str, user_ids: Iterable[str], provisional: str | None = None
    ) -> dict[str, UserInfo | None]:
        """The platform's profiles of users we haven't stored yet, fetched *before* a write
        transaction opens: a platform call never runs while the database is locked.

        `provisional`: a user the platform has just vouched for (the signed request's own
        actor) whose profile need not hold up the answer: if not stored, they get a
        placeholder profile (`provisional_profile`) and `refresh_profile` fills it in later."""
        async with self.reading() as uow:
            ws_id = await self.workspace_id(uow, workspace_id)
            missing = [
                u for u in dict.fromkeys(user_ids)
                if ws_id is None or await uow.members.find(ws_id, u) is None
            ]  # fmt: skip
        return {
            u: provisional_profile(u)
            if u == provisional
            else await self.platform.user_info(workspace_id, u)
            for u in missing
        }

    async def refresh_profile(self, workspace_id: str, user_id: str) -> None:
        """Fill a placeholder profile in from the platform (after the reply that made it):
        the name where it is still the placeholder's, the rest as `_apply` would."""
        info = await self.platform.user_info(workspace_id, user_id)
        if info is None:
            return
        zone = None
        if info.timezone or info.utc_offset_hours is not None:
            zone = (info.timezone, info.utc_offset_hours)
        async with self.uow() as uow:
            ws_id = await self.workspace_id(uow, workspace_id)
            if ws_id is not None:
                fields = {
                    "display_name": info.display_name,
                    "is_bot": info.is_bot,
                    "deactivated": info.deactivated,
                }
                await uow.members.apply_platform_profile(ws_id, user_id, user_id, fields, zone)

    async def member(
        self,
        uow: UnitOfWork,
        workspace: Workspace,
        user_id: str,
        known: dict[str, UserInfo | None] | None = None,
    ) -> Member:
        """The member for `user_id`, created from the platform's profile on first sight.

        Pass `known` (from `known_users`) so that no platform call happens in the transaction.
        """
        return await self._member(uow, workspace.id, workspace.external_id, user_id, known)

    async def _member(
        self,
        uow: UnitOfWork,
        ws_id: int,
        ws_external: str,
        user_id: str,
        known: dict[str, UserInfo | None] | None = None,
        provisional: str | None = None,
    ) -> Member:
        """`member`; `provisional` (a vouched actor) is stored on first sight with a
        placeholder profile, noted in `known` (so the caller refreshes it after the reply)."""
        found = await uow.members.find(ws_id, user_id)
        if found is not None:
            return uow.members.with_profile(found, self.now())
        if known is not None and user_id in known:
            info = known[user_id]
        elif user_id == provisional and known is not None:
            info = known[user_id] = provisional_profile(user_id)
        else:
            logger.debug("user %s looked up inside a transaction", user_id)
            info = await self.platform.user_info(ws_external, user_id)
        if info is None:
            raise UnknownUser(user_id)
        member = await uow.members.create(
            ws_id,
            user_id,
            info.display_name,
            self.now(),
            is_bot=info.is_bot,
            deactivated=info.deactivated,
            timezone=info.timezone,
            utc_offset_hours=info.utc_offset_hours,
        )
        _apply(member, info)  # stored already: nothing changes
        return member

    async def actor_member(
        self,
        uow: UnitOfWork,
        actor: Actor,
        known: dict[str, UserInfo | None] | None = None,
        provisional: str | None = None,
    ) -> Member:
        """The actor's member row (created on first sight). The workspace's row id comes from
        the cache when it is known (`remember_workspace` after a commit)."""
        ws_id = self._workspace_ids.get(actor.workspace_id)
        if ws_id is None:
            ws_id = (await self.workspace(uow, actor.workspace_id)).id
        member = await self._member(
            uow, ws_id, actor.workspace_id, actor.user_id, known, provisional
        )
        if actor.display_name and member.display_name != actor.display_name:
            member.display_name = actor.display_name
        return member

    def remember_workspace(self, external_id: str, row_id: int) -> None:
        """A workspace row seen in a transaction that has committed: it is there for good."""
        self._workspace_ids.setdefault(external_id, row_id)

    async def find_member(self, uow: UnitOfWork, workspace_id: str, user_id: str) -> Member | None:
        """A stored member (never created, never looked up on the platform)."""
        ws_id = await self.workspace_id(uow, workspace_id)
        return await uow.members.find(ws_id, user_id) if ws_id is not None else None

    async def program_at(
        self, uow: UnitOfWork, workspace_id: str, channel_id: str
    ) -> Program | None:
        ws_id = await self.workspace_id(uow, workspace_id)
        if ws_id is None:
            return None
        return await uow.programs.by_channel(ws_id, channel_id)

    async def channel_program(self, uow: UnitOfWork, actor: Actor) -> Program | None:
        if not actor.channel_id:
            return None
        return await self.program_at(uow, actor.workspace_id, actor.channel_id)

    async def command_program(
        self, uow: UnitOfWork, actor: Actor, member: Member, require_channel: bool = False
    ) -> Program | None:
        """The program a command is about: the channel's, else the member's only one."""
        program = await self.channel_program(uow, actor)
        if program is not None or require_channel:
            return program
        mine = await uow.programs.of_member(member.id)
        return mine[0] if len(mine) == 1 else None

    def is_admin(self, actor: Actor, program: Program) -> bool:
        return actor.is_admin or (
            program.added_by is not None and program.added_by == actor.user_id
        )
