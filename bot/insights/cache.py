"""Figures worth keeping between page views, checked against what changed before each use.

An entry is kept with the *state* it was computed from (counts and latest-change times read
by cheap queries) and the time it was computed. It is used again only if the state read now
is the same and every change time in it is older than the computation by `MARGIN` (so a
change made at the same instant, or by a process whose clock is slightly behind, is never
missed). Otherwise the caller recomputes. Entries live per database, in this process.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

logger = logging.getLogger(__name__)

MARGIN = timedelta(seconds=5)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Entry:
    state: tuple[Any, ...]
    computed_at: datetime
    value: Any
    serial: int  # tells computations apart (for entries computed from this one)


_entries: WeakKeyDictionary[object, dict[Hashable, Any]] = WeakKeyDictionary()
_serials = itertools.count(1)


def _stamps(value: Any) -> list[datetime]:
    if isinstance(value, datetime):
        return [value]
    if isinstance(value, tuple):
        return [s for v in value for s in _stamps(v)]
    return []


def fresh(entry: Entry | None, state: tuple[Any, ...]) -> bool:
    """Whether `entry` still holds for `state`."""
    if entry is None or entry.state != state:
        return False
    return all(s < entry.computed_at - MARGIN for s in _stamps(state))


def peek(owner: object, key: Hashable) -> Entry | None:
    return _entries.get(owner, {}).get(key)


async def remember(
    owner: object,
    key: Hashable,
    state: tuple[Any, ...],
    now: datetime,
    compute: Callable[[], Awaitable[T]],
    still_valid: Callable[[Entry], Awaitable[bool]] | None = None,
) -> T:
    """The value for `key` computed from `state`: the kept one if it still holds (and
    `still_valid` agrees), else `compute()`'s, kept for next time."""
    entry = peek(owner, key)
    if fresh(entry, state) and (still_valid is None or await still_valid(entry)):  # type: ignore[arg-type]
        return entry.value  # type: ignore[union-attr,no-any-return]
    value = await compute()
    _entries.setdefault(owner, {})[key] = Entry(state, now, value, new_serial())
    logger.debug("recomputed %s", key)
    return value


def bucket(owner: object) -> dict[Hashable, Any]:
    """The entries of `owner`, for caches that keep their own structure (`meetings`)."""
    return _entries.setdefault(owner, {})  # type: ignore[return-value]


def new_serial() -> int:
    return next(_serials)


def forget(owner: object) -> None:
    """Drop every entry of `owner` (a database)."""
    _entries.pop(owner, None)
