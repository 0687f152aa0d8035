"""Shared fixtures for the matching tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence

import pytest

PairsOf = Callable[[Iterable[Sequence[str]]], set[tuple[str, str]]]


def _pairs_of(groups: Iterable[Sequence[str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for g in groups:
        for a, b in itertools.combinations(sorted(g), 2):
            out.add((a, b))
    return out


@pytest.fixture
def pairs_of() -> PairsOf:
    """Every pair of people who share a group."""
    return _pairs_of
