"""The stored states the core reasons about, as `StrEnum`s (their values are what the
database holds, so no migration: `DeliveryStatus.SENT == "sent"`)."""

from __future__ import annotations

from enum import StrEnum

from bot.actions import CheckinAnswer

# A group's outcome is the most hopeful check-in answer any member gave: the same three values.
GroupOutcome = CheckinAnswer


class DeliveryStatus(StrEnum):
    """pending → sending (claimed) → sent | failed | cancelled; sending → pending (retry)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class DeliveryKind(StrEnum):
    """What a delivery row carries (its `kind` column)."""

    WELCOME = "welcome"
    INTERVIEW = "interview"
    INTRO = "intro"
    CHECKIN_MIDWAY = "checkin_midway"
    CHECKIN_END = "checkin_end"
    THANKS_NUDGE = "thanks_nudge"
    ALONE = "alone"
    PARTNER_UNAVAILABLE = "partner_unavailable"
    DMS_CLOSED = "dms_closed"
    THANKS_POST = "thanks_post"
    THANKS_DM = "thanks_dm"
    # Everyone picked the same proposed time: sent in place of the midway check-in.
    SLOT_SETTLED = "slot_settled"
    GHOST_QUESTION = "ghost_question"
    GHOST_PAUSED = "ghost_paused"
    RESCUE_OFFER = "rescue_offer"
    RESCUE_UNPAIRED = "rescue_unpaired"
    DIGEST = "digest"


# Check-ins go into the group's conversation once the intro has opened it.
CHECKIN_KINDS = (DeliveryKind.CHECKIN_MIDWAY, DeliveryKind.CHECKIN_END)


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class GhostAnswer(StrEnum):
    """What a member said to "Still up for coffee chats?" (`ghost_checks.answer`)."""

    KEEP = "keep"
    PAUSE = "pause"
    LEAVE = "leave"
    AUTO_PAUSED = "auto_paused"  # no answer by the next round


class RescueStatus(StrEnum):
    """offered → accepted → paired | unpaired (nobody else was free by the round's end)."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    PAIRED = "paired"
    UNPAIRED = "unpaired"
