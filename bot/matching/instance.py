"""Reading and validating a matching instance (the input of ``warmintro match``).

Format (only ``id`` is required on a member; ``history`` lists past rounds oldest first;
``weights`` overrides the defaults of DESIGN.md; ``group_size`` (2–8, default 2) and
``rules`` are optional)::

    {"members": [{"id": "U1", "interests": ["climbing"], "offers": ["python"],
                  "wants": ["public speaking"], "team": "platform", "utc_offset_hours": 1,
                  "location": "Berlin", "manager": "U9"}],
     "history": [[["U1", "U2"], ["U3", "U4", "U5"]]],
     "weights": {"interest": 10, "give": 15, "cross_team": 5, "timezone": 2,
                 "repeat": 100, "repeat_decay": 0.7},
     "group_size": 4,
     "rules": {"different_team": "required", "different_manager": "required",
               "same_location": "required", "exclude": [["U1", "U2"]]}}

Rules: ``different_team`` is "required", "preferred" (the default) or "off";
``different_manager`` "required" or "off" (the default); ``same_location`` "required",
"preferred" or "off" (the default); ``exclude`` a list of pairs of ids never to be grouped
together (ids that are not members are ignored).

Tags are normalised with `normalize_tag`; ids in history that are not members are ignored.
Every problem raises `InstanceError` with a one-line message naming where it is.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import orjson

from bot.matching.sizes import MAX_GROUP_SIZE
from bot.matching.tags import normalize_tag
from bot.matching.types import DEFAULT_RULES, Candidate, Rules, Weights
from bot.matching.weights import DEFAULT_WEIGHTS

logger = logging.getLogger(__name__)

#: UTC offsets in use around the world lie in this range (hours).
MIN_UTC_OFFSET = -12.0
MAX_UTC_OFFSET = 14.0

_MEMBER_KEYS = frozenset(
    {"id", "interests", "offers", "wants", "team", "utc_offset_hours", "location", "manager"}
)
_RULE_VALUES: dict[str, tuple[str, ...]] = {
    "different_team": ("required", "preferred", "off"),
    "different_manager": ("required", "off"),
    "same_location": ("required", "preferred", "off"),
}
_WEIGHT_KEYS = tuple(f.name for f in fields(Weights))


class InstanceError(ValueError):
    """The instance is unreadable or invalid; the message is one line naming the problem."""


@dataclass(frozen=True, slots=True)
class Instance:
    members: tuple[Candidate, ...]
    history: tuple[tuple[tuple[str, ...], ...], ...] = ()
    weights: Weights = DEFAULT_WEIGHTS
    group_size: int = 2
    rules: Rules = DEFAULT_RULES


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _describe(value: object) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_EMPTY = frozenset({""})


def _tags(member: dict[str, Any], key: str, where: str, seen: dict[str, str]) -> frozenset[str]:
    value = member.get(key)
    if value is None:
        return frozenset()
    if type(value) is list:
        try:  # fast path: every spelling seen before (a non-string fails the look-up)
            out = frozenset([seen[raw] for raw in value])
        except (KeyError, TypeError):
            pass
        else:
            return out - _EMPTY if "" in out else out
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise InstanceError(f"{where}.{key}: must be a list of strings, got {_describe(value)}")
    out = set()
    for raw in value:
        tag = seen.get(raw)
        if tag is None:
            tag = seen[raw] = normalize_tag(raw)
        if tag:
            out.add(tag)
    return frozenset(out)


def _member(raw: object, where: str, seen: dict[str, str]) -> Candidate:
    if not isinstance(raw, dict):
        raise InstanceError(f"{where}: must be an object, got {_describe(raw)}")
    if "id" not in raw:
        raise InstanceError(f"{where}: missing id")
    member_id = raw["id"]
    if not isinstance(member_id, str) or not member_id.strip():
        raise InstanceError(f"{where}.id: must be a non-empty string, got {_describe(member_id)}")
    unknown = sorted(set(raw) - _MEMBER_KEYS)
    if unknown:
        logger.warning("%s: ignoring unknown field(s) %s", where, ", ".join(unknown))
    team = _label(raw, "team", where)
    offset = raw.get("utc_offset_hours")
    if offset is not None:
        if not _is_number(offset) or not math.isfinite(offset):
            raise InstanceError(
                f"{where}.utc_offset_hours: must be a number or null, got {_describe(offset)}"
            )
        if not MIN_UTC_OFFSET <= offset <= MAX_UTC_OFFSET:
            raise InstanceError(
                f"{where}.utc_offset_hours: must lie between {MIN_UTC_OFFSET:g} and "
                f"{MAX_UTC_OFFSET:g}, got {offset}"
            )
        offset = float(offset)
    return Candidate(
        id=member_id,
        interests=_tags(raw, "interests", where, seen),
        offers=_tags(raw, "offers", where, seen),
        wants=_tags(raw, "wants", where, seen),
        team=team,
        utc_offset_hours=offset,
        location=_label(raw, "location", where),
        manager=_label(raw, "manager", where),
    )


def _label(raw: dict[str, Any], key: str, where: str) -> str | None:
    """An optional string attribute (team, location, manager); blank means unset."""
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InstanceError(f"{where}.{key}: must be a string or null, got {_describe(value)}")
    return value.strip() or None


def _group_size(raw: object) -> int:
    if raw is None:
        return 2
    if not isinstance(raw, int) or isinstance(raw, bool) or not 2 <= raw <= MAX_GROUP_SIZE:
        raise InstanceError(
            f"group_size: must be a whole number from 2 to {MAX_GROUP_SIZE}, got {_describe(raw)}"
        )
    return raw


def _rules(raw: object) -> Rules:
    if raw is None:
        return DEFAULT_RULES
    if not isinstance(raw, dict):
        raise InstanceError(f"rules: must be an object, got {_describe(raw)}")
    known = (*_RULE_VALUES, "exclude")
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise InstanceError(
            f"rules: unknown key(s) {', '.join(unknown)} (known: {', '.join(known)})"
        )
    values: dict[str, Any] = {}
    for key, allowed in _RULE_VALUES.items():
        if key in raw:
            value = raw[key]
            if value not in allowed:
                raise InstanceError(
                    f"rules.{key}: must be one of {', '.join(allowed)}, got {_describe(value)}"
                )
            values[key] = value
    exclude = raw.get("exclude")
    if exclude is not None:
        if not isinstance(exclude, list):
            raise InstanceError(f"rules.exclude: must be a list of pairs, got {_describe(exclude)}")
        pairs = []
        for i, pair in enumerate(exclude):
            ok = isinstance(pair, list) and len(pair) == 2
            if not ok or not all(isinstance(p, str) and p for p in pair):
                raise InstanceError(
                    f"rules.exclude[{i}]: must be a pair of member ids, got {_describe(pair)}"
                )
            if pair[0] == pair[1]:
                raise InstanceError(f"rules.exclude[{i}]: a member cannot avoid themselves")
            pairs.append((pair[0], pair[1]))
        values["exclude"] = frozenset(pairs)
    return Rules(**values)


def _history(raw: object) -> tuple[tuple[tuple[str, ...], ...], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InstanceError(f"history: must be a list of rounds, got {_describe(raw)}")
    rounds = []
    for r, round_ in enumerate(raw):
        if not isinstance(round_, list):
            raise InstanceError(f"history[{r}]: must be a list of groups, got {_describe(round_)}")
        groups = []
        for g, group in enumerate(round_):
            if not isinstance(group, list) or not all(isinstance(p, str) for p in group):
                raise InstanceError(
                    f"history[{r}][{g}]: must be a list of member ids, got {_describe(group)}"
                )
            groups.append(tuple(group))
        rounds.append(tuple(groups))
    return tuple(rounds)


def _weights(raw: object) -> Weights:
    if raw is None:
        return DEFAULT_WEIGHTS
    if not isinstance(raw, dict):
        raise InstanceError(f"weights: must be an object, got {_describe(raw)}")
    unknown = sorted(set(raw) - set(_WEIGHT_KEYS))
    if unknown:
        raise InstanceError(
            f"weights: unknown key(s) {', '.join(unknown)} (known: {', '.join(_WEIGHT_KEYS)})"
        )
    values: dict[str, float] = {}
    for key, value in raw.items():
        if not _is_number(value) or not math.isfinite(value):
            raise InstanceError(f"weights.{key}: must be a number, got {_describe(value)}")
        if value < 0:
            raise InstanceError(f"weights.{key}: must not be negative, got {value}")
        values[key] = float(value)
    if values.get("repeat_decay", 0.0) > 1:
        raise InstanceError(
            f"weights.repeat_decay: must be at most 1, got {values['repeat_decay']}"
        )
    return replace(DEFAULT_WEIGHTS, **values)


def parse_instance(data: object) -> Instance:
    """Validate decoded JSON and build an `Instance`."""
    if not isinstance(data, dict):
        raise InstanceError(f"instance: must be a JSON object, got {_describe(data)}")
    if "members" not in data:
        raise InstanceError("instance: missing members")
    raw_members = data["members"]
    if not isinstance(raw_members, list):
        raise InstanceError(f"members: must be a list, got {_describe(raw_members)}")
    members = []
    seen: dict[str, int] = {}
    normalised: dict[str, str] = {}  # tags repeat a lot: normalise each spelling once
    for i, raw in enumerate(raw_members):
        member = _member(raw, f"members[{i}]", normalised)
        if member.id in seen:
            raise InstanceError(
                f"members[{i}].id: duplicate id {member.id!r} (also members[{seen[member.id]}])"
            )
        seen[member.id] = i
        members.append(member)
    return Instance(
        members=tuple(members),
        history=_history(data.get("history")),
        weights=_weights(data.get("weights")),
        group_size=_group_size(data.get("group_size")),
        rules=_rules(data.get("rules")),
    )


def _decode(text: str) -> Any:
    """JSON by orjson (several times faster on big instances); the standard library when
    orjson refuses, so that what it accepts (NaN, huge integers) and its error messages
    stay as they were."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def load_instance(path: str | Path) -> Instance:
    """Read and validate an instance file ("-" reads standard input)."""
    try:
        text = sys.stdin.read() if str(path) == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InstanceError(f"{path}: cannot read: {reason}") from exc
    try:
        data = _decode(text)
    except json.JSONDecodeError as exc:
        raise InstanceError(
            f"{path}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    return parse_instance(data)


def instance_to_json(instance: Instance) -> dict[str, Any]:
    """The JSON form of an instance (tags sorted), e.g. for writing generated instances."""
    members = []
    for m in instance.members:
        raw: dict[str, Any] = {"id": m.id}
        if m.interests:
            raw["interests"] = sorted(m.interests)
        if m.offers:
            raw["offers"] = sorted(m.offers)
        if m.wants:
            raw["wants"] = sorted(m.wants)
        if m.team is not None:
            raw["team"] = m.team
        if m.utc_offset_hours is not None:
            raw["utc_offset_hours"] = m.utc_offset_hours
        if m.location is not None:
            raw["location"] = m.location
        if m.manager is not None:
            raw["manager"] = m.manager
        members.append(raw)
    out: dict[str, Any] = {
        "members": members,
        "history": [[list(g) for g in round_] for round_ in instance.history],
        "weights": {k: getattr(instance.weights, k) for k in _WEIGHT_KEYS},
    }
    if instance.group_size != 2:
        out["group_size"] = instance.group_size
    rules = instance.rules
    if rules != DEFAULT_RULES:
        out["rules"] = {key: getattr(rules, key) for key in _RULE_VALUES}
        out["rules"]["exclude"] = [list(p) for p in sorted(rules.exclude)]
    return out
