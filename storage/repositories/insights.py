"""The dashboard's read-only figures: aggregates computed in SQL, one query per figure.

Every method only reads. "Met" means a group whose outcome is `met` (the most hopeful check-in
answer any member gave); a *pair* is two members of one such group (a group of three is three
pairs). Pairs are ordered `a < b` by member id so each is counted once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from bot.states import GroupOutcome
from storage.models import (
    CheckinAnswer,
    Group,
    GroupMember,
    Member,
    Membership,
    MembershipPeriod,
    OptOut,
    PausePeriod,
    Profile,
    Program,
    Round,
    ThanksNote,
    ThanksRecipient,
    Workspace,
)
from storage.repositories.base import Repository


def _met_pairs(
    program_id: int,
    status: str | None = None,
    round_id: int | None = None,
    span: tuple[int, int] | None = None,
) -> Any:
    """(a, b, round number) for every pair of members who met in one of the program's groups
    (of its rounds in `status`, of the round `round_id`, if given; `span`: see `_group_span`)."""
    a, b = aliased(GroupMember), aliased(GroupMember)
    stmt = (
        select(a.member_id.label("a"), b.member_id.label("b"), Round.number.label("number"))
        .select_from(Round)
        .join(Group, Group.round_id == Round.id)
        .join(a, a.group_id == Group.id)
        .join(b, and_(b.group_id == Group.id, a.member_id < b.member_id))
        .where(_in_rounds(program_id, status, round_id), Group.outcome == GroupOutcome.MET)
    )
    if span is not None:
        stmt = stmt.where(a.group_id.between(*span), b.group_id.between(*span))
    return stmt


def _in_rounds(program_id: int, status: str | None, round_id: int | None = None) -> Any:
    """The program's rounds, those in `status` if given, the one round `round_id` if given."""
    cond = Round.program_id == program_id
    if status is not None:
        cond = and_(cond, Round.status == status)
    if round_id is not None:
        cond = and_(cond, Round.id == round_id)
    return cond


def _active_membership(program_id: int) -> Any:
    """Conditions for a current member: joined, not left, neither a bot nor deactivated."""
    return and_(
        Membership.program_id == program_id,
        Membership.left_at.is_(None),
        Member.is_bot.is_(False),
        Member.deactivated.is_(False),
    )


class InsightsRepository(Repository):
    # --- what changed: cheap fingerprints the figure caches are checked against -------------

    async def members_state(self, workspace_id: int) -> tuple[int, int | None, int, int]:
        """(members of the workspace, highest member id, deactivated, bots): a deletion, a
        newcomer or a deactivation changes it."""
        stmt = select(
            func.count(Member.id),
            func.max(Member.id),
            func.coalesce(func.sum(case((Member.deactivated.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((Member.is_bot.is_(True), 1), else_=0)), 0),
        ).where(Member.workspace_id == workspace_id)
        count, top, deactivated, bots = (await self._s.execute(stmt)).one()
        return int(count), top, int(deactivated), int(bots)

    async def memberships_state(
        self, program_id: int
    ) -> tuple[int, int, datetime | None, datetime | None]:
        """(periods, of which ended, latest join, latest leave) of the program's membership
        history: every join adds a period and every leave ends one (the membership rows change
        with them), and a forget-me deletes the person's periods."""
        stmt = select(
            func.count(MembershipPeriod.id),
            func.count(MembershipPeriod.left_at),
            func.max(MembershipPeriod.joined_at),
            func.max(MembershipPeriod.left_at),
        ).where(MembershipPeriod.program_id == program_id)
        count, left, joined_at, left_at = (await self._s.execute(stmt)).one()
        return int(count), int(left), joined_at, left_at

    async def profiles_state(self) -> tuple[int, datetime | None]:
        """(profiles, latest profile change): every profile edit stamps `updated_at`."""
        stmt = select(func.count(Profile.member_id), func.max(Profile.updated_at))
        count, latest = (await self._s.execute(stmt)).one()
        return int(count), latest

    async def thanks_state(self, program_id: int) -> tuple[int, int | None, datetime | None]:
        stmt = select(
            func.count(ThanksNote.id), func.max(ThanksNote.id), func.max(ThanksNote.created_at)
        ).where(ThanksNote.program_id == program_id)
        count, top, latest = (await self._s.execute(stmt)).one()
        return int(count), top, latest

    async def rounds_answered_since(
        self, program_id: int, status: str, since: datetime
    ) -> set[int]:
        """Ids of the program's rounds in `status` with a check-in answered (or changed) at or
        after `since` (the index on `answered_at` keeps this to the recent answers)."""
        stmt = (
            select(Group.round_id)
            .select_from(CheckinAnswer)
            .join(Group, Group.id == CheckinAnswer.group_id)
            .join(Round, Round.id == Group.round_id)
            .where(CheckinAnswer.answered_at >= since, _in_rounds(program_id, status))
            .distinct()
        )
        return {int(r) for r in (await self._s.execute(stmt)).scalars()}

    async def opt_outs_state(self, workspace_id: int) -> tuple[int, int | None]:
        """(opt-outs, highest id): every forget-me (the only way members are deleted) adds one."""
        stmt = select(func.count(OptOut.id), func.max(OptOut.id)).where(
            OptOut.workspace_id == workspace_id
        )
        count, top = (await self._s.execute(stmt)).one()
        return int(count), top

    async def programs_on(self, platform: str) -> list[tuple[str, int]]:
        """(workspace external id, program id) of every program on the platform."""
        stmt = (
            select(Workspace.external_id, Program.id)
            .join(Program, Program.workspace_id == Workspace.id)
            .where(Workspace.platform == platform)
            .order_by(Program.id)
        )
        return [(w, int(p)) for w, p in await self._s.execute(stmt)]

    # --- programs -----------------------------------------------------------------------------

    async def program(self, workspace_id: int, program_id: int) -> Program | None:
        """The program, only if it belongs to this workspace (else None, as if it didn't exist)."""
        stmt = select(Program).where(Program.id == program_id, Program.workspace_id == workspace_id)
        return (await self._s.execute(stmt)).scalar_one_or_none()

    # --- participation ------------------------------------------------------------------------

    async def membership_counts(self, program_id: int, now: datetime) -> tuple[int, int, int]:
        """(current members, of whom paused now, memberships that left)."""
        paused = case((Profile.paused_until > now, 1), else_=0)
        active = (
            select(func.count(Membership.id), func.coalesce(func.sum(paused), 0))
            .join(Member, Member.id == Membership.member_id)
            .outerjoin(Profile, Profile.member_id == Member.id)
            .where(_active_membership(program_id))
        )
        members, paused_now = (await self._s.execute(active)).one()
        left = select(func.count(Membership.id)).where(
            Membership.program_id == program_id, Membership.left_at.is_not(None)
        )
        return int(members), int(paused_now), int((await self._s.execute(left)).scalar_one())

    async def membership_spans(self, program_id: int) -> list[tuple[datetime, datetime | None]]:
        """(joined_at, left_at) of every membership period (a member who left and came back
        has one per stay)."""
        stmt = select(MembershipPeriod.joined_at, MembershipPeriod.left_at).where(
            MembershipPeriod.program_id == program_id
        )
        return [(j, lft) for j, lft in await self._s.execute(stmt)]

    async def paused_per_round(self, program_id: int) -> dict[int, int]:
        """Round number → members (by the membership periods, as the round's member count)
        whom a pause period covered at the round's start. Rounds with none are left out."""
        stmt = (
            select(Round.number, func.count(func.distinct(PausePeriod.member_id)))
            .join(MembershipPeriod, MembershipPeriod.program_id == Round.program_id)
            .join(
                PausePeriod,
                and_(
                    PausePeriod.member_id == MembershipPeriod.member_id,
                    PausePeriod.started_at <= Round.started_at,
                    PausePeriod.ended_at > Round.started_at,
                ),
            )
            .where(
                Round.program_id == program_id,
                MembershipPeriod.joined_at <= Round.started_at,
                or_(
                    MembershipPeriod.left_at.is_(None),
                    MembershipPeriod.left_at > Round.started_at,
                ),
            )
            .group_by(Round.number)
        )
        return {int(n): int(c) for n, c in await self._s.execute(stmt)}

    async def opt_outs(self, workspace_id: int) -> int:
        """People of the workspace who asked to be forgotten (only a hash of them remains)."""
        stmt = select(func.count(OptOut.id)).where(OptOut.workspace_id == workspace_id)
        return int((await self._s.execute(stmt)).scalar_one())

    # --- rounds -------------------------------------------------------------------------------

    async def rounds(self, program_id: int) -> list[Round]:
        stmt = select(Round).where(Round.program_id == program_id).order_by(Round.number)
        return list((await self._s.execute(stmt)).scalars())

    async def outcomes(
        self, program_id: int, status: str | None = None, round_id: int | None = None
    ) -> list[tuple[int, str | None, int]]:
        """(round number, group outcome or None, groups) for every round (in `status`)."""
        stmt = (
            select(Round.number, Group.outcome, func.count(Group.id))
            .join(Group, Group.round_id == Round.id)
            .where(_in_rounds(program_id, status, round_id))
            .group_by(Round.number, Group.outcome)
        )
        return [(n, o, int(c)) for n, o, c in await self._s.execute(stmt)]

    async def group_spans(self, program_id: int) -> dict[int, tuple[int, int]]:
        """Round id → (lowest, highest) group id, for every round of the program that has
        groups (see `_group_span`)."""
        stmt = (
            select(Group.round_id, func.min(Group.id), func.max(Group.id))
            .join(Round, Round.id == Group.round_id)
            .where(Round.program_id == program_id)
            .group_by(Group.round_id)
        )
        return {int(r): (int(lo), int(hi)) for r, lo, hi in await self._s.execute(stmt)}

    async def _group_span(
        self, round_id: int | None, span: tuple[int, int] | None = None
    ) -> tuple[int, int] | None:
        """The lowest and highest group id of a round. A round's groups are saved together, so
        their ids are (nearly always) one range: bounding the group members' ids to it lets
        PostgreSQL range-scan their primary key instead of reading the whole table. Only a
        bound: the join on the round still decides (an id of another round in the range is
        filtered out)."""
        if round_id is None or span is not None:
            return span
        stmt = select(func.min(Group.id), func.max(Group.id)).where(Group.round_id == round_id)
        lo, hi = (await self._s.execute(stmt)).one()
        return (int(lo), int(hi)) if lo is not None else (0, -1)

    async def matched(
        self, program_id: int, status: str | None = None, round_id: int | None = None
    ) -> dict[int, int]:
        """Round number → people placed in a group (rounds in `status`)."""
        stmt = (
            select(Round.number, func.count())
            .join(Group, Group.round_id == Round.id)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(_in_rounds(program_id, status, round_id))
            .group_by(Round.number)
        )
        span = await self._group_span(round_id)
        if span is not None:
            stmt = stmt.where(GroupMember.group_id.between(*span))
        return {n: int(c) for n, c in await self._s.execute(stmt)}

    # --- connections --------------------------------------------------------------------------

    async def pair_stats(
        self,
        program_id: int,
        status: str | None = None,
        round_id: int | None = None,
        span: tuple[int, int] | None = None,
    ) -> list[tuple[int, int, int, int]]:
        """(a, b, first round they met in, rounds they met in) for every pair who met
        (`span`: the round's group ids, if known; see `_group_span`)."""
        span = await self._group_span(round_id, span)
        pairs = _met_pairs(program_id, status, round_id, span).subquery()
        stmt = select(pairs.c.a, pairs.c.b, func.min(pairs.c.number), func.count()).group_by(
            pairs.c.a, pairs.c.b
        )
        return [(int(a), int(b), int(f), int(n)) for a, b, f, n in await self._s.execute(stmt)]

    async def per_member(
        self,
        program_id: int,
        status: str | None = None,
        round_id: int | None = None,
        acted_only: bool = False,
        span: tuple[int, int] | None = None,
    ) -> list[tuple[int, int, int, int]]:
        """(member id, groups placed in, met groups, check-ins answered) over the program's
        rounds (in `status`); `acted_only`: only members who met or answered."""
        met = case((Group.outcome == GroupOutcome.MET, 1), else_=0)
        span = await self._group_span(round_id, span)
        answered = and_(
            CheckinAnswer.group_id == GroupMember.group_id,
            CheckinAnswer.member_id == GroupMember.member_id,
        )
        if span is not None:
            answered = and_(answered, CheckinAnswer.group_id.between(*span))
        stmt = (
            select(
                GroupMember.member_id,
                func.count(GroupMember.group_id),
                func.coalesce(func.sum(met), 0),
                func.count(CheckinAnswer.id),
            )
            .join(Group, Group.id == GroupMember.group_id)
            .join(Round, Round.id == Group.round_id)
            .outerjoin(CheckinAnswer, answered)
            .where(_in_rounds(program_id, status, round_id))
            .group_by(GroupMember.member_id)
        )
        if span is not None:
            stmt = stmt.where(GroupMember.group_id.between(*span))
        if acted_only:
            stmt = stmt.having(or_(func.sum(met) > 0, func.count(CheckinAnswer.id) > 0))
        return [(int(m), int(p), int(g), int(a)) for m, p, g, a in await self._s.execute(stmt)]

    async def teams(self, workspace_id: int) -> dict[int, str | None]:
        """Member id → team, for the workspace's members."""
        stmt = (
            select(Profile.member_id, Profile.team)
            .join(Member, Member.id == Profile.member_id)
            .where(Member.workspace_id == workspace_id)
        )
        return {int(m): t for m, t in await self._s.execute(stmt)}

    async def people(self, member_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
        """Member id → (display name, team)."""
        if not member_ids:
            return {}
        stmt = (
            select(Member.id, Member.display_name, Profile.team)
            .outerjoin(Profile, Profile.member_id == Member.id)
            .where(Member.id.in_(list(member_ids)))
        )
        return {int(i): (n, t) for i, n, t in await self._s.execute(stmt)}

    # --- gratitude ----------------------------------------------------------------------------

    async def thanks_times(self, program_id: int) -> list[tuple[datetime, bool]]:
        """(created_at, public) of every note of the program, oldest first."""
        stmt = (
            select(ThanksNote.created_at, ThanksNote.public)
            .where(ThanksNote.program_id == program_id)
            .order_by(ThanksNote.created_at)
        )
        return [(c, bool(p)) for c, p in await self._s.execute(stmt)]

    async def public_notes(
        self, program_id: int, limit: int
    ) -> list[tuple[int, datetime, str, str, list[str]]]:
        """The latest public notes: (id, created_at, author's name, text, recipients' names).
        Private notes are never read here."""
        stmt = (
            select(ThanksNote.id, ThanksNote.created_at, Member.display_name, ThanksNote.text)
            .join(Member, Member.id == ThanksNote.from_member_id)
            .where(ThanksNote.program_id == program_id, ThanksNote.public.is_(True))
            .order_by(ThanksNote.created_at.desc(), ThanksNote.id.desc())
            .limit(limit)
        )
        notes = list(await self._s.execute(stmt))
        names = await self._recipient_names([n[0] for n in notes])
        return [(i, c, a, t, names.get(i, [])) for i, c, a, t in notes]

    async def _recipient_names(self, note_ids: Sequence[int]) -> dict[int, list[str]]:
        if not note_ids:
            return {}
        stmt = (
            select(ThanksRecipient.note_id, Member.display_name)
            .join(Member, Member.id == ThanksRecipient.member_id)
            .where(ThanksRecipient.note_id.in_(list(note_ids)))
            .order_by(ThanksRecipient.note_id, Member.display_name)
        )
        out: dict[int, list[str]] = {}
        for note_id, name in await self._s.execute(stmt):
            out.setdefault(note_id, []).append(name)
        return out

    # --- interests ----------------------------------------------------------------------------

    async def tags(self, program_id: int) -> list[tuple[list[str], list[str], list[str]]]:
        """(interests, offers, wants) of every current member."""
        stmt = (
            select(Profile.interests, Profile.offers, Profile.wants)
            .join(Member, Member.id == Profile.member_id)
            .join(Membership, Membership.member_id == Member.id)
            .where(_active_membership(program_id))
        )
        return [(i or [], o or [], w or []) for i, o, w in await self._s.execute(stmt)]

    # --- overview -----------------------------------------------------------------------------

    async def thanks_count(self, program_id: int) -> int:
        stmt = select(func.count(ThanksNote.id)).where(ThanksNote.program_id == program_id)
        return int((await self._s.execute(stmt)).scalar_one())

    # --- one member's own page ----------------------------------------------------------------

    async def meetings_of(
        self, member_id: int
    ) -> list[tuple[int, str, str | None, int, datetime, int, str | None, str | None]]:
        """Every group the member was in: (program id, channel, program name, round number,
        round start, group id, group outcome, their own answer), newest first."""
        stmt = (
            select(
                Program.id,
                Program.channel_id,
                Program.name,
                Round.number,
                Round.started_at,
                Group.id,
                Group.outcome,
                CheckinAnswer.answer,
            )
            .select_from(GroupMember)
            .join(Group, Group.id == GroupMember.group_id)
            .join(Round, Round.id == Group.round_id)
            .join(Program, Program.id == Round.program_id)
            .outerjoin(
                CheckinAnswer,
                and_(
                    CheckinAnswer.group_id == Group.id,
                    CheckinAnswer.member_id == GroupMember.member_id,
                ),
            )
            .where(GroupMember.member_id == member_id)
            .order_by(Round.started_at.desc(), Group.id.desc())
        )
        return [tuple(row) for row in await self._s.execute(stmt)]  # type: ignore[misc]

    async def group_mates(
        self, group_ids: Sequence[int], member_id: int
    ) -> dict[int, list[tuple[str, str]]]:
        """Group id → [(platform id, name)] of the others in it."""
        if not group_ids:
            return {}
        stmt = (
            select(GroupMember.group_id, Member.external_id, Member.display_name)
            .join(Member, Member.id == GroupMember.member_id)
            .where(GroupMember.group_id.in_(list(group_ids)), GroupMember.member_id != member_id)
            .order_by(GroupMember.group_id, Member.display_name)
        )
        out: dict[int, list[tuple[str, str]]] = {}
        for gid, ext, name in await self._s.execute(stmt):
            out.setdefault(gid, []).append((ext, name))
        return out

    async def thanks_received(
        self, member_id: int
    ) -> list[tuple[int, datetime, str, str, bool, int | None]]:
        """Notes thanking the member, private ones included (only they see this):
        (note id, created_at, author's name, text, public, program id), newest first."""
        stmt = (
            select(
                ThanksNote.id,
                ThanksNote.created_at,
                Member.display_name,
                ThanksNote.text,
                ThanksNote.public,
                ThanksNote.program_id,
            )
            .join(ThanksRecipient, ThanksRecipient.note_id == ThanksNote.id)
            .join(Member, Member.id == ThanksNote.from_member_id)
            .where(ThanksRecipient.member_id == member_id)
            .order_by(ThanksNote.created_at.desc(), ThanksNote.id.desc())
        )
        return [(i, c, a, t, bool(p), pid) for i, c, a, t, p, pid in await self._s.execute(stmt)]

    async def thanks_given(self, member_id: int) -> int:
        stmt = select(func.count(ThanksNote.id)).where(ThanksNote.from_member_id == member_id)
        return int((await self._s.execute(stmt)).scalar_one())

    async def programs_of(self, member_id: int) -> list[tuple[Program, Membership]]:
        """Every program the member has a membership in, left ones included."""
        stmt = (
            select(Program, Membership)
            .join(Membership, Membership.program_id == Program.id)
            .where(Membership.member_id == member_id)
            .order_by(Program.id)
        )
        return [(p, m) for p, m in (await self._s.execute(stmt)).all()]
