"""The dashboard's sign-in links (issued, redeemed once) and its generated secrets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from storage.models import SignInLink, WebSecret
from storage.repositories.base import Repository


class SignInRepository(Repository):
    async def issue(
        self, link_id: str, workspace_id: int, role: str, now: datetime, expires_at: datetime
    ) -> None:
        await self._add_flushed(
            SignInLink(
                id=link_id, workspace_id=workspace_id, role=role, issued_at=now,
                expires_at=expires_at,
            )
        )  # fmt: skip

    async def redeem(self, link_id: str, workspace_id: int, now: datetime) -> bool:
        """Mark the link used, if it was issued for this workspace, is unused and not expired
        (a conditional UPDATE: of two racing redemptions exactly one wins)."""
        result = await self._s.execute(
            update(SignInLink)
            .where(
                SignInLink.id == link_id,
                SignInLink.workspace_id == workspace_id,
                SignInLink.used_at.is_(None),
                SignInLink.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def purge(self, before: datetime) -> None:
        """Drop links that expired before `before` (they can never be redeemed)."""
        await self._s.execute(delete(SignInLink).where(SignInLink.expires_at < before))

    async def secret(self, name: str, make: str, now: datetime) -> str:
        """The stored secret `name`, created with `make` on first use (a racer's value wins)."""
        found = await self._s.get(WebSecret, name)
        if found is not None:
            return found.value
        row = await self._insert_or_get(
            WebSecret(name=name, value=make, created_at=now),
            select(WebSecret).where(WebSecret.name == name),
        )
        return row.value
