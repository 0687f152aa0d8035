"""The size structure of a round (`sizes.group_sizes`) and the shape check that uses it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.matching.check import InvalidGrouping, check_groups
from bot.matching.sizes import group_sizes


@pytest.mark.parametrize(
    ("n", "k", "sizes"),
    [
        (0, 4, []),
        (1, 4, []),
        (2, 2, [2]),
        (5, 2, [3, 2]),  # today's single trio
        (7, 2, [3, 2, 2]),
        (10, 4, [5, 5]),  # the examples
        (7, 4, [4, 3]),
        (8, 4, [4, 4]),
        (9, 4, [5, 4]),
        (6, 4, [3, 3]),  # one 4 would leave 2: two 3s instead
        (5, 4, [5]),
        (3, 4, [3]),
        (2, 4, [2]),  # too few for the rule: one group of everyone
        (8, 3, [3, 3, 2]),  # one off-size group beats two groups of 4
        (13, 3, [4, 3, 3, 3]),
        (24, 5, [5, 5, 5, 5, 4]),
        (11, 8, [6, 5]),  # no structure of 7/8/9 exists: as equal as possible
        (9, 8, [9]),
        (16, 8, [8, 8]),
    ],
)
def test_sizes_table(n: int, k: int, sizes: list[int]) -> None:
    assert group_sizes(n, k) == sizes


@pytest.mark.parametrize("k", [1, 9, 0])
def test_group_size_out_of_range(k: int) -> None:
    with pytest.raises(ValueError, match="group size"):
        group_sizes(10, k)


@given(st.integers(min_value=2, max_value=500), st.integers(min_value=2, max_value=8))
def test_sizes_follow_the_rule(n: int, k: int) -> None:
    sizes = group_sizes(n, k)
    assert sum(sizes) == n
    assert min(sizes) >= 2
    assert sizes == sorted(sizes, reverse=True)
    off = [s for s in sizes if s != k]
    if all(s in (k - 1, k + 1) for s in off) and n >= k - 1:
        # The fewest off-size groups: no other structure of k, k-1 / k, k+1 has fewer.
        best = min(
            (abs(n - g * k) for g in range(1, n + 1) if _feasible(n, k, g)),
            default=None,
        )
        assert best is None or len(off) == best
    else:
        assert max(sizes) <= k + 1 or len(sizes) == 1
        assert max(sizes) - min(sizes) <= 1


def _feasible(n: int, k: int, groups: int) -> bool:
    """Whether `groups` groups of k, plus only k+1s or only k-1s (>= 2), can hold n."""
    d = n - groups * k
    if d >= 0:
        return d <= groups
    return -d <= groups and k - 1 >= 2


def test_check_groups_knows_group_sizes() -> None:
    ids = [f"U{i}" for i in range(10)]
    check_groups([ids[:5], ids[5:]], ids, 4)
    with pytest.raises(InvalidGrouping, match="sizes"):
        check_groups([ids[:4], ids[4:8], ids[8:]], ids, 4)
    with pytest.raises(InvalidGrouping, match="missing"):
        check_groups([ids[:5], ids[5:9]], ids, 4)
