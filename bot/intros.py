"""Building a group's intro from what is stored: members, structured reasons, program."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from bot import wording
from bot.matching.explain import describe
from bot.matching.types import Reason
from bot.messages import Line, Message
from bot.slots import Person, overlaps, stored_hours, zone_of
from storage.models import Group, Member, Program
from storage.repositories.programs import RosterMember

logger = logging.getLogger(__name__)

_TUPLE_FIELDS = {f.name for f in fields(Reason)} - {
    "kind",
    "giver",
    "receiver",
    "rounds_ago",
    "hours",
    "group_size",
}


_REASON_FIELDS = tuple(f.name for f in fields(Reason))


def reason_to_json(reason: Reason) -> dict[str, Any]:
    """The reason's set fields (a Reason holds only strings, numbers and tuples of strings,
    so reading them is enough: no `asdict` deep copy, which cost 50 µs a reason)."""
    out = {}
    for name in _REASON_FIELDS:
        value = getattr(reason, name)
        if value is not None and value != () and value != []:
            out[name] = value
    return out


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


def person_of(member: Member | RosterMember) -> Person:
    """A member's time zone and working hours, as slot-finding sees them."""
    profile = member.profile
    if profile is None:
        return Person(member.external_id, zone_of(None, None))
    return Person(
        member.external_id,
        zone_of(profile.timezone, profile.utc_offset_hours),
        stored_hours(profile.work_start, profile.work_end),
    )


def zone_label(person: Person) -> str:
    key = getattr(person.zone, "key", None)
    return key if isinstance(key, str) else str(person.zone)


def slot_starts(group: Group) -> list[datetime] | None:
    """The times the group's intro proposed (None: proposed none, e.g. an older round)."""
    if group.slots is None:
        return None
    return [datetime.fromisoformat(s) for s in group.slots]


def local_times(
    start: datetime, member_ids: Sequence[int], people: dict[int, Person]
) -> list[wording.LocalTime]:
    return [
        wording.LocalTime(people[m].key, start.astimezone(people[m].zone))
        for m in member_ids
        if m in people
    ]


def settled_slot(member_ids: Sequence[int], picks: dict[int, int]) -> int | None:
    """The time every member picked, if they all picked the same one."""
    chosen = {picks.get(m) for m in member_ids}
    if len(chosen) != 1 or not member_ids:
        return None
    only = chosen.pop()
    return only


def meeting_lines(
    group: Group,
    member_ids: Sequence[int],
    people: dict[int, Person],
    picks: dict[int, int] | None = None,
) -> tuple[list[Line], int]:
    """The intro's meeting-time part and how many times it proposes (buttons)."""
    return meeting_lines_at(slot_starts(group), member_ids, people, picks)


def meeting_lines_at(
    starts: Sequence[datetime] | None,
    member_ids: Sequence[int],
    people: dict[int, Person],
    picks: dict[int, int] | None = None,
) -> tuple[list[Line], int]:
    """`meeting_lines` for the proposed `starts` (None: none proposed)."""
    if starts is None or not people:
        return [], 0
    if not starts:
        hours = [
            wording.MemberHours(people[m].key, people[m].hours.label(), zone_label(people[m]))
            for m in member_ids
            if m in people
        ]
        group_people = [people[m] for m in member_ids if m in people]
        return wording.no_overlap_lines(hours, overlaps(group_people)), 0
    picks = {m: n for m, n in (picks or {}).items() if m in member_ids and m in people}
    options = [local_times(start, member_ids, people) for start in starts]
    by_user = {people[m].key: n for m, n in sorted(picks.items())}
    return wording.slot_lines(options, by_user, settled_slot(member_ids, picks)), len(starts)


def intro_message(
    program: Program,
    group: Group,
    seed: int,
    member_ids: Sequence[int],
    external: dict[int, str],
    names: dict[int, str],
    people: dict[int, Person] | None = None,
    picks: dict[int, int] | None = None,
) -> Message:
    """The intro for `group`, naming only `member_ids` (those still in it); with `people`
    (their zones and hours), the times it proposed and who picked which (`picks`)."""
    return compose_intro(
        program,
        group.id,
        group.position,
        [reason_from_json(r) for r in group.reasons or []],
        slot_starts(group),
        seed,
        member_ids,
        external,
        names,
        people,
        picks,
    )


def compose_intro(
    program: Program,
    group_id: int,
    position: int,
    reasons: Sequence[Reason],
    starts: Sequence[datetime] | None,
    seed: int,
    member_ids: Sequence[int],
    external: dict[int, str],
    names: dict[int, str],
    people: dict[int, Person] | None = None,
    picks: dict[int, int] | None = None,
) -> Message:
    """`intro_message` from the group's parts as a new round has them (its reasons and
    proposed times before they are stored), without reading them back from the row."""
    present = {str(m) for m in member_ids}
    texts = render_reasons(reasons, {str(k): v for k, v in names.items()}, present)
    meeting, count = meeting_lines_at(starts, member_ids, people or {}, picks)
    return wording.intro(
        [external[m] for m in member_ids],
        texts,
        starter_for(seed, position),
        program.purpose,
        group_id,
        program.channel_id,
        meeting,
        count,
    )
