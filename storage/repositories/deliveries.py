"""The delivery ledger's queries: insert by key, find what is due, claim with a fence.

A claim is one conditional UPDATE (exactly one caller wins); a result is recorded on the row
`locked` returns, once the caller has checked that its claim's attempt number still holds.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import String, and_, bindparam, case, cast, delete, func, or_, select, update

from bot.states import DeliveryStatus
from storage.models import Delivery, Workspace
from storage.repositories.base import Repository, insert_new

PENDING, SENDING = DeliveryStatus.PENDING, DeliveryStatus.SENDING


@dataclass(frozen=True, slots=True)
class ClaimedRow:
    """A delivery as its claim left it (the claim's UPDATE … RETURNING)."""

    id: int
    key: str
    workspace_id: int
    kind: str
    group_id: int | None
    attempts: int
    target: dict[str, Any]
    payload: dict[str, Any]
    in_doubt_since: datetime | None


# The hot statements of sending one delivery, built once (their construction and cache key
# are reused: Core statements over the table, parameters bound at execution).
_T = Delivery.__table__.c
_CLAIMED = (
    _T.id,
    _T.key,
    _T.workspace_id,
    _T.kind,
    _T.group_id,
    _T.attempts,
    _T.target,
    _T.payload,
    _T.in_doubt_since,
)


@functools.cache
def _claim_statement(takeover: bool, by_key: bool) -> Any:
    now = bindparam("p_now")
    claimable = [
        and_(_T.status == PENDING, _T.due_at <= now),
        and_(_T.status == SENDING, _T.lease_until < now),
    ]
    if takeover:
        claimable.append(and_(_T.status == SENDING, _T.attempts == bindparam("p_takeover")))
    if by_key:
        which = [_T.key == bindparam("p_key"), _T.id.not_in(bindparam("p_busy", expanding=True))]
    else:
        which = [_T.id == bindparam("p_id")]
    doubt = case(
        (_T.status == SENDING, func.coalesce(_T.in_doubt_since, _T.claimed_at, _T.due_at)),
        else_=_T.in_doubt_since,
    )
    return (
        update(Delivery.__table__)
        .where(*which, or_(*claimable))
        .values(
            status=SENDING,
            lease_until=bindparam("p_lease"),
            attempts=_T.attempts + 1,
            claimed_by=bindparam("p_worker"),
            claimed_at=now,
            in_doubt_since=doubt,
        )
        .returning(*_CLAIMED)
    )


_RECORD_SENT = (
    update(Delivery.__table__)
    .where(
        _T.id == bindparam("p_id"),
        _T.status == SENDING,
        _T.attempts == bindparam("p_attempts"),
    )
    .values(
        status=DeliveryStatus.SENT,
        platform_ref=bindparam("p_ref"),
        sent_at=bindparam("p_now"),
        duplicate_risk=or_(_T.duplicate_risk, bindparam("p_risky")),
    )
    .returning(_T.payload)
)
_FORGET_REF = update(Delivery.__table__).where(_T.id == bindparam("p_id")).values(platform_ref=None)

# What `bot.ledger.redact` leaves of a message: it must never be sent, or sent again.
REDACTED_PAYLOAD: dict[str, Any] = {"redacted": True}


def is_redacted_payload(payload: Any) -> bool:
    return isinstance(payload, dict) and payload.get("redacted") is True


def _claimable(now: datetime) -> list[Any]:
    """Due rows: pending and due, or sending under a lease that ran out."""
    return [
        and_(Delivery.status == PENDING, Delivery.due_at <= now),
        and_(Delivery.status == SENDING, Delivery.lease_until < now),
    ]


class DeliveryRepository(Repository):
    async def add(self, row: dict[str, Any]) -> bool:
        """Insert unless a delivery with the same key (or round, group, kind and recipient)
        exists: one INSERT … ON CONFLICT DO NOTHING. True when inserted."""
        await self._s.flush()  # rows it may refer to (a round, a group) are written first
        inserted = await self._s.execute(insert_new(self._dialect, Delivery.__table__), row)
        return inserted.scalar_one_or_none() is not None

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert many deliveries in one statement; a row whose key (or round, group, kind and
        recipient) exists already is skipped, as `add` would (ON CONFLICT DO NOTHING)."""
        if not rows:
            return
        # The table, not the mapped class: a plain executemany, without the ORM's bulk-insert
        # bookkeeping per row (4,500 rows in a 3,000-member round).
        await self._s.execute(self._upsert(Delivery.__table__).on_conflict_do_nothing(), list(rows))

    async def due_ids(self, now: datetime, limit: int, platform: str) -> list[int]:
        """Due rows of one platform's workspaces (one database may serve several platforms)."""
        stmt = (
            select(Delivery.id)
            .join(Workspace, Workspace.id == Delivery.workspace_id)
            .where(Workspace.platform == platform, or_(*_claimable(now)))
            .order_by(Delivery.due_at, Delivery.id)
            .limit(limit)
        )
        return list((await self._s.execute(stmt)).scalars())

    async def backlog(self, now: datetime) -> dict[str, int]:
        """Rows waiting, by platform: pending and due by `now`, or being sent."""
        waiting = or_(
            and_(Delivery.status == PENDING, Delivery.due_at <= now), Delivery.status == SENDING
        )
        stmt = (
            select(Workspace.platform, func.count())
            .select_from(Delivery)
            .join(Workspace, Workspace.id == Delivery.workspace_id)
            .where(waiting)
            .group_by(Workspace.platform)
        )
        return {platform: int(n) for platform, n in (await self._s.execute(stmt)).all()}

    async def ids_by_key(self, keys: Sequence[str]) -> list[int]:
        if not keys:
            return []
        stmt = select(Delivery.id).where(Delivery.key.in_(keys)).order_by(Delivery.id)
        return list((await self._s.execute(stmt)).scalars())

    async def by_key(self, key: str) -> Delivery | None:
        stmt = select(Delivery).where(Delivery.key == key)
        return (await self._s.execute(stmt)).scalar_one_or_none()

    async def sending(self, platform: str) -> list[tuple[int, str | None, int]]:
        """Rows of one platform now `sending`: (id, claimed_by, attempts)."""
        stmt = (
            select(Delivery.id, Delivery.claimed_by, Delivery.attempts)
            .join(Workspace, Workspace.id == Delivery.workspace_id)
            .where(Workspace.platform == platform, Delivery.status == SENDING)
            .order_by(Delivery.due_at, Delivery.id)
        )
        return [(i, w, a) for i, w, a in (await self._s.execute(stmt)).all()]

    async def claim(
        self,
        delivery_id: int,
        now: datetime,
        lease_until: datetime,
        worker: str | None = None,
        takeover: int | None = None,
    ) -> ClaimedRow | None:
        """Atomically move a due row to `sending` for `worker`. Exactly one caller wins (and
        gets the row as claimed); the others get None.

        `takeover` takes a row still `sending` at that attempt number over from a dead worker.
        A row taken over from a claim (dead worker or expired lease) becomes *in doubt*: that
        claim may have posted it.
        """
        params = {"p_id": delivery_id, "p_now": now, "p_lease": lease_until, "p_worker": worker}
        if takeover is not None:
            params["p_takeover"] = takeover
        return await self._claimed(_claim_statement(takeover is not None, False), params)

    async def claim_by_key(
        self,
        key: str,
        now: datetime,
        lease_until: datetime,
        worker: str | None,
        busy: Collection[int] = (),
    ) -> ClaimedRow | None:
        """`claim` for the row with `key` (no look-up of its id first), unless it is one of
        `busy` (rows this process is sending right now)."""
        params = {"p_key": key, "p_now": now, "p_lease": lease_until, "p_worker": worker}
        params["p_busy"] = sorted(busy) or [0]  # ids start at 1
        return await self._claimed(_claim_statement(False, True), params)

    async def _claimed(self, stmt: Any, params: dict[str, Any]) -> ClaimedRow | None:
        row = (await self._s.execute(stmt, params)).first()
        return ClaimedRow(*row) if row is not None else None

    async def record_sent(
        self, delivery_id: int, attempts: int, ref: str, now: datetime, risky: bool = False
    ) -> Literal["sent", "redacted"] | None:
        """Record a post under the claim with `attempts` (fenced in the UPDATE itself: the row
        must still be `sending` at that attempt). None when that claim no longer holds;
        "redacted" when a forget-me emptied the row meanwhile (then where it landed isn't
        kept either)."""
        params = {"p_id": delivery_id, "p_attempts": attempts, "p_ref": ref, "p_now": now}
        params["p_risky"] = risky
        row = (await self._s.execute(_RECORD_SENT, params)).first()
        if row is None:
            return None
        if is_redacted_payload(row.payload):
            await self._s.execute(_FORGET_REF, {"p_id": delivery_id})
            return "redacted"
        return "sent"

    async def cancel(self, delivery_id: int, why: str) -> None:
        await self._s.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id)
            .values(status=DeliveryStatus.CANCELLED, error=why)
            .execution_options(synchronize_session=False)
        )

    async def get(self, delivery_id: int) -> Delivery:
        """The row as the database has it now (a claim just changed it behind the session)."""
        return await self._s.get_one(Delivery, delivery_id, populate_existing=True)

    async def locked(self, delivery_id: int) -> Delivery:
        """The row as the database has it now, locked until the transaction ends (the caller
        checks its claim still holds before recording a result)."""
        return await self._s.get_one(
            Delivery, delivery_id, with_for_update=True, populate_existing=True
        )

    async def duplicate_risk_count(self, since: datetime | None = None) -> int:
        """Deliveries re-sent in doubt where the platform couldn't be searched."""
        stmt = select(func.count()).select_from(Delivery).where(Delivery.duplicate_risk)
        if since is not None:
            stmt = stmt.where(Delivery.sent_at >= since)
        return int((await self._s.execute(stmt)).scalar_one())

    async def cancel_pending(self, **where: Any) -> int:
        stmt = update(Delivery).where(Delivery.status == PENDING)
        for column, value in where.items():
            stmt = stmt.where(getattr(Delivery, column) == value)
        result = await self._s.execute(
            stmt.values(status=DeliveryStatus.CANCELLED).execution_options(
                synchronize_session=False
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def of_group(self, group_id: int) -> list[Delivery]:
        stmt = select(Delivery).where(Delivery.group_id == group_id)
        return list((await self._s.execute(stmt)).scalars().all())

    async def delete_addressed_to(self, workspace_id: int, recipient: str) -> None:
        await self._s.execute(
            delete(Delivery).where(
                Delivery.workspace_id == workspace_id, Delivery.recipient == recipient
            )
        )

    async def delete_with_key_prefix(self, workspace_id: int, prefix: str) -> None:
        await self._s.execute(
            delete(Delivery).where(
                Delivery.workspace_id == workspace_id,
                Delivery.key.startswith(prefix, autoescape=True),
            )
        )

    async def mentioning(self, workspace_id: int, needles: Iterable[str]) -> list[Delivery]:
        """Rows whose key, recipient, error, reference, target or content may hold one of
        `needles` (case-insensitive; a cheap filter, the caller checks each row)."""
        columns = (
            Delivery.key,
            Delivery.recipient,
            Delivery.error,
            Delivery.platform_ref,
            cast(Delivery.target, String),
            cast(Delivery.payload, String),
        )
        maybe = or_(
            *(func.lower(c).contains(n.lower(), autoescape=True) for c in columns for n in needles)
        )
        stmt = select(Delivery).where(Delivery.workspace_id == workspace_id, maybe)
        return list((await self._s.execute(stmt)).scalars())
