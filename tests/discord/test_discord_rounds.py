"""A round on Discord: private threads, check-in buttons, thanks by modal, and what fails.

The program is set up and joined through real interactions and DMs; time moves with the fake
clock and the core's tick does the rest, through `DiscordPlatform` and discord.py's REST client
against the fake Discord.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import Delivery, Member
from tests.discord.harness import Server, button, buttons

PEOPLE = ["li", "sam", "noor", "ola"]
TO_MONDAY = timedelta(days=2, hours=23)  # Fri 12:00 → Mon 11:00: the first round has run


def thread_of(server: Server, name: str) -> dict:
    user = str(server[name].id)
    for thread in server.fake.threads(server.coffee):
        if int(user) in server.fake.thread_members[int(thread["id"])]:
            return thread
    raise AssertionError(f"{name} is in no thread")


async def test_a_round_opens_a_private_thread_per_group(server: Server) -> None:
    await server.program(PEOPLE, purpose="connect the new office")
    await server.advance(TO_MONDAY)
    threads = server.fake.threads(server.coffee)
    assert len(threads) == 2
    everyone: set[int] = set()
    for thread in threads:
        assert thread["type"] == 12 and thread["thread_metadata"]["invitable"] is False
        assert thread["thread_metadata"]["auto_archive_duration"] == 10080
        assert thread["name"].startswith("Coffee round 1 · ")
        members = server.fake.thread_members[int(thread["id"])] - {server.fake.bot.id}
        assert len(members) == 2
        everyone |= members
        [intro] = server.fake.posted(thread["id"])
        for user in members:
            assert f"<@{user}>" in intro["content"]
        assert "you're matched for a coffee chat" in intro["content"]
        assert "**Why we do this:** connect the new office" in intro["content"]
        assert {int(u) for u in intro["allowed_mentions"]["users"]} == members
        assert intro["allowed_mentions"]["parse"] == []
        group = [b["custom_id"] for b in buttons(intro)]
        checkins = [c for c in group if c.startswith("checkin:")]
        assert [c.rsplit(":", 1)[1] for c in checkins] == ["scheduled", "met", "skipped"]
        assert all(c.startswith("slot:pick:") for c in group if c not in checkins)
        assert all("|" not in c for c in group)  # in the server: plain action ids
    assert everyone == {server[p].id for p in PEOPLE}
    # Commands typed in a group's thread are about the program of its channel.
    joined = await server.command("li", "coffee join", in_channel=int(threads[0]["id"]))
    assert f"already in the coffee chats in <#{server.coffee}>" in joined["text"]
    # Check-ins go to the same thread, not a new one.
    await server.advance(timedelta(days=4))
    for thread in threads:
        posted = server.fake.posted(thread["id"])
        assert len(posted) == 2 and "Halfway through the round" in posted[1]["content"]
    assert len(server.fake.threads()) == 2


async def test_we_met_leads_to_send_thanks_and_a_modal(server: Server) -> None:
    await server.program(PEOPLE)
    await server.advance(TO_MONDAY)
    thread = thread_of(server, "li")
    [intro] = server.fake.posted(thread["id"])
    partner = next(
        n
        for n in PEOPLE
        if n != "li" and server[n].id in server.fake.thread_members[int(thread["id"])]
    )
    met = await server.press("li", intro, "We met")
    assert met["ephemeral"] and "Wonderful" in met["text"]
    nudge = server.fake.dms(server["li"])[-1]
    assert "Glad you met" in nudge["content"] and f"<@{server[partner].id}>" in nudge["content"]
    assert nudge["allowed_mentions"]["users"] == []  # a DM names the partner, pings nobody
    assert button(nudge, "Send thanks")["custom_id"].endswith(f"|{server.guild.id}")
    opened = await server.press("li", nudge, "Send thanks")
    assert opened["type"] == "modal"
    modal = opened["modal"]
    assert modal["title"] == "Send thanks"
    kinds = {c["component"]["custom_id"]: c["component"] for c in modal["components"]}
    assert kinds["recipients"]["type"] == 5  # a user select, prefilled with the partner
    defaults = kinds["recipients"]["default_values"]
    assert [(str(d["id"]), d["type"]) for d in defaults] == [(str(server[partner].id), "user")]
    assert kinds["message"]["type"] == 4 and kinds["message"]["max_length"] == 2000
    assert kinds["private"]["type"] == 23  # a checkbox
    sent = await server.submit(
        "li", modal, message="You explained @everyone <@&123456789012345678> so well"
    )
    assert sent["type"] == "deferred" and "Thanks sent to" in sent["text"]
    post = server.fake.posted(server.coffee)[-1]
    assert f"<@{server['li'].id}> thanks <@{server[partner].id}>" in post["content"]
    assert (
        "@\u200beveryone" in post["content"] and "<@\u200b&123456789012345678>" in post["content"]
    )
    assert {int(u) for u in post["allowed_mentions"]["users"]} == {
        server["li"].id,
        server[partner].id,
    }
    assert post["allowed_mentions"]["parse"] == []
    # The group answered "met": no end-of-round nag in the thread.
    await server.advance(timedelta(days=7))
    assert all("Did you manage" not in m["content"] for m in server.fake.posted(thread["id"]))


async def test_private_thanks_from_the_modal_only_dms(server: Server) -> None:
    await server.program(PEOPLE)
    await server.advance(TO_MONDAY)
    thread = thread_of(server, "sam")
    await server.press("sam", server.fake.posted(thread["id"])[0], "We met")
    nudge = server.fake.dms(server["sam"])[-1]
    opened = await server.press("sam", nudge, "Send thanks")
    before = len(server.fake.posted(server.coffee))
    sent = await server.submit("sam", opened["modal"], message="thank you!", private=True)
    assert "Thanks sent to" in sent["text"]
    assert len(server.fake.posted(server.coffee)) == before


async def test_without_thread_permission_each_member_gets_a_dm(server: Server) -> None:
    await server.program(PEOPLE)
    server.fake.thread_forbidden = True
    server.fake.dms_closed.add(server["ola"].id)
    await server.advance(TO_MONDAY)
    assert server.fake.threads() == []
    for name in ("li", "sam", "noor"):
        intro = server.fake.dms(server[name])[-1]
        assert "you're matched for a coffee chat" in intro["content"]
        # In a DM the buttons carry the server, so a press finds its way back.
        assert button(intro, "We met")["custom_id"].endswith(f"|{server.guild.id}")
    # Ola's DMs are closed: she's told in the program channel, pinged and nobody else.
    notice = server.fake.posted(server.coffee)[-1]
    assert f"<@{server['ola'].id}>" in notice["content"] and "DMs seem closed" in notice["content"]
    assert notice["allowed_mentions"]["users"] == [server["ola"].id]
    # A check-in button pressed in the DM works without a guild in the interaction.
    intro = server.fake.dms(server["li"])[-1]
    reply = await server.press("li", intro, "We've scheduled it")
    assert "enjoy the chat" in reply["text"]
    # Check-ins follow the group by DM too.
    await server.advance(timedelta(days=4))
    assert "Halfway" in server.fake.dms(server["noor"])[-1]["content"]


async def test_dms_closed_when_joining_is_said_in_the_channel(server: Server) -> None:
    await server.command("maya", "coffee setup")
    server.fake.dms_closed.add(server["noor"].id)
    reply = await server.command("noor", "coffee join")
    assert "You're in" in reply["text"]
    notice = server.fake.posted(server.coffee)[-1]
    assert "DMs seem closed" in notice["content"]
    assert notice["allowed_mentions"] == {"parse": [], "users": [server["noor"].id]}
    async with server.db.session() as s:
        row = (await s.execute(select(Delivery).where(Delivery.kind == "interview"))).scalar_one()
    assert row.status == "failed" and row.error.startswith("cannot_dm")


async def test_someone_who_left_the_server_is_out_of_the_round(server: Server) -> None:
    await server.program([*PEOPLE, "maya"])
    server.fake.left.add(server["noor"].id)
    await server.advance(TO_MONDAY)
    in_threads = set().union(*server.fake.thread_members.values()) - {server.fake.bot.id}
    assert server["noor"].id not in in_threads
    for name in ("li", "sam", "ola", "maya"):  # in a group, or told their partner is gone
        told = any("no longer available" in m["content"] for m in server.fake.dms(server[name]))
        assert (server[name].id in in_threads) != told, name
    async with server.db.session() as s:
        noor = (
            await s.execute(select(Member).where(Member.external_id == str(server["noor"].id)))
        ).scalar_one()
    assert noor.deactivated
    # Next round: not matched, and never DMed.
    dms_before = len(server.fake.dms(server["noor"]))
    await server.advance(timedelta(days=7))
    second = [t for t in server.fake.threads() if t["name"].startswith("Coffee round 2")]
    assert second and all(
        server["noor"].id not in server.fake.thread_members[int(t["id"])] for t in second
    )
    assert len(server.fake.dms(server["noor"])) == dms_before


async def test_server_errors_are_retried_and_nothing_is_sent_twice(server: Server) -> None:
    await server.program(PEOPLE[:2])
    # Discord takes the intro but the answer is lost (a 503 after the fact), then a retry.
    server.fake.fail_next.append(("POST /channels/", 503, {"message": "upstream", "code": 0}))
    server.fake.accept_then_fail.append(("POST", "/messages"))
    await server.advance(TO_MONDAY)
    await server.advance(timedelta(hours=2), step=timedelta(minutes=5))
    [thread] = server.fake.threads(server.coffee)
    assert len(server.fake.calls("POST", "/threads")) == 2  # a 503, then the thread
    sends = server.fake.calls("POST", f"/channels/{thread['id']}/messages")
    assert len(sends) == 2 and sends[0].json["nonce"] == sends[1].json["nonce"]
    assert sends[0].json["enforce_nonce"] is True
    assert len(server.fake.posted(thread["id"])) == 1  # the same nonce: Discord deduplicated
    async with server.db.session() as s:
        intro = (await s.execute(select(Delivery).where(Delivery.kind == "intro"))).scalar_one()
    assert intro.status == "sent" and intro.attempts >= 2


async def test_a_restart_or_reconnect_sends_nothing_again(server: Server) -> None:
    await server.program(PEOPLE)
    await server.advance(TO_MONDAY)
    sent = len([r for r in server.fake.requests if r.method == "POST"])
    # The gateway asks the client to reconnect; it resumes the session.
    await server.fake.reconnect()
    await server.advance(timedelta(hours=3))
    # A second process on the same database (a restart) ticks too.
    other = server.fresh_app()
    await other.tick()
    assert len([r for r in server.fake.requests if r.method == "POST"]) == sent
    assert len(server.fake.threads()) == 2
    reply = await server.command("li", "coffee status")  # still connected and answering
    assert "Current match" in reply["text"]
