"""Programs (a channel's coffee chats) and who is in them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, insert, select, update

from storage.models import Member, Membership, MembershipPeriod, Profile, Program, Workspace
from storage.repositories.base import Repository, insert_new
from storage.repositories.rounds import status_rounds_columns

# The hot statements of a slash command, built once (construction and cache key reused).
_BY_CHANNEL = select(Program).where(
    Program.workspace_id == bindparam("p_ws"), Program.channel_id == bindparam("p_channel")
)
_MEMBERSHIPS_OF = (
    select(Program, Membership)
    .join(Membership, Membership.program_id == Program.id)
    .where(Membership.member_id == bindparam("p_member"), Membership.left_at.is_(None))
    .order_by(Program.id)
)


_INSERT_PERIOD = insert(MembershipPeriod.__table__)


# A member (with their profile), the programs they are in, and what `/coffee status` shows
# of their rounds (the same on every row), in one statement.
_MEMBER_AND_PROGRAMS = (
    select(Member, Program, Membership, *status_rounds_columns(Member.id))
    .outerjoin(Membership, and_(Membership.member_id == Member.id, Membership.left_at.is_(None)))
    .outerjoin(Program, Program.id == Membership.program_id)
    .where(Member.workspace_id == bindparam("p_ws"), Member.external_id == bindparam("p_ext"))
    .order_by(Program.id)
)


@dataclass(frozen=True, slots=True)
class RosterProfile:
    """The profile fields a round reads (matching, proposed times), without an ORM object."""

    team: str | None
    timezone: str | None
    utc_offset_hours: float | None
    interests: list[str]
    offers: list[str]
    wants: list[str]
    location: str | None
    work_start: str | None
    work_end: str | None
    manager: str | None


@dataclass(frozen=True, slots=True)
class RosterMember:
    """An eligible member as a round reads them: plain values, not ORM objects (a
    3,000-member round loads them in a fifth of the time, and nothing is tracked)."""

    id: int
    external_id: str
    display_name: str
    profile: RosterProfile | None


_ROSTER_PROFILE = (
    Profile.team,
    Profile.timezone,
    Profile.utc_offset_hours,
    Profile.interests,
    Profile.offers,
    Profile.wants,
    Profile.location,
    Profile.work_start,
    Profile.work_end,
    Profile.manager,
)


@dataclass(frozen=True, slots=True)
class MemberStatus:
    """What `/coffee status` reads: the member (with their profile), the programs they are in
    with their memberships, their group in their latest open round (None: none) and how many
    colleagues they have met."""

    member: Member
    memberships: list[tuple[Program, Membership]]
    current_group: int | None
    colleagues_met: int


def _active_in(columns: Select[Any], program_id: int) -> Select[Any]:
    """`columns` of the program's active members: joined and not left, not bots, not
    deactivated (pauses are checked by the callers)."""
    return columns.join(Membership, Membership.member_id == Member.id).where(
        Membership.program_id == program_id,
        Membership.left_at.is_(None),
        Member.is_bot.is_(False),
        Member.deactivated.is_(False),
    )


def _in_program(columns: Select[Any], program_id: int) -> Select[Any]:
    """`_active_in`, with their profile's columns (if any), by id."""
    return (
        _active_in(columns, program_id)
        .outerjoin(Profile, Profile.member_id == Member.id)
        .order_by(Member.id)
    )


class ProgramRepository(Repository):
    def add(self, program: Program) -> None:
        """A new program, written at the next flush or commit."""
        self._s.add(program)

    async def get(self, program_id: int) -> Program | None:
        return await self._s.get(Program, program_id)

    async def by_channel(self, workspace_id: int, channel_id: str) -> Program | None:
        params = {"p_ws": workspace_id, "p_channel": channel_id}
        return (await self._s.execute(_BY_CHANNEL, params)).scalar_one_or_none()

    async def in_workspace(self, workspace_id: int) -> list[Program]:
        stmt = select(Program).where(Program.workspace_id == workspace_id).order_by(Program.id)
        return list((await self._s.execute(stmt)).scalars())

    async def due(self, now: datetime, platform: str) -> list[Program]:
        on_platform = select(Program).join(Workspace, Workspace.id == Program.workspace_id)
        due = (Program.active.is_(True), Program.next_round_at <= now)
        stmt = on_platform.where(Workspace.platform == platform, *due)
        return list(
            (await self._s.execute(stmt.order_by(Program.next_round_at, Program.id))).scalars()
        )

    async def claim_round(
        self,
        program: Program,
        number: int,
        following: datetime,
        scheduled_for: datetime | None,
    ) -> int | None:
        """Compare-and-set on the round counter (and the schedule slot): move the program to
        round `number` and its next slot to `following` only if it is still at `number − 1`
        (and, for a scheduled run, still due at `scheduled_for`). Racing callers serialise on
        this row; every one but the first finds it changed. Returns None when this caller won,
        else the round number another caller reached."""
        guard = update(Program).where(
            Program.id == program.id, Program.last_round_number == number - 1
        )
        if scheduled_for is not None:
            guard = guard.where(Program.next_round_at == scheduled_for)
        claimed = await self._s.execute(
            guard.values(last_round_number=number, next_round_at=following).execution_options(
                synchronize_session=False
            )
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            last = await self._s.execute(
                select(Program.last_round_number).where(Program.id == program.id)
            )
            return int(last.scalar_one())
        await self._s.refresh(program)
        return None

    async def forget_admin(self, workspace_id: int, external_id: str) -> None:
        """Whoever added the bot asked to be forgotten: their programs no longer name them."""
        await self._s.execute(
            update(Program)
            .where(Program.workspace_id == workspace_id, Program.added_by == external_id)
            .values(added_by=None)
            .execution_options(synchronize_session=False)
        )

    # --- memberships --------------------------------------------------------------------------

    async def membership(self, program_id: int, member_id: int) -> Membership | None:
        stmt = self._membership(program_id, member_id)
        return (await self._s.execute(stmt)).scalar_one_or_none()

    async def start_membership(self, program_id: int, member_id: int, now: datetime) -> bool:
        """Put the member in the program from `now`: a new membership, or their left one
        reopened, with a new period in `membership_periods` (same transaction). False when
        they were in already (or a concurrent request just put them in; that request records
        the period)."""
        # One round trip for a first join; a read only when a membership was there.
        params = {"program_id": program_id, "member_id": member_id, "joined_at": now}
        new = (
            await self._s.execute(insert_new(self._dialect, Membership.__table__), params)
        ).first()
        if new is None:
            membership = await self.membership(program_id, member_id)
            if membership is None or membership.left_at is None:
                return None
            membership.left_at, membership.joined_at = None, now
        await self._s.execute(_INSERT_PERIOD, params)
        return True

    async def end_membership(self, membership: Membership, now: datetime) -> bool:
        """Take the member out of the program at `now`: the membership and its open period
        end together. False when it had ended already."""
        if membership.left_at is not None:
            return False
        membership.left_at = now
        await self._s.execute(
            update(MembershipPeriod)
            .where(
                MembershipPeriod.program_id == membership.program_id,
                MembershipPeriod.member_id == membership.member_id,
                MembershipPeriod.left_at.is_(None),
            )
            .values(left_at=now)
            .execution_options(synchronize_session=False)
        )
        return True

    async def forget_periods(self, member_id: int) -> None:
        """forget-me: every period the member was in any program goes."""
        await self._s.execute(
            delete(MembershipPeriod).where(MembershipPeriod.member_id == member_id)
        )

    @staticmethod
    def _membership(program_id: int, member_id: int) -> Any:
        return select(Membership).where(
            Membership.program_id == program_id, Membership.member_id == member_id
        )

    async def memberships_of(self, member_id: int) -> list[tuple[Program, Membership]]:
        """The member's programs with their memberships (joined and not left)."""
        rows = await self._s.execute(_MEMBERSHIPS_OF, {"p_member": member_id})
        return [(p, m) for p, m in rows.all()]

    async def member_status(self, workspace_id: int, external_id: str) -> MemberStatus | None:
        """A stored member, `memberships_of` them and
        `RoundRepository.current_group_and_colleagues` of them, in one statement."""
        params = {"p_ws": workspace_id, "p_ext": external_id}
        rows = (await self._s.execute(_MEMBER_AND_PROGRAMS, params)).unique().all()
        if not rows:
            return None
        first = rows[0]
        mine = [(p, m) for _, p, m, _g, _n in rows if p is not None]
        return MemberStatus(first[0], mine, first[3], int(first[4]))

    async def of_member(self, member_id: int) -> list[Program]:
        """The programs a member is in (joined and not left)."""
        stmt = (
            select(Program)
            .join(Membership, Membership.program_id == Program.id)
            .where(Membership.member_id == member_id, Membership.left_at.is_(None))
            .order_by(Program.id)
        )
        return list((await self._s.execute(stmt)).scalars())

    async def member_external_ids(self, program_id: int) -> set[str]:
        """Everyone with a membership row in the program, left or not."""
        stmt = (
            select(Member.external_id)
            .join(Membership, Membership.member_id == Member.id)
            .where(Membership.program_id == program_id)
        )
        return set((await self._s.execute(stmt)).scalars())

    async def membership_changed_at(self, program_id: int) -> datetime | None:
        """The latest join or leave recorded in the program."""
        stmt = select(func.max(Membership.joined_at), func.max(Membership.left_at)).where(
            Membership.program_id == program_id
        )
        joined, left = (await self._s.execute(stmt)).one()
        moments = [m for m in (joined, left) if m is not None]
        return max(moments) if moments else None

    async def active_members(self, program_id: int) -> list[Member]:
        """Joined and not left, not bots, not deactivated (pauses are checked by the caller)."""
        stmt = _active_in(select(Member), program_id).order_by(Member.id)
        return list((await self._s.execute(stmt)).unique().scalars())

    async def active_external_ids(self, program_id: int) -> dict[str, int]:
        """`active_members` as platform user id → member id, without loading the members
        (a pool sync of a 3,000-member program only compares ids)."""
        stmt = _active_in(select(Member.external_id, Member.id), program_id).order_by(Member.id)
        return dict((await self._s.execute(stmt)).all())

    async def _sitting_out(self, program_id: int) -> set[int]:
        """Members who asked to sit the program's next round out."""
        skipping = (
            select(Membership.member_id)
            .join(Program, Program.id == Membership.program_id)
            .where(
                Membership.program_id == program_id,
                Membership.skip_round == Program.last_round_number + 1,
            )
        )
        return set((await self._s.execute(skipping)).scalars())

    async def eligible_members(self, program_id: int, now: datetime) -> list[Member]:
        """Who the program's next round matches: active, not paused, not sitting it out."""
        sitting_out = await self._sitting_out(program_id)
        return [
            m
            for m in await self.active_members(program_id)
            if (
                m.profile is None or m.profile.paused_until is None or m.profile.paused_until <= now
            )
            and m.id not in sitting_out
        ]

    async def eligible_roster(self, program_id: int, now: datetime) -> list[RosterMember]:
        """`eligible_members` (the same people, in the same order) as plain rows, with the
        profile fields a round reads: one SELECT, no ORM objects."""
        sitting_out = await self._sitting_out(program_id)
        stmt = _in_program(
            select(
                Member.id,
                Member.external_id,
                Member.display_name,
                Profile.member_id,
                Profile.paused_until,
                *_ROSTER_PROFILE,
            ),
            program_id,
        )
        out = []
        for row in (await self._s.execute(stmt)).all():
            member_id, external_id, name, has_profile, paused_until, *fields = row
            if member_id in sitting_out or (paused_until is not None and paused_until > now):
                continue
            profile = RosterProfile(*fields) if has_profile is not None else None
            out.append(RosterMember(member_id, external_id, name, profile))
        return out

    async def eligible_member_ids(self, program_id: int, now: datetime) -> list[int]:
        """`eligible_members`' ids (by id), without loading the members and their profiles."""
        sitting_out = await self._sitting_out(program_id)
        stmt = _in_program(select(Member.id, Profile.paused_until), program_id)
        return [
            member_id
            for member_id, paused_until in (await self._s.execute(stmt)).all()
            if (paused_until is None or paused_until <= now) and member_id not in sitting_out
        ]
