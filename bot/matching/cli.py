"""``warmintro match``: group the members of an instance file, offline.

    warmintro match --input INSTANCE.json [--seed N] [--output GROUPS.json] [--verbose]

Reads an instance (format in `bot.matching.instance`; "-" reads standard input) and writes
``{"seed": N, "total_weight": W, "violations": [{"rule": "different_team", "group": [...]}],
"groups": [{"members": [...], "weight": w, "reasons": ["you're both into jazz", ...]}]}``
to standard output or GROUPS.json (groups of the instance's ``group_size``; ``violations``
lists each group that breaks a required rule or an exclusion, empty when none does). The seed
defaults to 0, so a run is reproducible unless a seed is given. Bad input prints one line on
standard error and exits with status 2; fewer than two members gives no groups and a "note".

Imports stay light (no database, no chat SDK): start-up time counts.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
from pathlib import Path
from typing import Any, NoReturn

from bot.matching.instance import InstanceError, load_instance

logger = logging.getLogger(__name__)

PROG = "warmintro match"
DEFAULT_SEED = 0
EXIT_BAD_INPUT = 2
NOTE_TOO_FEW = "fewer than two members: nobody to match"


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line (and still exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Group the members of an instance file (pairs unless it sets group_size).",
    )
    parser.add_argument("--input", required=True, metavar="INSTANCE.json", help='"-" for stdin')
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"seed for tie-breaks: same instance, same seed, same groups (default {DEFAULT_SEED})",
    )
    parser.add_argument("--output", metavar="GROUPS.json", help="default: standard output")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    return parser


def result_json(result: Any, note: str | None = None) -> dict[str, Any]:
    """The JSON form of a `MatchResult` (reasons rendered as phrases)."""
    from bot.matching.explain import describe

    out: dict[str, Any] = {
        "seed": result.seed,
        "total_weight": round(result.total_weight, 6),
        "violations": [
            {"rule": v.rule, "group": list(v.group), "pairs": v.pairs} for v in result.violations
        ],
        "groups": [
            {
                "members": list(g.members),
                "weight": round(g.weight, 6),
                "reasons": [describe(r) for r in g.reasons],
            }
            for g in result.groups
        ],
    }
    if note:
        out["note"] = note
    return out


def render(payload: dict[str, Any]) -> str:
    """JSON text with one group per line: readable, and fast to write for big rounds."""
    head = {k: v for k, v in payload.items() if k != "groups"}
    lines = [json.dumps(g, ensure_ascii=False) for g in payload["groups"]]
    body = ",\n  ".join(lines)
    groups = f'"groups": [\n  {body}\n]' if lines else '"groups": []'
    fields = [f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in head.items()]
    return "{" + ",\n ".join([*fields, groups]) + "}\n"


def main(argv: list[str] | None = None) -> int:
    # A one-shot process that builds millions of small objects (the decoded instance, its
    # members, the groups and their reasons) and makes next to no reference cycles: the
    # cyclic collector would rescan them again and again (about 4 s of 20 at 100,000
    # members), so it stays off while the command runs.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _main(argv)
    finally:
        if enabled:
            gc.enable()


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stderr)
    try:
        instance = load_instance(args.input)
    except InstanceError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    logger.info("seed %d", args.seed)
    from bot.matching.engine import match
    from bot.matching.types import MatchResult

    if len(instance.members) < 2:
        payload = result_json(MatchResult(seed=args.seed), NOTE_TOO_FEW)
    else:
        result = match(
            instance.members,
            instance.history,
            instance.weights,
            seed=args.seed,
            group_size=instance.group_size,
            rules=instance.rules,
        )
        payload = result_json(result)
    text = render(payload)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"{PROG}: error: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
            return EXIT_BAD_INPUT
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
