"""A member's own page: who they met and when, the thanks they received (private ones too:
only they see this page), their profile and their memberships."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.insights.figures import (
    Meeting,
    MemberFigures,
    MembershipView,
    ProfileView,
    ReceivedNote,
)
from bot.insights.program import NotFound
from bot.states import GroupOutcome

if TYPE_CHECKING:
    from bot.core import Core

logger = logging.getLogger(__name__)


async def member_figures(core: Core, workspace_id: str, user_id: str) -> MemberFigures:
    """The figures of `user_id`'s own page; NotFound if we hold nothing about them (never
    joined, or forgotten)."""
    now = core.now()
    async with core.reading() as uow:
        member = await core.find_member(uow, workspace_id, user_id)
        if member is None:
            raise NotFound(user_id)
        rows = await uow.insights.meetings_of(member.id)
        mates = await uow.insights.group_mates([r[5] for r in rows], member.id)
        received = await uow.insights.thanks_received(member.id)
        given = await uow.insights.thanks_given(member.id)
        memberships = await uow.insights.programs_of(member.id)
        p = member.profile
    meetings = tuple(
        Meeting(
            program_id=pid,
            channel_id=channel,
            round_number=number,
            started_at=started,
            with_=tuple(mates.get(gid, [])),
            outcome=outcome,
            my_answer=answer,
        )
        for pid, channel, _name, number, started, gid, outcome, answer in rows
    )
    met = {ext for m in meetings if m.outcome == GroupOutcome.MET for ext, _ in m.with_}
    paused = bool(p is not None and p.paused_until is not None and p.paused_until > now)
    return MemberFigures(
        member_id=member.id,
        user_id=member.external_id,
        display_name=member.display_name,
        profile=ProfileView(
            team=p.team if p else None,
            timezone=p.timezone if p else None,
            location=p.location if p else None,
            interests=tuple(p.interests or []) if p else (),
            offers=tuple(p.offers or []) if p else (),
            wants=tuple(p.wants or []) if p else (),
            start_date=p.start_date if p else None,
            paused_until=p.paused_until if paused and p else None,
        ),
        paused=paused,
        programs=tuple(
            MembershipView(
                program_id=program.id,
                channel_id=program.channel_id,
                name=program.name,
                joined_at=ms.joined_at,
                left_at=ms.left_at,
                skip_round=(
                    ms.skip_round
                    if ms.skip_round is not None and ms.skip_round > program.last_round_number
                    else None
                ),
            )
            for program, ms in memberships
        ),
        meetings=meetings,
        people_met=len(met),
        thanks_received=tuple(
            ReceivedNote(note_id=i, created_at=c, author=a, text=t, public=pub)
            for i, c, a, t, pub, _pid in received
        ),
        thanks_given=given,
    )
