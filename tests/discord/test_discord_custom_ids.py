"""Discord custom ids sent by the version before the custom-id module (captured from it) still
route to the same action, guild and form: buttons already out there keep working."""

from __future__ import annotations

import pytest

from adapters.discord import custom_ids
from adapters.discord.components import ActionButton
from bot import actions
from bot.actions import Checkin, CheckinAnswer, EditProfile, JoinProgram, SkipQuestion, StartThanks

GUILD = "1180000000000000001"
# (custom id as the previous version sent it, the action it means, the guild it carries)
BUTTONS = [
    ("checkin:12:met", Checkin(12, CheckinAnswer.MET), None),
    ("checkin:12:met|1180000000000000001", Checkin(12, CheckinAnswer.MET), GUILD),
    ("thanks:start:7", StartThanks(7), None),
    ("thanks:start:7|1180000000000000001", StartThanks(7), GUILD),
    ("interview:skip:offers", SkipQuestion("offers"), None),
    ("interview:skip:offers|1180000000000000001", SkipQuestion("offers"), GUILD),
    ("program:join", JoinProgram(), None),
    ("program:join|1180000000000000001", JoinProgram(), GUILD),
    ("profile:edit", EditProfile(), None),
    ("profile:edit|1180000000000000001", EditProfile(), GUILD),
]
FORMS = [
    ("wi-form|thanks:7|1180000000000000001|167b0144", "thanks:7"),
    ("wi-form|thanks|1180000000000000001|ae73e9c8", "thanks"),
    ("wi-form|profile|1180000000000000001|4d73e513", "profile"),
]


@pytest.mark.parametrize(("custom_id", "action", "guild"), BUTTONS)
def test_buttons_sent_before_still_route(
    custom_id: str, action: actions.Action, guild: str | None
) -> None:
    assert custom_ids.BUTTON.fullmatch(custom_id)
    action_id, guild_id = custom_ids.decode_button(custom_id)
    assert actions.decode_action(action_id) == action and guild_id == guild
    button = ActionButton(custom_id)
    assert (button.action_id, button.guild_id) == (action_id, guild_id)
    assert custom_ids.encode_button(action.encode(), guild) == custom_id  # and we send the same


@pytest.mark.parametrize(("custom_id", "form_id"), FORMS)
def test_forms_opened_before_still_answer(custom_id: str, form_id: str) -> None:
    assert custom_ids.decode_form(custom_id) == (form_id, GUILD)
    assert actions.decode_form(form_id) is not None
    fresh = custom_ids.encode_form(form_id, GUILD)
    assert fresh.rsplit("|", 1)[0] == custom_id.rsplit("|", 1)[0]  # only the nonce differs


@pytest.mark.parametrize("custom_id", ["odd|id", "x|", "|123", "wi-form|a|b", "\n@everyone"])
def test_anything_else_still_reaches_the_core_whole(custom_id: str) -> None:
    """A forged or mangled id is routed too: the core answers "that button has expired"."""
    assert custom_ids.BUTTON.fullmatch(custom_id)
    action_id, _ = custom_ids.decode_button(custom_id)
    assert action_id  # never empty: the press is answered
