"""The delivery ledger: every message the bot sends on its own goes through here.

A row is written in the same transaction as the change that causes it, then sent:
pending → sending (claimed by one worker with an atomic conditional UPDATE and a lease) →
sent | failed | cancelled. Results are fenced by the claim's attempt number.

A claim names its worker (`storage.worker`). A row left `sending` by a worker that is gone
(PostgreSQL: its advisory lock is free; SQLite: a previous run), or by this worker when
recording its result failed, is taken over at once, not after the lease, and is *in doubt*:
the platform may have it. So is a row whose post lost its response (`InDoubt`). An in-doubt
row is resolved before anything is posted again: `Platform.find_sent` finds it (Slack
message metadata in the conversation's history), or says a re-send is harmless (Discord's
nonce), or can't look; then it is re-sent and flagged `duplicate_risk` (and logged).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot import keys as key_of
from bot import metrics, wording
from bot.ledger import REDACTED_NOT_SENT, Outgoing, enqueue, is_redacted
from bot.messages import Message
from bot.ports import (
    DMS_CLOSED,
    CannotLook,
    ChannelTarget,
    ConversationTarget,
    DirectTarget,
    GroupTarget,
    InDoubt,
    PlatformError,
    RecipientsUnavailable,
    SentRef,
    Target,
    target_from_dict,
)
from bot.regroup import regroup
from bot.states import CHECKIN_KINDS, DeliveryKind, DeliveryStatus, GroupOutcome
from storage.engine import is_transient
from storage.models import Delivery
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.core import Core

logger = logging.getLogger(__name__)

# Longer than any one platform call can take, retries and Retry-After waits included (the
# Slack port caps its waits); results are fenced by the claim's attempt number anyway.
LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 8
BATCH = 200
# Recording a result retries transient database errors this many times, backing off.
RECORD_TRIES = 5
RECORD_BACKOFF = 0.05  # seconds, ×4 each try

# Kinds sent into the group's conversation once the intro has opened it.
GROUP_CONVERSATION_KINDS = {*CHECKIN_KINDS, DeliveryKind.SLOT_SETTLED}
# Reasons that mean the person is gone for good (not just unreachable by DM).
GONE_REASONS = {"user_not_found", "user_disabled", "account_inactive", "left_server"}


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 15 * 2 ** max(0, attempts - 1)))


@dataclass(slots=True)
class _Claimed:
    id: int
    workspace: str
    key: str
    kind: str
    group_id: int | None
    attempts: int
    target: Target
    message: Message
    in_doubt_since: datetime | None = None


class Outbox:
    def __init__(self, core: Core) -> None:
        self.core = core
        # Workspaces' external ids by row id: a workspace row is never renumbered.
        self._workspaces: dict[int, str] = {}

    async def flush(self, keys: list[str] | None = None) -> int:
        """Send what is due (or just the rows with `keys`). Returns how many were sent.

        Rows a dead worker left `sending` go first. One row's failure (even the database
        failing under it) never stops the others: it is logged and the row resolved later.
        """
        sent = 0
        if not self.core.delivers():
            # A replica that isn't the elected scheduler: the rows are committed and due, and
            # the leader's next tick sends them (one process spends the rate limits).
            logger.debug("not the scheduler: %s deliveries left for its tick", len(keys or []))
            return 0
        if keys is not None and len(keys) == 1:
            # One row (a command's interview DM): claimed by its key, no look-up of its id.
            return await self._send_guarded(None, key=keys[0])
        if keys is None:
            for delivery_id, attempts in await self._orphans():
                sent += await self._send_guarded(delivery_id, takeover=attempts)
        while True:
            async with self.core.reading() as uow:
                if keys is not None:
                    ids = await uow.deliveries.ids_by_key(keys)
                else:
                    ids = await uow.deliveries.due_ids(
                        self.core.now(), BATCH, self.core.platform.name
                    )
            for delivery_id in ids:
                sent += await self._send_guarded(delivery_id)
            if keys is not None or len(ids) < BATCH:
                return sent

    async def _orphans(self) -> list[tuple[int, int]]:
        """Rows `sending` under a claim nobody will finish: (id, attempts) to take over."""
        worker = self.core.db.worker
        me = await worker.ensure()
        async with self.core.reading() as uow:
            rows = await uow.deliveries.sending(self.core.platform.name)
        rows = [r for r in rows if r[0] not in worker.in_flight]
        if not rows:
            return []
        alive = await worker.alive(w for _, w, _ in rows)

        def gone(owner: str | None) -> bool:
            if owner is None:  # claimed before claims named workers: SQLite's previous run
                return not worker.postgres
            return owner == me or owner not in alive  # ours but not in flight: unrecorded

        orphans = [(i, attempts) for i, owner, attempts in rows if gone(owner)]
        if orphans:
            logger.warning("taking over %s deliveries of workers that are gone", len(orphans))
            metrics.IN_DOUBT.inc(len(orphans))
        return orphans

    async def _send_guarded(
        self, delivery_id: int | None, takeover: int | None = None, key: str | None = None
    ) -> int:
        try:
            if key is not None:
                return await self.send_key(key)
            assert delivery_id is not None
            return await self.send_one(delivery_id, takeover=takeover)
        except Exception:
            logger.exception(
                "delivery %s: left for later (will be resolved in doubt)", delivery_id or key
            )
            return 0

    async def send_one(self, delivery_id: int, takeover: int | None = None) -> int:
        worker = self.core.db.worker
        if delivery_id in worker.in_flight:
            return 0  # this process is sending it right now
        worker.in_flight.add(delivery_id)
        follow_up: list[str] = []
        try:
            claimed = await self._claim(delivery_id, await worker.ensure(), takeover)
            if claimed is None:
                return 0
            sent = await self._deliver(delivery_id, claimed, follow_up)
        finally:
            worker.in_flight.discard(delivery_id)
        if follow_up:
            await self.flush(follow_up)
        return sent

    async def send_key(self, key: str) -> int:
        """`send_one` for the row with `key`: claimed by its key, unless this process is
        sending it right now (its id is in flight: the claim leaves it alone)."""
        worker = self.core.db.worker
        me = await worker.ensure()
        claimed = await self._claim(None, me, key=key)
        if claimed is None:
            return 0
        delivery_id = claimed.id
        worker.in_flight.add(delivery_id)  # no await since the claim's commit: nobody raced us
        follow_up: list[str] = []
        try:
            sent = await self._deliver(delivery_id, claimed, follow_up)
        finally:
            worker.in_flight.discard(delivery_id)
        if follow_up:
            await self.flush(follow_up)
        return sent

    async def _deliver(self, delivery_id: int, claimed: _Claimed, follow_up: list[str]) -> int:
        platform = self.core.platform
        risky = False
        try:
            if claimed.in_doubt_since is not None:
                try:
                    found = await platform.find_sent(
                        claimed.workspace, claimed.target, claimed.key, claimed.in_doubt_since
                    )
                except CannotLook as exc:
                    risky = True
                    logger.warning(
                        "delivery %s is in doubt and %s can't look (%s): sending it again, "
                        "it may arrive twice",
                        delivery_id,
                        platform.name,
                        exc.reason,
                    )
                else:
                    if found is not None:
                        logger.info("delivery %s in doubt: it had arrived", delivery_id)
                        await self._record(delivery_id, self._sent, claimed, found)
                        return 1
            ref = await platform.send(
                claimed.workspace, claimed.target, claimed.message, key=claimed.key
            )
        except RecipientsUnavailable as exc:
            follow_up += await self._record(delivery_id, self._unavailable, claimed, exc)
            return 0
        except InDoubt as exc:
            metrics.IN_DOUBT.inc()
            await self._record(delivery_id, self._failed, claimed, exc.reason, True, True)
            return 0
        except PlatformError as exc:
            await self._record(delivery_id, self._failed, claimed, exc.reason, exc.retryable)
            return 0
        except Exception as exc:
            logger.exception("delivery %s: unexpected error", delivery_id)
            await self._record(
                delivery_id, self._failed, claimed, f"{type(exc).__name__}: {exc}", True
            )
            return 0
        await self._record(delivery_id, self._sent, claimed, ref, risky)
        return 1

    @staticmethod
    async def _record(delivery_id: int, step: Callable[..., Awaitable[Any]], *args: object) -> Any:
        """Record a result, trying again on transient database errors (a lost connection,
        a serialization failure). Giving up leaves the row claimed: it is resolved later."""
        for attempt in range(1, RECORD_TRIES + 1):
            try:
                return await step(delivery_id, *args)
            except Exception as exc:
                if attempt == RECORD_TRIES or not is_transient(exc):
                    raise
                logger.warning(
                    "delivery %s: recording the result failed (%s); try %s of %s",
                    delivery_id,
                    type(exc).__name__,
                    attempt + 1,
                    RECORD_TRIES,
                )
                await asyncio.sleep(RECORD_BACKOFF * 4 ** (attempt - 1))

    async def _claim(
        self,
        delivery_id: int | None,
        worker: str,
        takeover: int | None = None,
        key: str | None = None,
    ) -> _Claimed | None:
        """Claim the row (by id, or by `key`) in a transaction of its own: one conditional
        UPDATE … RETURNING; its target resolved (or the row cancelled) in the same one."""
        now = self.core.now()
        async with self.core.uow() as uow:
            deliveries = uow.deliveries
            if key is not None:
                busy = self.core.db.worker.in_flight
                row = await deliveries.claim_by_key(key, now, now + LEASE, worker, busy)
            else:
                assert delivery_id is not None
                row = await deliveries.claim(delivery_id, now, now + LEASE, worker, takeover)
            if row is None:
                return None
            if is_redacted(row):  # emptied by a forget-me while it was in flight
                await deliveries.cancel(row.id, REDACTED_NOT_SENT)
                metrics.delivery(row.kind, "cancelled")
                return None
            target = await self._resolve_target(uow, row.target, row.kind, row.group_id)
            if target is None:
                await deliveries.cancel(row.id, "no longer needed")
                metrics.delivery(row.kind, "cancelled")
                return None
            workspace = self._workspaces.get(row.workspace_id)
            if workspace is None:
                workspace = (await uow.workspaces.get(row.workspace_id)).external_id
                self._workspaces[row.workspace_id] = workspace
            return _Claimed(
                row.id,
                workspace,
                row.key,
                row.kind,
                row.group_id,
                row.attempts,
                target,
                Message.from_dict(row.payload),
                row.in_doubt_since,
            )

    async def _resolve_target(
        self, uow: UnitOfWork, stored: dict[str, Any], kind: str, group_id: int | None
    ) -> Target | None:
        target = target_from_dict(stored)
        if kind in GROUP_CONVERSATION_KINDS and group_id is not None:
            group = await uow.rounds.group(group_id)
            if group is None or group.outcome in {GroupOutcome.MET, GroupOutcome.SKIPPED}:
                return None  # they already answered; don't nag
            if group.conversation_ref:
                return ConversationTarget(SentRef.decode(group.conversation_ref).conversation_id)
        return target

    @staticmethod
    async def _fenced(uow: UnitOfWork, delivery_id: int, claimed: _Claimed) -> Delivery | None:
        """The row, locked, if this worker's claim still holds it; None if another took over."""
        row = await uow.deliveries.locked(delivery_id)
        if row.status != DeliveryStatus.SENDING or row.attempts != claimed.attempts:
            if row.attempts == claimed.attempts:  # our own earlier try committed after all
                logger.info("delivery %s: result already recorded", delivery_id)
                return None
            logger.warning(
                "delivery %s: claim #%s was superseded (now %s #%s); result ignored",
                delivery_id,
                claimed.attempts,
                row.status,
                row.attempts,
            )
            return None
        return row

    async def _sent(
        self, delivery_id: int, claimed: _Claimed, ref: SentRef, risky: bool = False
    ) -> None:
        now = self.core.now()
        async with self.core.uow() as uow:
            # Fenced in the UPDATE itself (still `sending` at our attempt); when it isn't,
            # `_fenced` reads the row to say why, and nothing is recorded.
            recorded = await uow.deliveries.record_sent(
                delivery_id, claimed.attempts, ref.encode(), now, risky
            )
            if recorded is None:
                await self._fenced(uow, delivery_id, claimed)
                return
            if recorded == "redacted":  # forgotten while in flight: where it went isn't kept
                metrics.delivery(claimed.kind, "sent")
                logger.info("delivery %s (%s) sent, then redacted", delivery_id, claimed.kind)
                return
            if risky:
                metrics.DUPLICATE_RISK.inc()
            metrics.delivery(claimed.kind, "sent")
            if claimed.kind == DeliveryKind.INTRO and claimed.group_id is not None:
                group = await uow.rounds.group(claimed.group_id)
                if group is not None:
                    group.conversation_ref = ref.encode()
        if risky:
            logger.warning(
                "delivery %s (%s) re-sent in doubt as %s: possible duplicate",
                delivery_id,
                claimed.kind,
                ref.encode(),
            )
        logger.info("delivery %s (%s) sent as %s", delivery_id, claimed.kind, ref.encode())

    async def _failed(
        self,
        delivery_id: int,
        claimed: _Claimed,
        reason: str,
        retryable: bool,
        in_doubt: bool = False,
    ) -> None:
        attempts = claimed.attempts
        async with self.core.uow() as uow:
            row = await self._fenced(uow, delivery_id, claimed)
            if row is None:
                return
            if is_redacted(row):  # forgotten while in flight: never tried again
                row.status = DeliveryStatus.CANCELLED
                metrics.delivery(claimed.kind, "cancelled")
                return
            row.error = reason[:1000]
            if in_doubt and row.in_doubt_since is None:
                row.in_doubt_since = row.claimed_at or self.core.now()
            if retryable and attempts < MAX_ATTEMPTS:
                row.status = DeliveryStatus.PENDING
                row.due_at = self.core.now() + backoff(attempts)
                metrics.delivery(claimed.kind, "retry")
                logger.warning("delivery %s: %s; retry #%s later", delivery_id, reason, attempts)
            else:
                row.status = DeliveryStatus.FAILED
                metrics.delivery(claimed.kind, "failed")
                logger.error("delivery %s failed for good: %s", delivery_id, reason)

    async def _unavailable(
        self, delivery_id: int, claimed: _Claimed, exc: RecipientsUnavailable
    ) -> list[str]:
        """Skip people who can't be reached and keep the rest of the round going.

        Returns the keys to send next (the intro again to those left, notices)."""
        logger.warning("delivery %s: %s unavailable (%s)", delivery_id, exc.user_ids, exc.reason)
        gone = set(exc.user_ids)
        follow_up: list[str] = []
        now = self.core.now()
        async with self.core.uow() as uow:
            row = await self._fenced(uow, delivery_id, claimed)
            if row is None:
                return []
            row.error = f"{exc.reason}: {', '.join(sorted(gone))}"[:1000]
            metrics.delivery(claimed.kind, "unavailable")
            lost = await uow.members.by_external_ids(row.workspace_id, gone)
            if exc.reason in GONE_REASONS:
                for member in lost:
                    member.deactivated = True
            target = claimed.target
            if (
                isinstance(target, GroupTarget)
                and claimed.kind == DeliveryKind.INTRO
                and row.group_id
            ):
                follow_up += await regroup(uow, row, target, lost, exc, now)
            else:
                row.status = DeliveryStatus.FAILED
                closed = exc.reason == DMS_CLOSED and isinstance(target, DirectTarget)
                if closed and target.fallback_channel_id:  # type: ignore[union-attr]
                    follow_up += await self._tell_dms_closed(uow, row, target, now)  # type: ignore[arg-type]
        return follow_up

    async def _tell_dms_closed(
        self, uow: UnitOfWork, row: Delivery, target: DirectTarget, now: datetime
    ) -> list[str]:
        """Say so in the program channel (no content, at most once a day per person)."""
        assert target.fallback_channel_id is not None
        item = Outgoing(
            key=key_of.dms_closed(target.user_id, now),
            kind=DeliveryKind.DMS_CLOSED,
            target=ChannelTarget(target.fallback_channel_id),
            message=wording.dms_closed(target.user_id),
            due_at=now,
            recipient=target.user_id,
        )
        return [item.key] if await enqueue(uow, row.workspace_id, item, now) else []


__all__ = ["LEASE", "Outbox", "Outgoing", "enqueue"]
