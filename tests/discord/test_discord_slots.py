"""Discord: meeting times in the intro (the members set their zones: Discord has none), picks
edit the intro, a settled time is a message with the calendar file attached, `/coffee hours`."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from bot.slots import Person, fits, parse_hours, zone_of
from tests.discord.harness import Server, buttons

TO_MONDAY = timedelta(days=2, hours=23)  # Fri 12:00 → Mon 11:00: the first round has run


async def test_slots_picked_edited_and_settled_with_a_calendar_file(server: Server) -> None:
    await server.program(["li", "sam"])
    assert (
        "Europe/Paris"
        in (await server.command("li", "coffee timezone", zone="Europe/Paris"))["text"]
    )
    await server.command("sam", "coffee timezone", zone="America/Chicago")
    hours = await server.command("sam", "coffee hours", hours="08:00-16:00")
    assert "08:00–16:00" in hours["text"]
    await server.advance(TO_MONDAY)
    (thread,) = server.fake.threads(server.coffee)
    [intro] = server.fake.posted(thread["id"])
    assert "Times that suit you all" in intro["content"]
    li, sam = server["li"].id, server["sam"].id
    assert f"for you, <@{li}>;" in intro["content"] and f"for you, <@{sam}>" in intro["content"]
    labels = [b["label"] for b in buttons(intro)]
    slots = [x for x in labels if x.startswith("Time ")]
    assert 1 <= len(slots) <= 3 and labels[len(slots) :] == [
        "We've scheduled it",
        "We met",
        "Can't this time",
    ]

    said = await server.press("li", intro, "Time 1 works")
    assert said["ephemeral"] and "Noted: time 1" in said["text"]
    [edited] = server.fake.posted(thread["id"])  # the same message, edited
    assert edited["edited_timestamp"] and f"Picked so far: <@{li}> → 1" in edited["content"]
    assert len(buttons(edited)) == len(labels)  # the buttons stay

    said = await server.press("sam", edited, "Time 1 works")
    assert "settled" in said["text"]
    posted = server.fake.posted(thread["id"])
    assert len(posted) == 2 and "Settled:" in posted[0]["content"]
    notice = posted[1]
    assert "It's settled" in notice["content"]
    (file,) = notice["attachments"]
    assert file["filename"] == "coffee-chat.ics"
    (event,) = Calendar.from_ical(file["content"]).walk("VEVENT")
    start = event.decoded("dtstart")
    assert fits(Person("li", zone_of("Europe/Paris", None)), start)
    assert fits(Person("sam", zone_of("America/Chicago", None), parse_hours("08:00-16:00")), start)
    # the midway check-in is not sent as well: the settled notice took its place
    await server.advance(timedelta(days=4))
    assert not [p for p in server.fake.posted(thread["id"]) if "Halfway" in p["content"]]


async def test_hours_option_refuses_hostile_values(server: Server) -> None:
    await server.program(["li"])
    for bad in ("23:00-07:00", "<@&123> 9-5", "9:00 - 17:00 please"):
        reply = await server.command("li", "coffee hours", hours=bad)
        assert "HH:MM" in reply["text"] or "midnight" in reply["text"], reply["text"]
    shown = await server.command("li", "coffee hours")
    assert "09:00–17:00 (the default)" in shown["text"] and "UTC" in shown["text"]
