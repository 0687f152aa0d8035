"""Tag normalisation shared by the matcher, the instance reader and the app."""

from __future__ import annotations

import logging
from collections.abc import Iterable

logger = logging.getLogger(__name__)


def normalize_tag(s: str) -> str:
    """Lower-case, trim and collapse inner whitespace.

    ``"  Public   Speaking "`` -> ``"public speaking"``.
    """
    return " ".join(s.split()).lower()


def normalize_tags(tags: Iterable[str]) -> frozenset[str]:
    """Normalise every tag and drop the ones that end up empty."""
    return frozenset(t for t in (normalize_tag(s) for s in tags) if t)
