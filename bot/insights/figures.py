"""The dashboard's figures: frozen dataclasses, no I/O. Names and notes in them are what people
typed (display names, thank-you notes, interests): whoever shows them escapes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide."""
    return part / whole if whole else None


@dataclass(frozen=True, slots=True)
class Participation:
    """Who is in the program now."""

    members: int  # joined and not left, neither bots nor deactivated
    paused: int  # of those, paused right now
    left: int  # memberships that ended (`/coffee leave`, left the channel)
    forgotten: int  # people of the workspace who asked to be forgotten (only a hash remains)
    quiet: int  # quiet members, as `/coffee stats` counts them (`CareRepository.ghost_count`)

    @property
    def active(self) -> int:
        return self.members - self.paused


@dataclass(frozen=True, slots=True)
class RoundFigures:
    """One round: who was there, what the groups said, what it added to the network."""

    number: int
    started_at: datetime
    ends_at: datetime
    open: bool
    members: int  # members at the round's start (from the membership rows' dates)
    paused: int  # of those, paused at the round's start (from the pause history)
    joins: int  # memberships that started during the round (round 1: up to its end)
    leaves: int  # memberships that ended during the round
    matched: int  # people placed in a group
    groups: int
    met: int
    scheduled: int
    skipped: int  # "can't this time"
    no_answer: int
    new_pairs: int  # pairs who met for the first time
    pairs_so_far: int  # distinct pairs who have met, up to and including this round
    thanks: int  # notes written during the round (public and private: a count only)

    @property
    def answered(self) -> int:
        return self.groups - self.no_answer

    @property
    def met_rate(self) -> float | None:
        return rate(self.met, self.groups)

    @property
    def answer_rate(self) -> float | None:
        return rate(self.answered, self.groups)


@dataclass(frozen=True, slots=True)
class TeamMatrix:
    """Meetings between teams: `counts[i][j]` = pair-meetings between teams[i] and teams[j]
    (symmetric; the diagonal is meetings inside a team). People without a team are under
    `NO_TEAM`."""

    teams: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]

    def count(self, a: str, b: str) -> int:
        return self.counts[self.teams.index(a)][self.teams.index(b)]

    @property
    def total(self) -> int:
        n = len(self.teams)
        return sum(self.counts[i][j] for i in range(n) for j in range(i, n))

    @property
    def cross_team(self) -> int:
        return self.total - sum(self.counts[i][i] for i in range(len(self.teams)))


@dataclass(frozen=True, slots=True)
class Node:
    member_id: int
    name: str  # display name (typed by people: escape it)
    label: str  # the anonymised label ("Person 7"), stable for one program and sample
    team: str | None
    meetings: int  # met groups this member was in
    x: float  # layout position in [0, 1]
    y: float


@dataclass(frozen=True, slots=True)
class Edge:
    a: int  # member ids
    b: int
    times: int  # rounds in which this pair met
    cross_team: bool


@dataclass(frozen=True, slots=True)
class Network:
    """Who has met whom. Large programs show only the `len(nodes)` people with the most
    meetings (and the pairs among them): `sampled` says so, with the totals."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    people: int  # members who met anyone
    pairs: int  # distinct pairs who met
    sampled: bool

    @property
    def cross_team_edges(self) -> int:
        return sum(1 for e in self.edges if e.cross_team)


@dataclass(frozen=True, slots=True)
class Period:
    key: str  # "2026-11" for a month, "3" for a round
    count: int


@dataclass(frozen=True, slots=True)
class WallNote:
    """A public thank-you note (private notes never become one)."""

    note_id: int
    created_at: datetime
    author: str
    recipients: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class Gratitude:
    total: int  # every note of the program (private ones as a count only)
    public: int
    per_month: tuple[Period, ...]
    wall: tuple[WallNote, ...]  # the latest public notes, newest first


@dataclass(frozen=True, slots=True)
class TagCount:
    tag: str
    count: int


@dataclass(frozen=True, slots=True)
class SkillGap:
    """`wanted` people want to learn `skill`; `offered` offer it."""

    skill: str
    wanted: int
    offered: int

    @property
    def gap(self) -> int:
        return self.wanted - self.offered


@dataclass(frozen=True, slots=True)
class Interests:
    people: int  # current members counted
    interests: tuple[TagCount, ...]
    offers: tuple[TagCount, ...]
    wants: tuple[TagCount, ...]
    unmet: tuple[SkillGap, ...]  # wanted more than offered, biggest gap first


@dataclass(frozen=True, slots=True)
class ProgramFigures:
    program_id: int
    channel_id: str
    name: str | None
    active: bool
    computed_at: datetime
    next_round_at: datetime | None
    participation: Participation
    rounds: tuple[RoundFigures, ...]  # oldest first
    pairs_met: int  # distinct pairs who have met so far
    teams: TeamMatrix
    network: Network
    gratitude: Gratitude
    interests: Interests

    @property
    def current(self) -> RoundFigures | None:
        """The open round (its progress so far), if one is running."""
        last = self.rounds[-1] if self.rounds else None
        return last if last is not None and last.open else None


@dataclass(frozen=True, slots=True)
class ProgramSummary:
    """One line of the overview of all programs."""

    program_id: int
    channel_id: str
    name: str | None
    active: bool
    members: int
    paused: int
    quiet: int  # quiet members, as on the program's page and in `/coffee stats`
    rounds: int
    groups: int
    met: int
    pairs_met: int
    thanks: int
    last_round_at: datetime | None
    next_round_at: datetime | None

    @property
    def met_rate(self) -> float | None:
        return rate(self.met, self.groups)


@dataclass(frozen=True, slots=True)
class Meeting:
    """A group the member was in."""

    program_id: int
    channel_id: str
    round_number: int
    started_at: datetime
    with_: tuple[tuple[str, str], ...]  # (platform id, name) of the others
    outcome: str | None  # what the group said (met / scheduled / skipped), None: no answer
    my_answer: str | None


@dataclass(frozen=True, slots=True)
class ReceivedNote:
    note_id: int
    created_at: datetime
    author: str
    text: str
    public: bool  # private ones are shown only on the member's own page


@dataclass(frozen=True, slots=True)
class ProfileView:
    team: str | None
    timezone: str | None
    location: str | None
    interests: tuple[str, ...]
    offers: tuple[str, ...]
    wants: tuple[str, ...]
    start_date: date | None
    paused_until: datetime | None  # None or in the past: not paused


@dataclass(frozen=True, slots=True)
class MembershipView:
    program_id: int
    channel_id: str
    name: str | None
    joined_at: datetime
    left_at: datetime | None
    skip_round: int | None  # the round number they sit out, if still ahead


@dataclass(frozen=True, slots=True)
class MemberFigures:
    member_id: int
    user_id: str
    display_name: str
    profile: ProfileView
    paused: bool
    programs: tuple[MembershipView, ...]
    meetings: tuple[Meeting, ...]  # newest first
    people_met: int  # distinct people they were in a group with that said it met
    thanks_received: tuple[ReceivedNote, ...]  # newest first, private ones included
    thanks_given: int
