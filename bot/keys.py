"""Delivery keys: one builder per kind of message. A key names a delivery for good (the ledger
is unique by key, and Discord's nonce derives from it), so the formats never change."""

from __future__ import annotations

from datetime import datetime

from bot.states import DeliveryKind


def welcome(program_id: int, now: datetime) -> str:
    """A program's welcome post (again each time the program reopens)."""
    return f"welcome:{program_id}:{now.isoformat()}"


def interview(member_id: int, program_id: int) -> str:
    """The interview's first question to a member: asked once per program they join."""
    return f"interview:{member_id}:p{program_id}"


def group_message(round_id: int, group_id: int, kind: DeliveryKind) -> str:
    """A message to the whole group: its intro and check-ins."""
    return f"r{round_id}:g{group_id}:{kind.value}"


def group_member_message(round_id: int, group_id: int, kind: DeliveryKind, user: str) -> str:
    """A message about a group to one of its members (thanks nudge, partner unavailable)."""
    return f"r{round_id}:g{group_id}:{kind.value}:{user}"


def alone(round_id: int, user: str) -> str:
    """The note to the one member a round couldn't place."""
    return f"r{round_id}:alone:{user}"


def dms_closed(user: str, now: datetime) -> str:
    """The channel note that someone's DMs are closed: at most one a day per person."""
    return f"dms_closed:{user}:{now:%Y-%m-%d}"


def thanks_prefix(note_id: int) -> str:
    """Every delivery that carried thanks note `note_id` starts with this."""
    return f"thanks:{note_id}:"


def thanks_post(note_id: int) -> str:
    """A thanks note's public post."""
    return f"{thanks_prefix(note_id)}post"


def thanks_dm(note_id: int, user: str) -> str:
    return f"{thanks_prefix(note_id)}dm:{user}"


def ghost_question(program_id: int, member_id: int, round_number: int) -> str:
    """ "Still up for coffee chats?": asked once per quiet streak, at the start of a round."""
    return f"ghost:p{program_id}:m{member_id}:r{round_number}"


def ghost_paused(program_id: int, member_id: int, round_number: int) -> str:
    """The one note that someone who didn't answer the question asked at `round_number` is
    paused now."""
    return f"ghost:p{program_id}:m{member_id}:r{round_number}:paused"


def rescue_offer(round_id: int, member_id: int) -> str:
    """ "Want a new match this round?": at most once per member and round."""
    return f"r{round_id}:rescue:m{member_id}"


def rescue_unpaired(round_id: int, member_id: int) -> str:
    """Nobody else took a rescue by the round's end: the one note saying so."""
    return f"r{round_id}:rescue:m{member_id}:unpaired"


def digest(program_id: int, month: str) -> str:
    """A program's digest of one month (`YYYY-MM`, in the program's time zone)."""
    return f"digest:p{program_id}:{month}"


def forgotten(delivery_id: int) -> str:
    """A redacted row's key, when its old key named a person who asked to be forgotten."""
    return f"forgotten:{delivery_id}"
