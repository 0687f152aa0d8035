"""Writing to the delivery ledger: a message to send is a row, recorded in the transaction of
the change that causes it (`enqueue`), and blanked when it may name a forgotten person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.messages import Message
from bot.ports import Target, target_to_dict
from bot.states import DeliveryKind, DeliveryStatus
from storage.models import Delivery
from storage.repositories.deliveries import REDACTED_PAYLOAD, is_redacted_payload
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Outgoing:
    key: str
    kind: DeliveryKind | str
    target: Target
    message: Message
    due_at: datetime
    round_id: int | None = None
    group_id: int | None = None
    recipient: str = ""


def _row(workspace_id: int, item: Outgoing, now: datetime) -> dict[str, Any]:
    return {
        "key": item.key,
        "workspace_id": workspace_id,
        "round_id": item.round_id,
        "group_id": item.group_id,
        "kind": str(item.kind),
        "recipient": item.recipient,
        "target": target_to_dict(item.target),
        "payload": item.message.to_dict(),
        "status": DeliveryStatus.PENDING,
        "due_at": item.due_at,
        "attempts": 0,
        "duplicate_risk": False,
        "created_at": now,
    }


async def enqueue(uow: UnitOfWork, workspace_id: int, item: Outgoing, now: datetime) -> bool:
    """Record a message to send. Idempotent by key: enqueueing the same key again is a no-op."""
    return await uow.deliveries.add(_row(workspace_id, item, now))


async def enqueue_many(
    uow: UnitOfWork, workspace_id: int, items: Sequence[Outgoing], now: datetime
) -> None:
    """Record many messages in one INSERT (a round's); a key already queued is skipped."""
    await uow.deliveries.add_many([_row(workspace_id, item, now) for item in items])


# Why a row emptied while it was in flight was not sent again (its error when cancelled).
REDACTED_NOT_SENT = "emptied by a forget-me; not sent again"


def is_redacted(row: Any) -> bool:
    """Whether `redact` emptied the row (it must never be sent, or sent again)."""
    return is_redacted_payload(row.payload)


def redact(row: Delivery, why: str) -> None:
    """Drop what a message held (content, addressees, errors, where it landed): it may name a
    person who asked to be forgotten. The row stays as a bare record that something was sent."""
    row.payload = dict(REDACTED_PAYLOAD)
    row.target = {"kind": "redacted"}
    row.platform_ref = None
    row.error = why
