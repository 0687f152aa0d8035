"""What every use case gets: who acted, and one way to open a transaction as them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.core import Actor, Core
from bot.outbox import Outbox
from bot.ports import UserInfo
from storage.models import Member, Program
from storage.repositories.programs import MemberStatus
from storage.uow import UnitOfWork


@dataclass(slots=True)
class Context:
    """One request: the core, the outbox, the actor, and the deliveries to send once the
    request's transaction has committed (`to_send`)."""

    core: Core
    outbox: Outbox
    actor: Actor
    to_send: list[str] = field(default_factory=list)
    # Platform profiles fetched by `as_member` before its transaction (user id → profile).
    profiles: dict[str, UserInfo | None] = field(default_factory=dict)

    @asynccontextmanager
    async def as_member(self, *also: str) -> AsyncIterator[tuple[UnitOfWork, Member]]:
        """A transaction and the actor's member row (created on first sight). Profiles of
        people not stored yet (the actor, and `also`) are fetched from the platform first:
        no platform call runs inside the transaction."""
        actor = self.actor
        ids = [actor.user_id, *also]
        # Where the platform names nobody in the request (Slack), a newcomer's own profile is
        # a users.info call, rate limited (100 a minute): it is asked after the reply.
        later = actor.user_id if actor.display_name is None and actor.vouched else None
        if also or later is None:
            self.profiles = await self.core.known_users(actor.workspace_id, ids, later)
        else:
            # Only the vouched actor, whose first sight needs no platform call: no read
            # beforehand; `actor_member` stores them with a placeholder and notes it here.
            self.profiles = {}
        async with self.core.uow() as uow:
            member = await self.core.actor_member(uow, actor, self.profiles, later)
            ws_id = member.workspace_id
            yield uow, member
        self.core.remember_workspace(actor.workspace_id, ws_id)
        if later is not None and later in self.profiles:
            self.core.background.spawn(
                self.core.refresh_profile(actor.workspace_id, later), "profile-refresh"
            )

    @asynccontextmanager
    async def reading_member(self) -> AsyncIterator[tuple[UnitOfWork, Member]]:
        """A read-only transaction and the actor's member, for commands that only read. When
        the member must first be written (first sight, a new display name), `as_member`."""
        async with self.core.reading() as uow:
            member = await self.core.find_member(uow, self.actor.workspace_id, self.actor.user_id)
            if member is not None and self._up_to_date(member):
                yield uow, member
                return
        async with self.as_member() as found:
            yield found

    @asynccontextmanager
    async def reading_status(self) -> AsyncIterator[tuple[UnitOfWork, MemberStatus]]:
        """`reading_member`, with what `/coffee status` shows besides (the programs the member
        is in, their current group, colleagues met), read with the member in one statement."""
        async with self.core.reading() as uow:
            ws_id = await self.core.workspace_id(uow, self.actor.workspace_id)
            if ws_id is not None:
                found = await uow.programs.member_status(ws_id, self.actor.user_id)
                if found is not None and self._up_to_date(found.member):
                    yield uow, found
                    return
        async with self.as_member() as (uow, member):
            mine = await uow.programs.memberships_of(member.id)
            current, met = await uow.rounds.current_group_and_colleagues(member.id)
            yield uow, MemberStatus(member, mine, current, met)

    def _up_to_date(self, member: Member) -> bool:
        name = self.actor.display_name
        return member.profile is not None and (not name or member.display_name == name)

    def is_admin(self, program: Program) -> bool:
        return self.core.is_admin(self.actor, program)

    async def flush(self, then: Callable[[], Awaitable[object]] | None = None) -> None:
        """Send what this request queued (after its transaction committed), *after* the reply:
        in a tracked background task (`Core.deliver_soon`), so a slow or rate-limited platform
        call (an interview DM waiting for its `conversations.open` token) never holds up the
        answer. `then` runs once they are sent (e.g. to note where a post landed).

        The rows are already committed `pending` and due: if the process dies first, the next
        tick sends them; nothing is lost and nothing is sent twice (the outbox's claims)."""
        if self.to_send:
            keys, self.to_send = self.to_send, []
            self.core.deliver_soon(self.outbox.flush(keys), then)
