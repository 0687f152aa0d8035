"""What every use case gets: who acted, and one way to open a transaction as them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.core import Actor, Core
from bot.outbox import Outbox
from bot.ports import UserInfo
from storage.models import Member, Program
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
        ids = [self.actor.user_id, *also]
        self.profiles = await self.core.known_users(self.actor.workspace_id, ids)
        async with self.core.uow() as uow:
            yield uow, await self.core.actor_member(uow, self.actor, self.profiles)

    def is_admin(self, program: Program) -> bool:
        return self.core.is_admin(self.actor, program)

    async def flush(self) -> None:
        """Send what this request queued (after its transaction committed)."""
        if self.to_send:
            keys, self.to_send = self.to_send, []
            await self.outbox.flush(keys)
