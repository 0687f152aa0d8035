"""Deterministic, realistic matching instances for benchmarks and tests.

`generate(n, seed)` returns the JSON form read by ``warmintro match``: Zipf-skewed interests
over a few hundred tags, offers and wants over a smaller skill vocabulary, ~20 teams of
uneven size, UTC offsets clustered around a few office locations, and six past rounds of
history (people who shared an interest were likely to have met, plus some who have left).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

N_INTERESTS = 300
N_SKILLS = 80
N_TEAMS = 20
# (UTC offset, share of members) — a few offices.
TIMEZONES: tuple[tuple[float, float], ...] = (
    (-8.0, 0.15),
    (-5.0, 0.25),
    (0.0, 0.20),
    (1.0, 0.15),
    (2.0, 0.05),
    (5.5, 0.08),
    (8.0, 0.07),
    (9.0, 0.05),
)
INTEREST_WORDS = (
    "climbing", "jazz", "chess", "running", "baking", "photography", "hiking", "go",
    "board games", "cycling", "gardening", "knitting", "poetry", "sci-fi", "yoga", "coffee",
)  # fmt: skip


def _zipf(k: int, s: float) -> np.ndarray:
    p = 1.0 / np.arange(1, k + 1) ** s
    return p / p.sum()


def _tag_names(prefix: str, k: int, words: tuple[str, ...] = ()) -> list[str]:
    return [words[i] if i < len(words) else f"{prefix} {i:03d}" for i in range(k)]


def _sample(rng: np.random.Generator, names: list[str], p: np.ndarray, count: int) -> list[str]:
    if count <= 0:
        return []
    picked = rng.choice(len(names), size=min(count, len(names)), replace=False, p=p)
    return sorted(names[i] for i in picked)


def _past_round(
    rng: np.random.Generator, ids: list[str], interests: list[list[str]]
) -> list[list[str]]:
    """One past round: most present members, people sharing an interest paired more often."""
    n = len(ids)
    present = np.flatnonzero(rng.random(n) < 0.9)
    keys = []
    for i in present.tolist():
        tags = interests[i]
        first = tags[int(rng.integers(len(tags)))] if tags and rng.random() < 0.7 else "~"
        keys.append((first, float(rng.random()), ids[i]))
    keys.sort()
    people = [k[2] for k in keys]
    # A few people who have left since.
    for j in range(max(1, n // 50)):
        people.insert(int(rng.integers(len(people) + 1)), f"GONE{j:04d}")
    groups = [people[i : i + 2] for i in range(0, len(people) - len(people) % 2, 2)]
    if len(people) % 2 and groups:
        groups[-1].append(people[-1])
    return groups


def generate(n: int, seed: int = 0, rounds: int = 6) -> dict[str, Any]:
    """A realistic instance of `n` members with `rounds` past rounds (JSON-ready)."""
    rng = np.random.default_rng([seed, n, rounds])
    interest_names = _tag_names("interest", N_INTERESTS, INTEREST_WORDS)
    skill_names = _tag_names("skill", N_SKILLS, ("python", "public speaking", "sql", "design"))
    p_interest = _zipf(N_INTERESTS, 1.0)[rng.permutation(N_INTERESTS)]
    p_skill = _zipf(N_SKILLS, 0.8)
    p_team = _zipf(N_TEAMS, 0.7)
    tz_values = np.array([t for t, _ in TIMEZONES])
    tz_p = np.array([p for _, p in TIMEZONES])
    tz_p = tz_p / tz_p.sum()
    id_numbers = rng.choice(10 * n + 10, size=n, replace=False)
    ids = [f"U{k:07d}" for k in id_numbers.tolist()]
    members: list[dict[str, Any]] = []
    all_interests: list[list[str]] = []
    for member_id in ids:
        interests = _sample(rng, interest_names, p_interest, min(int(rng.poisson(4.0)), 12))
        member: dict[str, Any] = {"id": member_id}
        if interests:
            member["interests"] = interests
        offers = _sample(rng, skill_names, p_skill, min(int(rng.poisson(1.2)), 5))
        wants = _sample(rng, skill_names, p_skill, min(int(rng.poisson(1.2)), 5))
        wants = [w for w in wants if w not in offers]  # nobody wants what they offer
        if offers:
            member["offers"] = offers
        if wants:
            member["wants"] = wants
        if rng.random() < 0.95:
            member["team"] = f"team-{int(rng.choice(N_TEAMS, p=p_team)):02d}"
        if rng.random() < 0.95:
            member["utc_offset_hours"] = float(rng.choice(tz_values, p=tz_p))
        members.append(member)
        all_interests.append(interests)
    history = [_past_round(rng, ids, all_interests) for _ in range(rounds)]
    return {"members": members, "history": history}


def plain(n: int) -> dict[str, Any]:
    """`n` members with nothing but an id (for the repeats target)."""
    return {"members": [{"id": f"P{i:04d}"} for i in range(n)], "history": []}
