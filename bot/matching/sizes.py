"""The size structure of a round: how many groups of which size, fixed before matching.

With a group size k, every group has k members except as few groups as possible, each of
k − 1 or k + 1 members (never a group of one); when both are possible, the larger groups
win. For k = 2 that is pairs plus one trio when the count is odd. Examples: 10 members with
k = 4 give 5 + 5; 7 members give 4 + 3.

When no such structure exists (e.g. 11 members with k = 8: one group would be 11, two
groups cannot be 7/8/9 each), the members are split into ceil(n / (k + 1)) groups as equal
as possible (11, k = 8 → 6 + 5); fewer than k − 1 members make one group (never above k + 1).
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

MIN_GROUP_SIZE = 2
MAX_GROUP_SIZE = 8


def group_sizes(n: int, k: int = 2) -> list[int]:
    """The sizes of the groups of a round of `n` members with group size `k`, largest first."""
    if not MIN_GROUP_SIZE <= k <= MAX_GROUP_SIZE:
        raise ValueError(f"group size must be {MIN_GROUP_SIZE}..{MAX_GROUP_SIZE}, got {k}")
    if n < 2:
        return []
    q, r = divmod(n, k)
    if r == 0:
        return [k] * q
    options: list[tuple[int, int, list[int]]] = []  # (off-size groups, -larger, sizes)
    if q >= r:  # r groups of k + 1
        options.append((r, 0, [k + 1] * r + [k] * (q - r)))
    if q + 1 >= k - r and k - 1 >= 2:  # k − r groups of k − 1
        options.append((k - r, 1, [k] * (q + 1 - (k - r)) + [k - 1] * (k - r)))
    if options:
        return min(options)[2]
    count = -(-n // (k + 1))
    base, extra = divmod(n, count)
    return [base + 1] * extra + [base] * (count - extra)
