"""Meeting times measured: are the proposed slots right, how many groups get some, how fast.

    python -m bench.bench_slots [--members 1000] [--rounds 8] [--seed 13]

For the console workspace (its twelve people, default hours) and for generated programs whose
members are spread over eight UTC offsets (a third of them with their own working hours), pairs
and groups of three are drawn at random each round (rounds start on a Monday 10:00 UTC, or at a
random time of the week, and last a week). Every proposed slot is checked: inside every
member's working hours on a weekday of theirs, after the round started, ending before it does,
one per day. Prints the figures; the test `tests/core/test_slot_properties.py` asserts them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from adapters.console.platform import WorkspaceData
from bot.slots import SLOT_LENGTH, Person, WorkingHours, fits, parse_hours, propose

ZONES = (
    "America/Los_Angeles",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
)
OWN_HOURS = ("08:00-16:00", "10:00-18:00", "07:30-15:30", "12:00-20:00", "09:00-13:00")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def console_people() -> list[Person]:
    data = WorkspaceData.load()
    return [Person(u.id, ZoneInfo(u.timezone or "UTC")) for u in data.users.values() if not u.bot]


def generated_people(count: int, rng: random.Random) -> list[Person]:
    people = []
    for i in range(count):
        hours = parse_hours(rng.choice(OWN_HOURS)) if rng.random() < 1 / 3 else WorkingHours()
        people.append(Person(f"p{i}", ZoneInfo(ZONES[i % len(ZONES)]), hours))
    return people


def wrong(group: list[Person], starts: list[datetime], now: datetime, ends: datetime) -> int:
    """How many rules the proposal breaks (0 when right)."""
    bad = 0
    days = [s.astimezone(group[0].zone).date() for s in starts]
    bad += len(days) != len(set(days)) or len(starts) > 3
    for start in starts:
        bad += not (now < start and start + SLOT_LENGTH <= ends)
        bad += sum(not fits(p, start) for p in group)
    return bad


def measure(name: str, people: list[Person], rounds: int, rng: random.Random) -> None:
    proposed: Counter[int] = Counter()
    errors = groups = 0
    timings: list[float] = []
    for r in range(rounds):
        now = MONDAY + timedelta(weeks=r)
        if r % 2:  # every other round starts at a random time of the week (match-now)
            now += timedelta(minutes=rng.randrange(7 * 24 * 60))
        ends = now + timedelta(days=7)
        shuffled = people[:]
        rng.shuffle(shuffled)
        size = 3 if r % 4 == 3 else 2
        for i in range(0, len(shuffled) - size + 1, size):
            group = shuffled[i : i + size]
            began = time.perf_counter()
            starts = propose(group, now, ends)
            timings.append(time.perf_counter() - began)
            errors += wrong(group, starts, now, ends)
            proposed[len(starts)] += 1
            groups += 1
    with_any = groups - proposed[0]
    print(f"{name}: {len(people)} members, {rounds} rounds, {groups} groups")
    print(
        "  slots proposed per group: "
        + ", ".join(f"{k}: {proposed[k]}" for k in sorted(proposed))
        + f"  (groups with at least one: {with_any / groups:.1%})"
    )
    print(f"  rule violations (outside hours, past, after the round, same day): {errors}")
    print(
        f"  propose(): median {statistics.median(timings) * 1e3:.2f} ms, "
        f"max {max(timings) * 1e3:.2f} ms per group"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    measure("console workspace", console_people(), args.rounds, rng)
    for count in (200, args.members):
        measure("generated, eight offsets", generated_people(count, rng), args.rounds, rng)


if __name__ == "__main__":
    main()
