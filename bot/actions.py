"""Every button and form the bot shows, as typed actions: the one place that builds and reads ids.

The wire format is stable, so buttons already sent keep working after an upgrade:

    checkin:<group>:<scheduled|met|skipped>   a check-in answer
    thanks:start:<group>                      open the thanks form for a group
    interview:skip:<step>                     skip one interview question
    program:join                              join the program (welcome message)
    profile:edit                              open the profile form
    slot:pick:<group>:<n>                     pick the group's proposed time n (1-3)
    ghost:<check>:<keep|pause|leave>          the answer to "Still up for coffee chats?"
    rescue:<offer>:yes                        accept a new match this round
    forms: profile | thanks | thanks:<group>

`decode_action` / `decode_form` return None for anything else (an old, forged or mangled id):
the caller answers "that button has expired". Numbers are bounded, so a forged id can't
overflow a database integer. Adapters route with `kind_of` (one listener per kind) and never
split an id themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

MAX_ID_LENGTH = 255  # Slack's limit for an action_id; Discord's custom_id is shorter (100)
MAX_NUMBER = 2**31 - 1  # fits every database's INTEGER


class CheckinAnswer(StrEnum):
    """What a group says at a check-in; also the group's outcome once someone answered."""

    SCHEDULED = "scheduled"
    MET = "met"
    SKIPPED = "skipped"


_NUMBER = r"[1-9][0-9]{0,9}"


@dataclass(frozen=True, slots=True)
class Checkin:
    group_id: int
    answer: CheckinAnswer
    kind: ClassVar[str] = "checkin"
    pattern: ClassVar[re.Pattern[str]] = re.compile(
        rf"checkin:(?P<group>{_NUMBER}):(?P<answer>scheduled|met|skipped)"
    )

    def encode(self) -> str:
        return f"checkin:{self.group_id}:{self.answer.value}"

    @classmethod
    def _build(cls, found: re.Match[str]) -> Checkin | None:
        group = _number(found["group"])
        return None if group is None else cls(group, CheckinAnswer(found["answer"]))


@dataclass(frozen=True, slots=True)
class StartThanks:
    group_id: int
    kind: ClassVar[str] = "thanks"
    pattern: ClassVar[re.Pattern[str]] = re.compile(rf"thanks:start:(?P<group>{_NUMBER})")
    opens_form: ClassVar[bool] = True

    def encode(self) -> str:
        return f"thanks:start:{self.group_id}"

    @classmethod
    def _build(cls, found: re.Match[str]) -> StartThanks | None:
        group = _number(found["group"])
        return None if group is None else cls(group)


@dataclass(frozen=True, slots=True)
class SkipQuestion:
    step: str
    kind: ClassVar[str] = "interview"
    pattern: ClassVar[re.Pattern[str]] = re.compile(r"interview:skip:(?P<step>[a-z_]{1,32})")

    def encode(self) -> str:
        return f"interview:skip:{self.step}"

    @classmethod
    def _build(cls, found: re.Match[str]) -> SkipQuestion:
        return cls(found["step"])


@dataclass(frozen=True, slots=True)
class JoinProgram:
    kind: ClassVar[str] = "join"
    pattern: ClassVar[re.Pattern[str]] = re.compile(r"program:join")

    def encode(self) -> str:
        return "program:join"

    @classmethod
    def _build(cls, _found: re.Match[str]) -> JoinProgram:
        return cls()


@dataclass(frozen=True, slots=True)
class EditProfile:
    kind: ClassVar[str] = "profile"
    pattern: ClassVar[re.Pattern[str]] = re.compile(r"profile:edit")
    opens_form: ClassVar[bool] = True

    def encode(self) -> str:
        return "profile:edit"

    @classmethod
    def _build(cls, _found: re.Match[str]) -> EditProfile:
        return cls()


@dataclass(frozen=True, slots=True)
class PickSlot:
    """A member picks one of the meeting times their intro proposed (1-based)."""

    group_id: int
    slot: int
    kind: ClassVar[str] = "slot"
    pattern: ClassVar[re.Pattern[str]] = re.compile(
        rf"slot:pick:(?P<group>{_NUMBER}):(?P<slot>[1-9])"
    )

    def encode(self) -> str:
        return f"slot:pick:{self.group_id}:{self.slot}"

    @classmethod
    def _build(cls, found: re.Match[str]) -> PickSlot | None:
        group = _number(found["group"])
        return None if group is None else cls(group, int(found["slot"]))


class GhostChoice(StrEnum):
    KEEP = "keep"
    PAUSE = "pause"
    LEAVE = "leave"


@dataclass(frozen=True, slots=True)
class GhostReply:
    """The answer to "Still up for coffee chats?" (`check_id`: the `ghost_checks` row)."""

    check_id: int
    choice: GhostChoice
    kind: ClassVar[str] = "ghost"
    pattern: ClassVar[re.Pattern[str]] = re.compile(
        rf"ghost:(?P<check>{_NUMBER}):(?P<choice>keep|pause|leave)"
    )

    def encode(self) -> str:
        return f"ghost:{self.check_id}:{self.choice.value}"

    @classmethod
    def _build(cls, found: re.Match[str]) -> GhostReply | None:
        check = _number(found["check"])
        return None if check is None else cls(check, GhostChoice(found["choice"]))


@dataclass(frozen=True, slots=True)
class AcceptRescue:
    """ "Yes, find me someone": a new match this round (`rescue_id`: the offer)."""

    rescue_id: int
    kind: ClassVar[str] = "rescue"
    pattern: ClassVar[re.Pattern[str]] = re.compile(rf"rescue:(?P<offer>{_NUMBER}):yes")

    def encode(self) -> str:
        return f"rescue:{self.rescue_id}:yes"

    @classmethod
    def _build(cls, found: re.Match[str]) -> AcceptRescue | None:
        offer = _number(found["offer"])
        return None if offer is None else cls(offer)


Action = (
    Checkin
    | StartThanks
    | SkipQuestion
    | JoinProgram
    | EditProfile
    | PickSlot
    | GhostReply
    | AcceptRescue
)
ACTIONS: tuple[type[Action], ...] = (
    Checkin,
    StartThanks,
    SkipQuestion,
    JoinProgram,
    EditProfile,
    PickSlot,
    GhostReply,
    AcceptRescue,
)


def decode_action(action_id: object) -> Action | None:
    """The typed action behind a button's id, or None when it isn't one of ours."""
    if not isinstance(action_id, str) or len(action_id) > MAX_ID_LENGTH:
        return None
    for cls in ACTIONS:
        found = cls.pattern.fullmatch(action_id)
        if found is not None:
            return cls._build(found)
    return None


def kind_of(action_id: object) -> str | None:
    """Which kind of action an id is (for routing), without building it."""
    action = decode_action(action_id)
    return None if action is None else action.kind


def opens_form(action_id: object) -> bool:
    """Whether the answer to this button is a form (a dialog to open at once)."""
    return bool(getattr(decode_action(action_id), "opens_form", False))


# --- forms ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProfileForm:
    def encode(self) -> str:
        return "profile"


@dataclass(frozen=True, slots=True)
class ThanksForm:
    """The thanks form, for a group (from its *Send thanks* button) or for anyone (`None`)."""

    group_id: int | None = None

    def encode(self) -> str:
        return "thanks" if self.group_id is None else f"thanks:{self.group_id}"


FormAction = ProfileForm | ThanksForm
_THANKS_FORM = re.compile(rf"thanks(?::(?P<group>{_NUMBER}))?")


def decode_form(form_id: object) -> FormAction | None:
    """The typed form behind a submitted form's id, or None when it isn't one of ours."""
    if not isinstance(form_id, str):
        return None
    if form_id == "profile":
        return ProfileForm()
    found = _THANKS_FORM.fullmatch(form_id)
    if found is None:
        return None
    if found["group"] is None:
        return ThanksForm()
    group = _number(found["group"])
    return None if group is None else ThanksForm(group)


def _number(text: str) -> int | None:
    value = int(text)
    return value if value <= MAX_NUMBER else None
