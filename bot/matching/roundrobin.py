"""A round-robin (circle method) 1-factorisation used as a tie-break between equal groupings.

With m (even) people on the circle, round f pairs the fixed person with person f and
person f+i with person f-i (mod m-1): m-1 rounds in which everyone meets everyone exactly once.
When many groupings tie (e.g. nobody listed anything), giving a tiny bonus to the pairs of one
unused round keeps the coming rounds repeat-free, where a greedy choice can paint itself into
a corner. The circle order depends only on the member ids (not the seed), so the same
factorisation is used every round while membership is stable, whatever seeds the rounds use.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

import numpy as np

logger = logging.getLogger(__name__)


def circle_order(ids: Sequence[str]) -> np.ndarray:
    """Positions on the circle: indices into `ids`, ordered by a stable hash of each id."""
    keys = [hashlib.blake2b(i.encode(), digest_size=8).digest() + i.encode() for i in ids]
    return np.array(sorted(range(len(ids)), key=keys.__getitem__), dtype=np.int64)


def circle_round(m: int, f: int) -> tuple[np.ndarray, np.ndarray]:
    """Round `f` (0 <= f < m - 1) of the circle method on positions 0..m-1 (m even)."""
    if m < 2 or m % 2:
        raise ValueError(f"need an even number of positions, got {m}")
    k = m - 1
    i = np.arange(1, m // 2, dtype=np.int64)
    a = np.concatenate(([m - 1], (f + i) % k))
    b = np.concatenate(([f % k], (f - i) % k))
    return a, b
