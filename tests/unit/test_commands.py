"""Table-driven tests for the /coffee and /thanks parsers."""

from __future__ import annotations

from datetime import date

import pytest

from bot import commands as c

TODAY = date(2026, 11, 20)

VALID = [
    ("", c.Help()),
    ("help", c.Help()),
    ("help pause", c.Help("pause")),
    ("join", c.Join()),
    ("JOIN", c.Join()),
    ("opt-in", c.Join()),
    ("leave", c.Leave()),
    ("pause", c.Pause(None)),
    ("pause 2w", c.Pause(date(2026, 12, 4))),
    ("pause 2", c.Pause(date(2026, 12, 4))),
    ("pause 10 days", c.Pause(date(2026, 11, 30))),
    ("pause 1 month", c.Pause(date(2026, 12, 20))),
    ("pause until 2026-12-24", c.Pause(date(2026, 12, 24))),
    ("resume", c.Resume()),
    ("interests", c.SetTags("interests", None)),
    (
        "interests Climbing,  JAZZ and   Rock  music",
        c.SetTags("interests", ("climbing", "jazz", "rock music")),
    ),
    ("interests clear", c.SetTags("interests", ())),
    ("offer python; sql", c.SetTags("offers", ("python", "sql"))),
    ("learn public speaking", c.SetTags("wants", ("public speaking",))),
    ("team", c.SetTeam(None)),
    ("team  Platform   Infra ", c.SetTeam("Platform Infra")),
    ("team none", c.SetTeam("")),
    ("timezone", c.SetTimezone(None, None)),
    ("timezone UTC+2", c.SetTimezone(None, 2.0)),
    ("timezone -05:30", c.SetTimezone(None, -5.5)),
    ("tz utc", c.SetTimezone("UTC", 0.0)),
    ("status", c.Status()),
    ("history", c.History()),
    ("stats", c.Stats()),
    ("config", c.Config()),
    ("config cadence biweekly", c.Config("cadence", "biweekly")),
    ('config purpose "Connect the new office"', c.Config("purpose", '"Connect the new office"')),
    ("preview", c.Preview()),
    ("match-now", c.MatchNow()),
    ("match-now confirm", c.MatchNow(True)),
    ("MATCH-NOW Confirm", c.MatchNow(True)),
    ("matchnow confirm", c.MatchNow(True)),
    ("match-now confirm 7", c.MatchNow(True, 7)),
    ("forget-me", c.ForgetMe(False)),
    ("forget-me confirm", c.ForgetMe(True)),
]


@pytest.mark.parametrize(("text", "expected"), VALID, ids=[t or "<empty>" for t, _ in VALID])
def test_parses(text: str, expected: c.CoffeeCommand) -> None:
    assert c.parse_coffee(text, TODAY) == expected


def test_timezone_by_name() -> None:
    parsed = c.parse_coffee("timezone europe/berlin", TODAY)
    assert isinstance(parsed, c.SetTimezone)
    assert parsed.zone == "Europe/Berlin"
    assert parsed.offset_hours in (1.0, 2.0)


INVALID = [
    ("frobnicate", "I don't know the command `frobnicate`"),
    ("join now", "`join` takes no options"),
    ("status please", "`status` takes no options"),
    ("pause for a bit", "Say how long"),
    ("pause 0d", "at least one day"),
    ("pause 400 days", "a year at most"),
    ("pause until 2026-11-01", "not in the future"),
    ("pause until tomorrow", "is not a date"),
    ("timezone Mars/Olympus", "I don't know the time zone"),
    ("timezone UTC+15", "not a valid UTC offset"),
    ("interests ,,, ;", "couldn't find any topics"),
    ("interests " + "x" * 45, "too long for a topic"),
    ("interests " + ", ".join(f"t{i}" for i in range(25)), "at most 20"),
    ("team " + "x" * 61, "at most 60"),
    ("forget-me now", "forget-me confirm"),
    ("match-now now", "`/coffee match-now confirm`"),
    ("match-now confirm please", "`/coffee match-now confirm`"),
    ("match-now confirm confirm", "`/coffee match-now confirm`"),
    ("match-now confirm 0", "`/coffee match-now confirm`"),
    ("match-now confirm 99999999999", "`/coffee match-now confirm`"),
    ("match-now confirm 2 3", "`/coffee match-now confirm`"),
    ("x" * 2001, "the limit is 2,000"),
]


@pytest.mark.parametrize(("text", "message"), INVALID, ids=[t[:30] for t, _ in INVALID])
def test_rejects_with_clear_message(text: str, message: str) -> None:
    with pytest.raises(c.CommandError) as err:
        c.parse_coffee(text, TODAY)
    assert message in err.value.message


def test_errors_carry_usage_for_known_commands() -> None:
    with pytest.raises(c.CommandError) as err:
        c.parse_coffee("pause soon", TODAY)
    assert err.value.usage is not None and "/coffee pause" in err.value.usage


THANKS_VALID = [
    ("<@U1> thanks for the help", c.Thanks(("U1",), "thanks for the help")),
    ("<@U1|maya> <@U2> great demo!", c.Thanks(("U1", "U2"), "great demo!")),
    ("<@!123> nice --private", c.Thanks(("123",), "nice", True)),
    ("--private <@U1> nice", c.Thanks(("U1",), "nice", True)),
    ("<@U1> <@U1> twice", c.Thanks(("U1",), "twice")),
    (
        "<@U1> mentions <@U2> later in the text",
        c.Thanks(("U1",), "mentions <@U2> later in the text"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), THANKS_VALID)
def test_thanks_parses(text: str, expected: c.Thanks) -> None:
    assert c.parse_thanks(text) == expected


THANKS_INVALID = [
    ("", "Who would you like to thank?"),
    ("thanks everyone", "Who would you like to thank?"),
    ("<@U1>", "Add a few words"),
    ("<@U1> --private", "Add a few words"),
    ("@nobody thanks", "I can't find @nobody"),
    ("<@U1> " + "x" * 2001, "the limit is 2,000"),
]


@pytest.mark.parametrize(("text", "message"), THANKS_INVALID)
def test_thanks_rejects(text: str, message: str) -> None:
    with pytest.raises(c.CommandError) as err:
        c.parse_thanks(text)
    assert message in err.value.message
    assert err.value.usage and "/thanks" in err.value.usage
