"""Ghosts, handled kindly: someone whose rounds keep going quiet is asked once whether they're
still up for coffee chats; with no answer by the next round they're paused, told once, and
`/coffee resume` brings them back.

A *silent round* for a member is a round in which they were in a group, did not answer any
check-in of that round themselves, and none of their groups of that round said it met. (A
partner pressing "Can't this time" or "We've scheduled it" does not make it less silent for
them; a group that met makes it not silent for everyone in it.) Rounds they were not in a group
for — paused, sitting the round out (`/coffee skip`), the only one left unmatched — neither count
nor break a streak. Nor do rounds in which no group of the program answered any check-in: a
program whose people don't use the buttons says nothing about anyone. Only rounds that started
after they (re)joined the program, and after the round they were last asked in, count.
`ghost_after` silent rounds in a row (program setting, default 3, `off`) → the question, once
per streak.

Runs at the start of each round (`before_round`, before the round is matched), so someone paused
now is not matched in it. Every message is a delivery with a unique key; racing callers for the
same round write the same rows once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import keys as key_of
from bot import wording
from bot.ledger import Outgoing, enqueue
from bot.pauses import set_pause
from bot.ports import DirectTarget
from bot.program_settings import ghost_after
from bot.states import DeliveryKind, GhostAnswer, GroupOutcome
from storage.models import GhostCheck, Member, Program
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.core import Core

logger = logging.getLogger(__name__)

# How long "Pause for a month" (and the pause after no answer) lasts.
PAUSE_FOR = timedelta(days=30)
# Rounds looked back over, per round of `ghost_after` (rounds without a group don't count).
LOOKBACK_FACTOR = 3


def silent_rounds(
    rows: list[tuple[int, datetime, int, str | None, bool]],
) -> dict[int, dict[int, tuple[datetime, bool]]]:
    """Per member, per round number: (the round's start, whether it was silent for them).
    Rounds in which nobody answered a check-in are left out."""
    heard = {number for number, _, _, outcome, answered in rows if answered or outcome}
    out: dict[int, dict[int, tuple[datetime, bool]]] = {}
    for number, started, member_id, outcome, answered in rows:
        if number not in heard:
            continue
        rounds = out.setdefault(member_id, {})
        _, silent = rounds.get(number, (started, True))
        rounds[number] = (started, silent and not answered and outcome != GroupOutcome.MET)
    return out


def streak(rounds: dict[int, tuple[datetime, bool]], after_round: int, since: datetime) -> int:
    """Silent rounds in a row, counting back from the latest, among rounds numbered above
    `after_round` that started at or after `since`."""
    count = 0
    for number in sorted(rounds, reverse=True):
        started, silent = rounds[number]
        if number <= after_round or started < since or not silent:
            break
        count += 1
    return count


async def pause_until(uow: UnitOfWork, member: Member, now: datetime) -> datetime:
    """Pause `member` for a month (a longer pause they chose stays). Returns its end."""
    until = now + PAUSE_FOR
    current = member.profile.paused_until
    if current is not None and current > until:
        return current
    await set_pause(uow, member, until, now)
    return until


async def before_round(core: Core, program_id: int) -> list[str]:
    """Pause who left last round's question unanswered; ask who went quiet. Returns the keys
    of the messages queued."""
    now = core.now()
    async with core.uow() as uow:
        program = await uow.programs.get(program_id)
        if program is None or not ghost_after(program):
            return []
        number = program.last_round_number + 1
        after = ghost_after(program)
        rows = await uow.care.participation(program_id, number, after * LOOKBACK_FACTOR + 1)
        by_member = silent_rounds(rows)
        checks = await uow.care.latest_checks(program_id)
        keys = await _pause_unanswered(uow, program, number, checks, by_member, now)
        joined = await uow.care.joined_at(program_id)
        asking = []  # (ids only: this runs beside the matcher; most rounds ask nobody)
        for member_id in await uow.programs.eligible_member_ids(program_id, now):
            check = checks.get(member_id)
            if check is not None and (check.answer is None or check.asked_round >= number):
                continue  # a question is open (or was asked for this round already)
            asked_before = check.asked_round if check is not None else 0
            since = joined.get(member_id, now)
            quiet = streak(by_member.get(member_id, {}), asked_before, since)
            if quiet >= after:
                asking.append(member_id)
        members = await uow.members.by_ids(asking)
        for member_id in asking:
            keys += await _ask(uow, program, members[member_id], number, now)
    return keys


async def _pause_unanswered(
    uow: UnitOfWork,
    program: Program,
    number: int,
    checks: dict[int, GhostCheck],
    by_member: dict[int, dict[int, tuple[datetime, bool]]],
    now: datetime,
) -> list[str]:
    keys: list[str] = []
    for member_id, check in checks.items():
        if check.answer is not None or check.asked_round >= number:
            continue
        since_asked = [
            silent for n, (_, silent) in by_member.get(member_id, {}).items()
            if n >= check.asked_round
        ]  # fmt: skip
        check.answered_at = now
        if not all(since_asked):  # they answered a check-in, or met: that's an answer too
            check.answer = GhostAnswer.KEEP
            continue
        membership = await uow.programs.membership(program.id, member_id)
        member = (await uow.members.by_ids([member_id])).get(member_id)
        if member is None or membership is None or membership.left_at is not None:
            check.answer = GhostAnswer.LEAVE
            continue
        paused = member.profile.paused_until
        if paused is not None and paused > now:
            check.answer = GhostAnswer.PAUSE  # they paused themselves meanwhile: nothing to say
            continue
        check.answer = GhostAnswer.AUTO_PAUSED
        until = await pause_until(uow, member, now)
        tz = member.profile.timezone or program.timezone
        item = Outgoing(
            key_of.ghost_paused(program.id, member.id, check.asked_round),
            DeliveryKind.GHOST_PAUSED,
            DirectTarget(member.external_id, program.channel_id),
            wording.ghost_paused(program.channel_id, until, tz),
            now,
            recipient=member.external_id,
        )
        if await enqueue(uow, program.workspace_id, item, now):
            keys.append(item.key)
        logger.info("program %s: member %s paused (no answer since round %s)",
                    program.id, member.id, check.asked_round)  # fmt: skip
    return keys


async def _ask(
    uow: UnitOfWork, program: Program, member: Member, number: int, now: datetime
) -> list[str]:
    check = await uow.care.add_check(
        GhostCheck(program_id=program.id, member_id=member.id, asked_round=number, asked_at=now)
    )
    item = Outgoing(
        key_of.ghost_question(program.id, member.id, number),
        DeliveryKind.GHOST_QUESTION,
        DirectTarget(member.external_id, program.channel_id),
        wording.ghost_question(check.id, program.channel_id),
        now,
        recipient=member.external_id,
    )
    logger.info("program %s: asking member %s if they're still in", program.id, member.id)
    return [item.key] if await enqueue(uow, program.workspace_id, item, now) else []
