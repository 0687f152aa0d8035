"""SQLAlchemy 2 typed models. Uniqueness that keeps the product correct lives here."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Workspace(Base):
    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class Program(Base):
    """A channel the bot pairs people in."""

    __tablename__ = "programs"
    __table_args__ = (UniqueConstraint("workspace_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    cadence: Mapped[str] = mapped_column(String(16), default="weekly")
    weekday: Mapped[int] = mapped_column(Integer, default=0)
    local_time: Mapped[str] = mapped_column(String(5), default="10:00")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    group_size: Mapped[int] = mapped_column(Integer, default=2)
    purpose: Mapped[str | None] = mapped_column(Text)
    thanks_channel_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_by: Mapped[str | None] = mapped_column(String(64))
    weights: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Grouping rules (`bot.matching.types.Rules` fields other than exclusions); None: defaults.
    rules: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Silent rounds in a row before a member is asked if they're still in (None: 3; 0: off).
    ghost_after: Mapped[int | None] = mapped_column(Integer)
    # The monthly digest in the program channel: "monthly" (None) or "off".
    digest: Mapped[str | None] = mapped_column(String(16))
    next_round_at: Mapped[datetime | None]
    last_round_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]

    workspace: Mapped[Workspace] = relationship(lazy="joined")


class Member(Base):
    """A person in a workspace, as the platform knows them."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    deactivated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]

    profile: Mapped[Profile] = relationship(
        back_populates="member", lazy="joined", cascade="all, delete-orphan", uselist=False
    )


class Profile(Base):
    """What a member told us about themselves."""

    __tablename__ = "profiles"
    # The dashboard checks the latest profile change before reusing figures.
    __table_args__ = (Index("ix_profiles_updated_at", "updated_at"),)

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    team: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str | None] = mapped_column(String(64))
    utc_offset_hours: Mapped[float | None] = mapped_column(Float)
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    offers: Mapped[list[str]] = mapped_column(JSON, default=list)
    wants: Mapped[list[str]] = mapped_column(JSON, default=list)
    location: Mapped[str | None] = mapped_column(String(100))
    # Working hours in the member's own time zone, "HH:MM" each; None: 09:00–17:00.
    work_start: Mapped[str | None] = mapped_column(String(5))
    work_end: Mapped[str | None] = mapped_column(String(5))
    # The manager's platform id (from an import).
    manager: Mapped[str | None] = mapped_column(String(64))
    start_date: Mapped[date | None] = mapped_column(Date)
    paused_until: Mapped[datetime | None]
    onboarded_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    member: Mapped[Member] = relationship(back_populates="profile")


class PausePeriod(Base):
    """A pause of a member's coffee chats, from `started_at` to `ended_at` (the end it was set
    for, or the moment it was ended early by `/coffee resume`, "Keep me in" or a new pause).
    `profiles.paused_until` is the pause now; these rows are its history, for the dashboard's
    paused-per-round figure."""

    __tablename__ = "pause_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("program_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    # The round number (of this program) the member sits out (`/coffee skip`); once the
    # program is past it, it means nothing any more.
    skip_round: Mapped[int | None] = mapped_column(Integer)


class MembershipPeriod(Base):
    """One period of a member in a program, from `joined_at` to `left_at` (None: still in).
    `memberships` holds the latest period only (a rejoin overwrites its dates); these rows are
    every period, for the dashboard's members, joins and leaves per round. Both change together,
    through `ProgramsRepository.start_membership` and `end_membership`."""

    __tablename__ = "membership_periods"
    __table_args__ = (Index("ix_membership_periods_program_id", "program_id", "joined_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]


class Round(Base):
    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("program_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime]
    started_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")
    seed: Mapped[int] = mapped_column(Integer)
    total_weight: Mapped[float] = mapped_column(Float, default=0.0)


class Group(Base):
    __tablename__ = "groups"
    __table_args__ = (
        UniqueConstraint("round_id", "position"),
        # The dashboard counts each round's groups by outcome from the index alone.
        Index("ix_groups_round_id_outcome", "round_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    weight: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    conversation_ref: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[str | None] = mapped_column(String(16))
    # The meeting times the intro proposed (UTC ISO starts, `bot.slots`); None: none proposed.
    slots: Mapped[list[str] | None] = mapped_column(JSON)


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Delivery(Base):
    """The outbox: one row per message to send, moved pending → sending → sent | failed."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("key"),
        UniqueConstraint("round_id", "group_id", "kind", "recipient"),
        Index("ix_deliveries_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(64), default="")
    target: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]
    # Who holds the claim (a `storage.worker.Worker` id) and since when.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    # Set when an attempt may have posted without us knowing (a worker died, a response was
    # lost): the earliest time it could have landed. The next attempt looks before it posts.
    in_doubt_since: Mapped[datetime | None]
    # Re-sent in doubt where the platform couldn't be searched: it may have arrived twice.
    duplicate_risk: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    platform_ref: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class SlotPick(Base):
    """Which proposed time (`slot`, 1-based into `Group.slots`) a member picked; one per member."""

    __tablename__ = "slot_picks"
    __table_args__ = (UniqueConstraint("group_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    slot: Mapped[int] = mapped_column(Integer)
    picked_at: Mapped[datetime]


class CheckinAnswer(Base):
    __tablename__ = "checkin_answers"
    __table_args__ = (
        UniqueConstraint("group_id", "member_id"),
        # The dashboard looks for answers since its figures were computed.
        Index("ix_checkin_answers_answered_at", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(String(16))
    answered_at: Mapped[datetime]


class ThanksNote(Base):
    __tablename__ = "thanks_notes"
    __table_args__ = (Index("ix_thanks_notes_program_id_created_at", "program_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="SET NULL"))
    from_member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    posted_ref: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]


class ThanksRecipient(Base):
    __tablename__ = "thanks_recipients"

    note_id: Mapped[int] = mapped_column(
        ForeignKey("thanks_notes.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class GhostCheck(Base):
    """A member who went quiet was asked "still up for coffee chats?" at the start of round
    `asked_round`; `answer` is keep | pause | leave, or auto_paused when nobody answered by
    the next round (None while the question is open)."""

    __tablename__ = "ghost_checks"
    __table_args__ = (UniqueConstraint("program_id", "member_id", "asked_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    asked_round: Mapped[int] = mapped_column(Integer)
    asked_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None]


class Rescue(Base):
    """A member whose chat fell through was offered a new match in the same round (at most
    once a round); `status` is offered → accepted → paired | unpaired (told at round end)."""

    __tablename__ = "rescues"
    __table_args__ = (UniqueConstraint("round_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # The group that fell through, and the rescue group once paired.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    rescue_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]


class OptOut(Base):
    """Someone asked to be forgotten: don't enrol them again until they join themselves.

    Only a hash of their platform id is kept, never the id itself.
    """

    __tablename__ = "opt_outs"
    __table_args__ = (UniqueConstraint("workspace_id", "user_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class AvoidPair(Base):
    """Two members never put in one group: `member_id` asked not to meet `other_id`
    (`/coffee avoid`, private to them), or an admin paired them (`by_admin`)."""

    __tablename__ = "avoid_pairs"
    __table_args__ = (UniqueConstraint("member_id", "other_id", "by_admin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    other_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    by_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime]


class ConversationState(Base):
    """Where a member is in a multi-step flow (the interview)."""

    __tablename__ = "conversation_states"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class SignInLink(Base):
    """A one-time dashboard sign-in link that was issued: redeemed at most once (`used_at`).

    The link itself carries who and where (signed); the row only remembers that it exists and
    whether it was used, so it holds nothing about the person.
    """

    __tablename__ = "sign_in_links"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSecret(Base):
    """Secrets the web dashboard generated for itself (the signing key when
    `WARMINTRO_SECRET_KEY` is unset), so links and sessions survive restarts."""

    __tablename__ = "web_secrets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
