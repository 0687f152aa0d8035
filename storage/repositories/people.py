"""Workspaces, members (with their profile and conversation state) and opt-outs."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, case, column, delete, insert, select, table, update
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import ConversationState, Member, OptOut, PausePeriod, Profile, Workspace
from storage.repositories.base import Repository, upsert

T = TypeVar("T")


def user_hash(workspace_id: int, external_id: str) -> str:
    return hashlib.sha256(f"{workspace_id}:{external_id}".encode()).hexdigest()


# slack_sdk's installation store (migration 0002): who installed the app, and their user token.
_SLACK_INSTALLATIONS = table(
    "slack_installations",
    column("team_id"),
    column("user_id"),
    column("user_token"),
    column("user_scopes"),
    column("user_refresh_token"),
    column("user_token_expires_at"),
)
FORGOTTEN_INSTALLER = "forgotten"


class WorkspaceRepository(Repository):
    async def get_or_create(self, platform: str, external_id: str, now: datetime) -> Workspace:
        found = await self.find(platform, external_id)
        if found:
            return found
        return await self._insert_or_get(
            Workspace(platform=platform, external_id=external_id, created_at=now),
            self._by_external(platform, external_id),
        )

    async def find(self, platform: str, external_id: str) -> Workspace | None:
        stmt = self._by_external(platform, external_id)
        return (await self._s.execute(stmt)).scalar_one_or_none()

    async def get(self, workspace_id: int) -> Workspace:
        return await self._s.get_one(Workspace, workspace_id)

    async def forget_installer(self, workspace_id: int, external_id: str) -> None:
        """The person who installed the Slack app asked to be forgotten: the installation keeps
        the workspace's bot token, but no longer names them or holds a token of theirs."""
        workspace = await self.get(workspace_id)
        if workspace.platform != "slack":
            return
        rows = _SLACK_INSTALLATIONS.c
        await self._s.execute(
            update(_SLACK_INSTALLATIONS)
            .where(rows.team_id == workspace.external_id, rows.user_id == external_id)
            .values(
                user_id=FORGOTTEN_INSTALLER,
                user_token=None,
                user_scopes=None,
                user_refresh_token=None,
                user_token_expires_at=None,
            )
        )

    @staticmethod
    def _by_external(platform: str, external_id: str) -> Any:
        return select(Workspace).where(
            Workspace.platform == platform, Workspace.external_id == external_id
        )


# The hot statements of a slash command, built once (their construction and cache key are
# reused; parameters are bound at execution). DML over the tables: no ORM bookkeeping.
_M, _P, _C = Member.__table__.c, Profile.__table__.c, ConversationState.__table__
_FIND_MEMBER = select(Member).where(
    Member.workspace_id == bindparam("p_ws"), Member.external_id == bindparam("p_ext")
)
_APPLY_MEMBER = (
    update(Member.__table__)
    .where(_M.workspace_id == bindparam("p_ws"), _M.external_id == bindparam("p_ext"))
    .values(
        display_name=case(
            (_M.display_name == bindparam("p_placeholder"), bindparam("p_name")),
            else_=_M.display_name,
        ),
        is_bot=bindparam("p_bot"),
        deactivated=bindparam("p_deactivated"),
    )
    .returning(_M.id)
)
_APPLY_ZONE = (
    update(Profile.__table__)
    .where(
        _P.member_id == bindparam("p_member"), _P.timezone.is_(None), _P.utc_offset_hours.is_(None)
    )
    .values(timezone=bindparam("p_zone"), utc_offset_hours=bindparam("p_offset"))
)
_CLEAR_OPT_OUT = delete(OptOut.__table__).where(
    OptOut.__table__.c.workspace_id == bindparam("p_ws"),
    OptOut.__table__.c.user_hash == bindparam("p_hash"),
)


@functools.cache
def _insert_member(dialect: str) -> Any:
    table = Member.__table__
    return upsert(dialect, table).on_conflict_do_nothing().returning(*table.c)


@functools.cache
def _start_conversation(dialect: str) -> Any:
    return upsert(dialect, _C).on_conflict_do_nothing().returning(_C.c.state)


_INSERT_PROFILE = insert(Profile.__table__).returning(*Profile.__table__.c)


def _attached(session: Any, obj: T) -> T:
    """A row just written by a Core statement, in the session as if it had been loaded."""
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def _new_profile(now: datetime) -> Profile:
    return Profile(updated_at=now, interests=[], offers=[], wants=[])


class MemberRepository(Repository):
    async def find(self, workspace_id: int, external_id: str) -> Member | None:
        params = {"p_ws": workspace_id, "p_ext": external_id}
        return (await self._s.execute(_FIND_MEMBER, params)).unique().scalar_one_or_none()

    async def get_or_create(
        self, workspace_id: int, external_id: str, display_name: str, now: datetime
    ) -> Member:
        found = await self.find(workspace_id, external_id)
        if found:
            return self.with_profile(found, now)
        member = Member(
            workspace_id=workspace_id,
            external_id=external_id,
            display_name=display_name,
            created_at=now,
            profile=_new_profile(now),
        )
        return await self._insert_or_get(member, self._by_external(workspace_id, external_id))

    async def create(
        self,
        workspace_id: int,
        external_id: str,
        display_name: str,
        now: datetime,
        *,
        is_bot: bool = False,
        deactivated: bool = False,
        timezone: str | None = None,
        utc_offset_hours: float | None = None,
    ) -> Member:
        """A member seen for the first time (the caller looked already) and their profile
        (empty but for the platform's time zone): two INSERTs, the member's … ON CONFLICT DO
        NOTHING RETURNING; both rows attached to the session as if loaded (nothing left to
        flush). When a concurrent transaction stored the same person first, their row."""
        params = {"workspace_id": workspace_id, "external_id": external_id, "is_bot": is_bot}
        params |= {"display_name": display_name, "deactivated": deactivated, "created_at": now}
        row = (await self._s.execute(_insert_member(self._dialect), params)).first()
        if row is None:
            found = await self.find(workspace_id, external_id)
            assert found is not None, "a conflicting insert leaves its row"
            return self.with_profile(found, now)
        member = _attached(self._s, Member(**row._mapping))
        empty = {"member_id": member.id, "interests": [], "offers": [], "wants": []}
        empty |= {"timezone": timezone, "utc_offset_hours": utc_offset_hours, "updated_at": now}
        stored = (await self._s.execute(_INSERT_PROFILE, empty)).one()
        set_committed_value(member, "profile", _attached(self._s, Profile(**stored._mapping)))
        return member

    async def apply_platform_profile(
        self,
        workspace_id: int,
        external_id: str,
        placeholder: str,
        info: dict[str, Any],
        zone: tuple[str | None, float | None] | None,
    ) -> None:
        """What the platform says about a stored person, in two UPDATEs (no read first): the
        display name (`info["display_name"]`) where it is still `placeholder`, is_bot and
        deactivated, and their time zone `zone` where they have set none."""
        params = {"p_ws": workspace_id, "p_ext": external_id, "p_placeholder": placeholder}
        params |= {"p_name": info["display_name"], "p_bot": info["is_bot"]}
        params["p_deactivated"] = info["deactivated"]
        member_id = (await self._s.execute(_APPLY_MEMBER, params)).scalar_one_or_none()
        if member_id is None or zone is None:
            return
        zoned = {"p_member": member_id, "p_zone": zone[0], "p_offset": zone[1]}
        await self._s.execute(_APPLY_ZONE, zoned)

    @staticmethod
    def with_profile(member: Member, now: datetime) -> Member:
        """`member`, with an empty profile if it had none."""
        if member.profile is None:
            member.profile = _new_profile(now)
        return member

    async def by_ids(self, ids: Sequence[int]) -> dict[int, Member]:
        if not ids:
            return {}
        rows = (await self._s.execute(select(Member).where(Member.id.in_(ids)))).unique()
        return {m.id: m for m in rows.scalars()}

    async def by_external_ids(self, workspace_id: int, external_ids: Iterable[str]) -> list[Member]:
        stmt = select(Member).where(
            Member.workspace_id == workspace_id, Member.external_id.in_(list(external_ids))
        )
        return list((await self._s.execute(stmt)).unique().scalars())

    async def record_pause(self, member_id: int, until: datetime | None, now: datetime) -> None:
        """The pause history follows a new `paused_until`: a pause still running ends now, and
        one running to `until` starts now (none when `until` is None or not after now)."""
        await self._s.execute(
            update(PausePeriod)
            .where(PausePeriod.member_id == member_id, PausePeriod.ended_at > now)
            .values(ended_at=now)
        )
        if until is not None and until > now:
            self._s.add(PausePeriod(member_id=member_id, started_at=now, ended_at=until))

    async def forget_pauses(self, member_id: int) -> None:
        await self._s.execute(delete(PausePeriod).where(PausePeriod.member_id == member_id))

    async def remove(self, member: Member) -> None:
        await self._s.execute(delete(Member).where(Member.id == member.id))

    async def forget_manager(self, workspace_id: int, external_id: str) -> None:
        """A manager asked to be forgotten: their reports' profiles no longer name them."""
        in_workspace = select(Member.id).where(Member.workspace_id == workspace_id)
        await self._s.execute(
            update(Profile)
            .where(Profile.manager == external_id, Profile.member_id.in_(in_workspace))
            .values(manager=None)
            .execution_options(synchronize_session=False)
        )

    @staticmethod
    def _by_external(workspace_id: int, external_id: str) -> Any:
        return select(Member).where(
            Member.workspace_id == workspace_id, Member.external_id == external_id
        )

    # --- conversation state (the interview) ---------------------------------------------------

    async def conversation(self, member_id: int, flow: str) -> ConversationState | None:
        return await self._s.get(ConversationState, (member_id, flow))

    def start_conversation(self, member_id: int, flow: str, state: str, now: datetime) -> None:
        self._s.add(
            ConversationState(member_id=member_id, flow=flow, state=state, data={}, updated_at=now)
        )

    async def conversation_at(self, member_id: int, flow: str, first: str, now: datetime) -> str:
        """The member's state in `flow`: started at `first` now if they had none (one INSERT …
        ON CONFLICT DO NOTHING RETURNING; a read only when it was there already)."""
        params = {"member_id": member_id, "flow": flow, "state": first, "data": {}}
        params["updated_at"] = now
        stmt = _start_conversation(self._dialect)
        started = (await self._s.execute(stmt, params)).scalar_one_or_none()
        if started is not None:
            return str(started)
        state = await self.conversation(member_id, flow)
        assert state is not None, "a conflicting insert leaves its row"
        return state.state

    async def clear_conversation(self, member_id: int, flow: str) -> None:
        await self._s.execute(
            delete(ConversationState).where(
                ConversationState.member_id == member_id, ConversationState.flow == flow
            )
        )

    # --- opt-outs: a hash of who asked to be forgotten ----------------------------------------

    async def opted_out(self, workspace_id: int, external_ids: Iterable[str]) -> set[str]:
        """Which of these people asked to be forgotten in this workspace."""
        by_hash = {user_hash(workspace_id, u): u for u in external_ids}
        if not by_hash:
            return set()
        stmt = select(OptOut.user_hash).where(
            OptOut.workspace_id == workspace_id, OptOut.user_hash.in_(list(by_hash))
        )
        return {by_hash[h] for h in (await self._s.execute(stmt)).scalars()}

    async def set_opt_out(self, workspace_id: int, external_id: str, now: datetime) -> None:
        digest = user_hash(workspace_id, external_id)
        if not await self.opted_out(workspace_id, [external_id]):
            self._s.add(OptOut(workspace_id=workspace_id, user_hash=digest, created_at=now))

    async def clear_opt_out(self, workspace_id: int, external_id: str) -> None:
        params = {"p_ws": workspace_id, "p_hash": user_hash(workspace_id, external_id)}
        await self._s.execute(_CLEAR_OPT_OUT, params)
