"""The monthly digest: once a month, in each program's channel, what the last month's chats
added up to — how many people met, new connections across teams, a few public thank-you notes
(quoted only between people who both met that month), what people learned from each other, and
why the program exists.

What people learned comes only from public thank-you notes: when a note thanks someone who met
this month and mentions a topic that person offers to help with (their profile's offers), that
is one person they helped with it ("Ana helped 3 people with sql"). Nothing else is guessed.
The digest never names anyone who didn't meet that month, and ranks nobody.

Run from the scheduler's tick (leader only): a program's digest of month M goes out at the
program's local time on the 1st of M+1 (its time zone), once — the delivery key names the
program and the month, so a restart, a second tick or a replica can't post it twice.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import combinations
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import keys as key_of
from bot import wording
from bot.ledger import Outgoing, enqueue, redact
from bot.matching.tags import normalize_tags
from bot.messages import Message
from bot.ports import ChannelTarget
from bot.program_settings import digest_on
from bot.states import DeliveryKind, DeliveryStatus
from storage.models import Program
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.core import Core

logger = logging.getLogger(__name__)

MAX_QUOTES = 3
MAX_QUOTE = 280
MAX_LEARNED = 5
# A digest not posted within this long after its time (the bot was off, or the digest was
# turned on later) is skipped: old news.
STALE_AFTER = timedelta(days=7)


def month_due(program: Program, now: datetime) -> tuple[str, datetime, datetime] | None:
    """The month whose digest is due now ("YYYY-MM", its start and end in UTC), or None before
    the program's local time on the 1st (and a week after it)."""
    tz = ZoneInfo(program.timezone)
    local = now.astimezone(tz)
    hour, minute = (int(x) for x in program.local_time.split(":"))
    this_month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    post_at = this_month.replace(hour=hour, minute=minute)
    if not post_at <= local < post_at + STALE_AFTER:
        return None
    previous = (this_month - timedelta(days=1)).replace(day=1)
    return f"{previous:%Y-%m}", previous.astimezone(UTC), this_month.astimezone(UTC)


async def run_due_digests(core: Core) -> list[str]:
    """Queue (and leave to the outbox) every digest that is due. Errors are logged; the
    digest is tried again at the next tick."""
    now = core.now()
    due: list[tuple[Program, str, datetime, datetime]] = []
    async with core.reading() as uow:  # no write lock unless one is due and not queued yet
        for program in await uow.care.active_programs(core.platform.name):
            month = month_due(program, now) if digest_on(program) else None
            if month is None:
                continue
            queued = await uow.deliveries.by_key(key_of.digest(program.id, month[0]))
            if queued is None and await uow.care.rounds_between(program.id, *month[1:]):
                due.append((program, *month))
    keys: list[str] = []
    for program, month, start, end in due:
        key = key_of.digest(program.id, month)
        try:
            async with core.uow() as uow:
                if await uow.deliveries.by_key(key) is not None:
                    continue
                message = await build(uow, program, start, end, _month_name(start, program))
                if message is None:
                    continue
                item = Outgoing(
                    key, DeliveryKind.DIGEST, ChannelTarget(program.channel_id), message, now
                )
                if await enqueue(uow, program.workspace_id, item, now):
                    keys.append(key)
                    logger.info("program %s: digest of %s queued", program.id, month)
        except Exception:
            logger.exception("program %s: digest of %s failed; trying again", program.id, month)
    return keys


def _month_name(start: datetime, program: Program) -> str:
    return start.astimezone(ZoneInfo(program.timezone)).strftime("%B %Y")


async def build(
    uow: UnitOfWork, program: Program, start: datetime, end: datetime, month: str
) -> Message | None:
    """The digest of [start, end), or None when no round ran in it (nothing to tell)."""
    if not await uow.care.rounds_between(program.id, start, end):
        return None
    met_groups = await uow.care.met_groups(program.id, end, start)
    met = {m for group in met_groups for m in group}
    before = {
        frozenset(pair)
        for group in await uow.care.met_groups(program.id, start)
        for pair in combinations(group, 2)
    }
    notes = await uow.care.public_thanks(program.id, start, end)
    people = await uow.members.by_ids(sorted(met | {r for _, to in notes for r in to}))
    cross_team = set()
    for group in met_groups:
        for a, b in combinations(group, 2):
            pair = frozenset((a, b))
            ta, tb = _team(people.get(a)), _team(people.get(b))
            if ta and tb and ta != tb and pair not in before:
                cross_team.add(pair)
    # Quoted: notes between people who both met this month (a note may name whom it thanks).
    quotable = [n for n, to in notes if n.from_member_id in met and set(to) <= met]
    quotes = [_quoted(note.text) for note in quotable[-MAX_QUOTES:]]
    helped: dict[tuple[str, str], set[int]] = defaultdict(set)
    for note, to in notes:
        text = " ".join(note.text.split()).casefold()
        for member_id in to:
            person = people.get(member_id)
            if person is None or member_id not in met or member_id == note.from_member_id:
                continue  # only people who met this month are named
            for topic in sorted(normalize_tags(person.profile.offers or [])):
                if _mentions(text, topic):
                    helped[(person.external_id, topic)].add(note.from_member_id)
    learned = [
        wording.Learned(user, len(authors), topic)
        for (user, topic), authors in sorted(helped.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ][:MAX_LEARNED]
    return wording.digest(
        program.channel_id,
        month,
        len(met),
        len(cross_team),
        len(notes),
        quotes,
        learned,
        program.purpose,
    )


def _team(member: object) -> str | None:
    profile = getattr(member, "profile", None)
    team = getattr(profile, "team", None)
    return " ".join(team.split()).casefold() if team else None


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rstrip() + "…"


def _mentions(text: str, topic: str) -> bool:
    """Whether the (case-folded) note text mentions `topic` as a word or phrase."""
    return re.search(rf"(?<!\w){re.escape(topic)}(?!\w)", text) is not None


async def forget_quotes(uow: UnitOfWork, workspace_id: int, texts: list[str], why: str) -> None:
    """Thank-you notes were deleted (forget-me): digests that quoted them keep no trace of
    their words (redacted; one still due is not posted)."""
    needles = {json.dumps(_quoted(t)[:60])[1:-1] for t in texts if t.strip()}
    if not needles:
        return
    for row in await uow.deliveries.mentioning(workspace_id, needles):
        if row.kind != DeliveryKind.DIGEST or row.status == DeliveryStatus.SENDING:
            continue
        if row.status == DeliveryStatus.PENDING:
            row.status = DeliveryStatus.CANCELLED
        redact(row, why)
