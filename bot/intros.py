"""Building a group's intro from what is stored: members, structured reasons, program."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import Any

from bot import wording
from bot.matching.explain import describe
from bot.matching.types import Reason
from bot.messages import Message
from storage.models import Group, Program

logger = logging.getLogger(__name__)

_TUPLE_FIELDS = {f.name for f in fields(Reason)} - {
    "kind",
    "giver",
    "receiver",
    "rounds_ago",
    "hours",
    "group_size",
}


def reason_to_json(reason: Reason) -> dict[str, Any]:
    return {k: v for k, v in asdict(reason).items() if v not in (None, (), [])}


def reason_from_json(data: dict[str, Any]) -> Reason:
    known = {f.name for f in fields(Reason)}
    values = {k: (tuple(v) if k in _TUPLE_FIELDS else v) for k, v in data.items() if k in known}
    return Reason(**values)


def reason_mentions(reason: Reason) -> set[str]:
    return {m for m in (reason.giver, reason.receiver, *reason.members) if m}


#: In a group of three or more, at most this many reasons of each kind about only some of its
#: members ("Maya and Li are both into jazz", "Maya can help Li with python"); reasons about
#: the whole group (and who met before) are all kept.
MAX_PARTIAL_REASONS = 2


def render_reasons(
    reasons: Sequence[Reason], names: dict[str, str], present: set[str] | None = None
) -> list[str]:
    """Reasons in words (best first), with member ids (as strings) replaced by display names.

    Reasons that name someone no longer in the group (`present`) are left out; a group of
    three or more gets its best few reasons about some of its members, then the rest.
    """
    out = []
    partial: Counter[str] = Counter()
    for reason in reasons:
        if present is not None and not reason_mentions(reason) <= present:
            continue
        if reason.group_size > 2 and reason.kind in {"shared_interest", "give"}:
            partial[reason.kind] += bool(reason_mentions(reason))
            if partial[reason.kind] > MAX_PARTIAL_REASONS:
                continue
        out.append(describe(reason, lambda mid: names.get(mid, "someone")))
    return out


def starter_for(seed: int, position: int) -> str:
    return wording.STARTERS[(seed + position * 7) % len(wording.STARTERS)]


def intro_message(
    program: Program,
    group: Group,
    seed: int,
    member_ids: Sequence[int],
    external: dict[int, str],
    names: dict[int, str],
) -> Message:
    """The intro for `group`, naming only `member_ids` (those still in it)."""
    present = {str(m) for m in member_ids}
    reasons = [reason_from_json(r) for r in group.reasons or []]
    texts = render_reasons(reasons, {str(k): v for k, v in names.items()}, present)
    return wording.intro(
        [external[m] for m in member_ids],
        texts,
        starter_for(seed, group.position),
        program.purpose,
        group.id,
        program.channel_id,
    )
