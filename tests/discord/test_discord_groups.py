"""Groups on Discord: `size 4` makes private threads of four (and a three), asked as a group."""

from __future__ import annotations

from datetime import timedelta

from tests.discord.harness import Server, button

PEOPLE = ["li", "sam", "noor", "ola", "kai", "eve", "max"]
TO_MONDAY = timedelta(days=2, hours=23)


async def test_a_round_of_size_four_opens_threads_of_four(server: Server) -> None:
    for name in PEOPLE[4:]:
        server.add_person(name)
    await server.program(PEOPLE)
    saved = await server.command("maya", "coffee config", key="size", value="4")
    assert "size** is now 4" in saved["text"] or "size* is now 4" in saved["text"], saved
    await server.advance(TO_MONDAY)
    threads = server.fake.threads(server.coffee)
    sizes = sorted(
        len(server.fake.thread_members[int(t["id"])] - {server.fake.bot.id}) for t in threads
    )
    assert sizes == [3, 4]  # seven people: a four and a three
    for thread in threads:
        [intro] = server.fake.posted(thread["id"])
        members = server.fake.thread_members[int(thread["id"])] - {server.fake.bot.id}
        assert "you're matched for a coffee chat" in intro["content"]
        assert {int(u) for u in intro["allowed_mentions"]["users"]} == members
    await server.advance(timedelta(days=4))
    for thread in threads:
        posted = server.fake.posted(thread["id"])
        assert "has your group found a time to meet?" in posted[1]["content"]
    first = threads[0]
    people = server.fake.thread_members[int(first["id"])] - {server.fake.bot.id}
    name = next(n for n in PEOPLE if server[n].id in people)
    pressed = await server.press(name, server.fake.posted(first["id"])[1], "We met")
    assert "Wonderful" in pressed["text"]
    assert button(server.fake.posted(first["id"])[1], "We met")
