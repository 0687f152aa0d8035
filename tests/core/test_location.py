"""`/coffee location`: a member's office; in-person programs group people by it."""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations

from bot.actions import ProfileForm
from tests.conftest import World


async def test_location_is_set_shown_and_cleared(world: World) -> None:
    await world.program(["maya", "li"])
    assert "No location set" in (await world.coffee("li", "location")).text
    saved = await world.coffee("li", "location   Berlin  ")
    assert saved.ok and saved.text == "Location set to Berlin."
    assert (await world.coffee("li", "location")).text == "Your location: Berlin."
    assert "Location: Berlin" in (await world.coffee("li", "status")).text
    assert (await world.coffee("li", "office clear")).text == "Location cleared."
    assert "No location set" in (await world.coffee("li", "location")).text
    assert "/coffee location" in (await world.coffee("li", "help")).text


async def test_a_long_location_is_refused_and_changes_nothing(world: World) -> None:
    await world.program(["maya"])
    before = await world.snapshot()
    reply = await world.coffee("maya", "location " + "x" * 101)
    assert not reply.ok and "at most 100 characters" in reply.text
    assert await world.snapshot() == before


async def test_an_in_person_program_groups_people_by_office(world: World) -> None:
    await world.program()
    people = world.people()
    office = {u: ("Berlin" if i % 2 else "lisbon") for i, u in enumerate(people)}
    for user, place in office.items():
        # case and spaces don't make another office: " LISBON" is "lisbon"
        typed = place.upper() if user == people[2] else place
        assert (await world.coffee(user, f"location  {typed}")).ok
    assert (await world.coffee("maya", "config rule.same_location required")).ok
    assert (await world.coffee("maya", "config size 3")).ok
    await world.advance(timedelta(days=3))
    intros = world.intros()
    assert sorted(len(p.target.user_ids) for p in intros) == [3, 3, 3, 3]
    for posted in intros:
        places = {office[u].lower() for u in posted.target.user_ids}
        assert len(places) == 1, posted.target.user_ids
        assert "meet in person" in posted.message.plain()
    assert all(
        office[a] == office[b] for p in intros for a, b in combinations(p.target.user_ids, 2)
    )


async def test_the_profile_form_saves_the_location(world: World) -> None:
    await world.program(["maya"])
    form_id = ProfileForm().encode()
    values = {"interests": "chess", "offers": "", "wants": "", "team": "", "location": " Oslo "}
    reply = await world.app.form_submitted(world.actor("maya"), form_id, values)
    assert reply.ok, reply.text
    assert (await world.app.profile(world.actor("maya")))["location"] == "Oslo"
    bad = {**values, "location": "y" * 101}
    before = await world.snapshot()
    assert not (await world.app.form_submitted(world.actor("maya"), form_id, bad)).ok
    assert await world.snapshot() == before
