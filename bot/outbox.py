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

from sqlalchemy import delete, select

from bot import copy
from bot import keys as key_of
from bot.intros import intro_message
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
    target_to_dict,
)
from bot.states import CHECKIN_KINDS, DeliveryKind, DeliveryStatus, GroupOutcome, RoundStatus
from storage.engine import is_transient
from storage.models import Delivery, Group, GroupMember, Member, Program, Round, Workspace
from storage.repo import Repo

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
GROUP_CONVERSATION_KINDS = set(CHECKIN_KINDS)
# Reasons that mean the person is gone for good (not just unreachable by DM).
GONE_REASONS = {"user_not_found", "user_disabled", "account_inactive", "left_server"}


@dataclass(frozen=True, slots=True)
class Outgoing:
    key: str
    kind: str
    target: Target
    message: Message
    due_at: datetime
    round_id: int | None = None
    group_id: int | None = None
    recipient: str = ""


async def enqueue(repo: Repo, workspace_id: int, item: Outgoing, now: datetime) -> bool:
    """Record a message to send. Idempotent by key: enqueueing the same key again is a no-op."""
    return await repo.add_delivery(
        Delivery(
            key=item.key,
            workspace_id=workspace_id,
            round_id=item.round_id,
            group_id=item.group_id,
            kind=item.kind,
            recipient=item.recipient,
            target=target_to_dict(item.target),
            payload=item.message.to_dict(),
            status=DeliveryStatus.PENDING,
            due_at=item.due_at,
            attempts=0,
            created_at=now,
        )
    )


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 15 * 2 ** max(0, attempts - 1)))


@dataclass(slots=True)
class _Claimed:
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

    async def flush(self, keys: list[str] | None = None) -> int:
        """Send what is due (or just the rows with `keys`). Returns how many were sent.

        Rows a dead worker left `sending` go first. One row's failure (even the database
        failing under it) never stops the others: it is logged and the row resolved later.
        """
        sent = 0
        if keys is None:
            for delivery_id, attempts in await self._orphans():
                sent += await self._send_guarded(delivery_id, takeover=attempts)
        while True:
            async with self.core.repo() as repo:
                if keys is not None:
                    ids = await repo.delivery_ids_by_key(keys)
                else:
                    ids = await repo.due_delivery_ids(
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
        async with self.core.repo() as repo:
            rows = await repo.sending_deliveries(self.core.platform.name)
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
        return orphans

    async def _send_guarded(self, delivery_id: int, takeover: int | None = None) -> int:
        try:
            return await self.send_one(delivery_id, takeover=takeover)
        except Exception:
            logger.exception("delivery %s: left for later (will be resolved in doubt)", delivery_id)
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
        self, delivery_id: int, worker: str, takeover: int | None = None
    ) -> _Claimed | None:
        now = self.core.now()
        async with self.core.repo() as repo:
            if not await repo.claim_delivery(delivery_id, now, now + LEASE, worker, takeover):
                return None
            row = await repo.s.get_one(Delivery, delivery_id, populate_existing=True)
            target = await self._resolve_target(repo, row)
            if target is None:
                row.status = DeliveryStatus.CANCELLED
                row.error = "no longer needed"
                return None
            workspace = await repo.s.get_one(Workspace, row.workspace_id)
            return _Claimed(
                workspace.external_id,
                row.key,
                row.kind,
                row.group_id,
                row.attempts,
                target,
                Message.from_dict(row.payload),
                row.in_doubt_since,
            )

    async def _resolve_target(self, repo: Repo, row: Delivery) -> Target | None:
        target = target_from_dict(row.target)
        if row.kind in GROUP_CONVERSATION_KINDS and row.group_id is not None:
            group = await repo.group(row.group_id)
            if group is None or group.outcome in {GroupOutcome.MET, GroupOutcome.SKIPPED}:
                return None  # they already answered; don't nag
            if group.conversation_ref:
                return ConversationTarget(SentRef.decode(group.conversation_ref).conversation_id)
        return target

    @staticmethod
    async def _fenced(repo: Repo, delivery_id: int, claimed: _Claimed) -> Delivery | None:
        """The row, locked, if this worker's claim still holds it; None if another took over."""
        row = await repo.s.get_one(
            Delivery, delivery_id, with_for_update=True, populate_existing=True
        )
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
        async with self.core.repo() as repo:
            row = await self._fenced(repo, delivery_id, claimed)
            if row is None:
                return
            row.status = DeliveryStatus.SENT
            row.platform_ref = ref.encode()
            row.sent_at = self.core.now()
            if risky:
                row.duplicate_risk = True
            if claimed.kind == DeliveryKind.INTRO and claimed.group_id is not None:
                group = await repo.group(claimed.group_id)
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
        async with self.core.repo() as repo:
            row = await self._fenced(repo, delivery_id, claimed)
            if row is None:
                return
            row.error = reason[:1000]
            if in_doubt and row.in_doubt_since is None:
                row.in_doubt_since = row.claimed_at or self.core.now()
            if retryable and attempts < MAX_ATTEMPTS:
                row.status = DeliveryStatus.PENDING
                row.due_at = self.core.now() + backoff(attempts)
                logger.warning("delivery %s: %s; retry #%s later", delivery_id, reason, attempts)
            else:
                row.status = DeliveryStatus.FAILED
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
        async with self.core.repo() as repo:
            row = await self._fenced(repo, delivery_id, claimed)
            if row is None:
                return []
            row.error = f"{exc.reason}: {', '.join(sorted(gone))}"[:1000]
            lost = list(
                (
                    await repo.s.execute(
                        select(Member).where(
                            Member.workspace_id == row.workspace_id,
                            Member.external_id.in_(gone),
                        )
                    )
                )
                .unique()
                .scalars()
            )
            if exc.reason in GONE_REASONS:
                for member in lost:
                    member.deactivated = True
            target = claimed.target
            if (
                isinstance(target, GroupTarget)
                and claimed.kind == DeliveryKind.INTRO
                and row.group_id
            ):
                follow_up += await self._regroup(repo, row, target, gone, lost, exc, now)
            else:
                row.status = DeliveryStatus.FAILED
                closed = exc.reason == DMS_CLOSED and isinstance(target, DirectTarget)
                if closed and target.fallback_channel_id:  # type: ignore[union-attr]
                    follow_up += await self._tell_dms_closed(repo, row, target, now)  # type: ignore[arg-type]
        return follow_up

    async def _tell_dms_closed(
        self, repo: Repo, row: Delivery, target: DirectTarget, now: datetime
    ) -> list[str]:
        """Say so in the program channel (no content, at most once a day per person)."""
        assert target.fallback_channel_id is not None
        item = Outgoing(
            key=key_of.dms_closed(target.user_id, now),
            kind=DeliveryKind.DMS_CLOSED,
            target=ChannelTarget(target.fallback_channel_id),
            message=copy.dms_closed(target.user_id),
            due_at=now,
            recipient=target.user_id,
        )
        return [item.key] if await enqueue(repo, row.workspace_id, item, now) else []

    async def _regroup(
        self,
        repo: Repo,
        row: Delivery,
        target: GroupTarget,
        gone: set[str],
        lost: list[Member],
        exc: RecipientsUnavailable,
        now: datetime,
    ) -> list[str]:
        """An intro some members can't get: send it to the rest, or tell a lone one."""
        assert row.group_id is not None
        follow_up: list[str] = []
        await repo.s.execute(
            delete(GroupMember).where(
                GroupMember.group_id == row.group_id,
                GroupMember.member_id.in_([m.id for m in lost]),
            )
        )
        remaining = tuple(u for u in target.user_ids if u not in gone)
        if len(remaining) >= 2:
            # Nothing was sent: send the same row again, to those who are still here.
            row.target = target_to_dict(GroupTarget(remaining, target.channel_id, target.title))
            row.payload = (await intro_for(repo, row.group_id)).to_dict()
            row.status = DeliveryStatus.PENDING
            row.in_doubt_since = None  # the conversation was never opened: nothing was posted
            row.error = f"re-sent without {', '.join(sorted(gone))} ({exc.reason})"
            follow_up.append(row.key)
        else:
            row.status = DeliveryStatus.FAILED
            await repo.cancel_pending(group_id=row.group_id)  # no group, no check-ins
            for user in remaining:
                item = Outgoing(
                    key=key_of.group_member_message(
                        row.round_id, row.group_id, DeliveryKind.PARTNER_UNAVAILABLE, user
                    ),
                    kind=DeliveryKind.PARTNER_UNAVAILABLE,
                    target=DirectTarget(user, target.channel_id),
                    message=copy.partner_unavailable(target.channel_id or ""),
                    due_at=now,
                    round_id=row.round_id,
                    group_id=row.group_id,
                    recipient=user,
                )
                await enqueue(repo, row.workspace_id, item, now)
                follow_up.append(item.key)
        return follow_up


async def intro_for(repo: Repo, group_id: int) -> Message:
    """The intro of `group_id` as it stands now (its current members)."""
    group = await repo.group(group_id)
    assert group is not None
    round_ = await repo.s.get_one(Round, group.round_id)
    program = await repo.s.get_one(Program, round_.program_id)
    member_ids = (await repo.group_member_ids([group_id]))[group_id]
    members = await repo.members_by_ids(member_ids)
    return intro_message(
        program,
        group,
        round_.seed,
        member_ids,
        {m.id: m.external_id for m in members.values()},
        {m.id: m.display_name for m in members.values()},
    )


async def withdraw(repo: Repo, member: Member, now: datetime) -> list[str]:
    """Take someone out of every group they were in (forget-me): nothing more is sent to them,
    and nothing about those groups names them any more.

    A pending intro (open round, or a closed one's intro still waiting on a retry) that still
    has two people is re-addressed to them; every other pending message of the group stops
    (the conversation may include the person who left); a lone partner in an open round is
    told. Everything else the group's messages held is redacted, the group's conversation
    reference is dropped and its reasons keep only those about the others alone.
    Rows in flight (`sending`) are left to finish. Returns delivery keys to flush.
    """
    keys: list[str] = []
    rows = await repo.s.execute(
        select(GroupMember.group_id, Round.id, Round.status, Program.channel_id)
        .join(Group, Group.id == GroupMember.group_id)
        .join(Round, Round.id == Group.round_id)
        .join(Program, Program.id == Round.program_id)
        .where(GroupMember.member_id == member.id)
    )
    for group_id, round_id, status, channel in rows.all():
        group = await repo.group(group_id)
        assert group is not None
        group.conversation_ref = None  # their conversation (its id may even name them)
        group.reasons = [r for r in group.reasons or [] if _about_others_only(r, member.id)]
        await repo.s.execute(
            delete(GroupMember).where(
                GroupMember.group_id == group_id, GroupMember.member_id == member.id
            )
        )
        others = list((await repo.group_member_ids([group_id]))[group_id])
        people = await repo.members_by_ids(others)
        deliveries = (
            (await repo.s.execute(select(Delivery).where(Delivery.group_id == group_id)))
            .scalars()
            .all()
        )
        for row in deliveries:
            if row.status == DeliveryStatus.SENDING:
                continue  # in flight: the platform has it or is about to
            if (
                row.status == DeliveryStatus.PENDING
                and row.kind == DeliveryKind.INTRO
                and len(others) >= 2
            ):
                users = tuple(people[m].external_id for m in others if m in people)
                target = target_from_dict(row.target)
                if isinstance(target, GroupTarget):
                    target = GroupTarget(users, target.channel_id, target.title)
                else:
                    target = GroupTarget(users, channel)
                row.target = target_to_dict(target)
                row.payload = (await intro_for(repo, group_id)).to_dict()
                row.error = None
                keys.append(row.key)
                continue
            if row.status == DeliveryStatus.PENDING:
                row.status = DeliveryStatus.CANCELLED
            redact(row, "a member asked to be forgotten")
        if status == RoundStatus.OPEN and len(others) == 1 and others[0] in people:
            partner = people[others[0]].external_id
            item = Outgoing(
                key=key_of.group_member_message(
                    round_id, group_id, DeliveryKind.PARTNER_UNAVAILABLE, partner
                ),
                kind=DeliveryKind.PARTNER_UNAVAILABLE,
                target=DirectTarget(partner, channel),
                message=copy.partner_unavailable(channel),
                due_at=now,
                round_id=round_id,
                group_id=group_id,
                recipient=partner,
            )
            if await enqueue(repo, member.workspace_id, item, now):
                keys.append(item.key)
    return keys


def _about_others_only(reason: dict[str, Any], member_id: int) -> bool:
    """A stored reason that names only other members (a whole-group reason includes everyone)."""
    named = {str(x) for x in (reason.get("giver"), reason.get("receiver")) if x is not None}
    named.update(str(x) for x in reason.get("members") or ())
    return bool(named) and str(member_id) not in named


def redact(row: Delivery, why: str) -> None:
    """Drop what a message held (content, addressees, errors, where it landed): it may name a
    person who asked to be forgotten. The row stays as a bare record that something was sent."""
    row.payload = {"redacted": True}
    row.target = {"kind": "redacted"}
    row.platform_ref = None
    row.error = why
