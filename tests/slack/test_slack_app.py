"""The Slack app over real HTTP: signed requests in, Web API calls out to the fake Slack."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import select

from adapters.slack import render
from bot.messages import Message, UserText
from storage.models import Delivery, Membership, Program
from tests.slack.conftest import SECRET, SlackWorld
from tests.slack.fake_slack import BOT_USER, Fault, signed_headers


def texts(post: dict) -> str:
    return "\n".join(b["text"]["text"] for b in post["blocks"] if b["type"] == "section")


def buttons(post: dict) -> list[str]:
    return [e["action_id"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]


async def test_bot_added_to_a_channel_makes_a_program_and_welcomes(sw: SlackWorld) -> None:
    await sw.add_bot_to("C0001")
    (welcome,) = sw.fake.posts_to("C0001")
    assert "Hi, I'm WarmIntro!" in texts(welcome) and "/coffee pause" in texts(welcome)
    async with sw.warm.core.db.session() as s:
        program = (await s.execute(select(Program))).scalar_one()
    assert program.channel_id == "C0001" and program.added_by == "U0001"
    # the inviter is a program admin even without workspace admin rights
    sw.fake.users["U0001"]["is_admin"] = False
    sw.runtime.platform.forget_user("T0001", "U0001")
    reply = await sw.slack.reply(await sw.slack.command("/coffee", "config", "U0001"))
    assert "Program settings" in reply["text"]


async def test_member_joins_and_answers_the_interview_by_modal(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    await sw.slack.event(
        {"type": "member_joined_channel", "user": "U0003", "channel": "C0001", "team": "T0001"}
    )
    dm = await sw.fake.wait_for(lambda: sw.fake.posts_to("DU0003"))
    assert "1/3" in texts(dm[0]) and buttons(dm[0]) == ["profile:edit", "interview:skip:interests"]
    await sw.slack.action("U0003", "profile:edit", channel="DU0003")
    # the dialog opens at once (trigger_id lasts 3 s), then the form fills it in
    opened = await sw.fake.wait_for(lambda: sw.fake.called("views.update"))
    assert (
        sw.fake.called("views.open")[0].args["view"]["blocks"][0]["text"]["text"] == "One moment…"
    )
    assert sw.fake.calls.index(sw.fake.called("views.open")[0]) < sw.fake.calls.index(opened[0])
    view = opened[0].args["view"]
    assert view["callback_id"] == "profile"
    values = {
        "interests": {"value": {"type": "plain_text_input", "value": "Jazz, running"}},
        "offers": {"value": {"type": "plain_text_input", "value": "negotiation"}},
        "wants": {"value": {"type": "plain_text_input", "value": "data analysis"}},
        "team": {"value": {"type": "plain_text_input", "value": "Sales"}},
    }
    status, _ = await sw.slack.submit("U0003", view, values)
    assert status == 200
    done = await sw.fake.wait_for(
        lambda: [p for p in sw.fake.posts_to("U0003") if "All set" in p["text"]]
    )
    assert "jazz, running" in done[0]["text"]
    assert await sw.fake.wait_for(lambda: sw.fake.called("views.publish"))


async def test_interview_by_typed_reply_when_dms_are_delivered(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    await sw.slack.event(
        {"type": "member_joined_channel", "user": "U0002", "channel": "C0001", "team": "T0001"}
    )
    await sw.fake.wait_for(lambda: sw.fake.posts_to("DU0002"))
    await sw.slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "DU0002",
            "user": "U0002",
            "text": "climbing, typography",
            "ts": "1.1",
        }
    )
    reply = await sw.fake.wait_for(
        lambda: [p for p in sw.fake.posts_to("DU0002") if "2/3" in p["text"]]
    )
    assert reply
    # the bot's own messages are ignored
    await sw.slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "DU0002",
            "bot_id": "B0001",
            "text": "x",
        }
    )


async def test_every_coffee_subcommand_answers_ephemerally(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    cases = [
        ("join", "already in"),
        ("interests climbing, jazz", "Saved!"),
        ("offer python", "Saved!"),
        ("learn design", "Saved!"),
        ("team Platform", "Team set"),
        ("timezone UTC+1", "UTC+1"),
        ("pause 1w", "Paused until"),
        ("resume", "Welcome back"),
        ("status", "Colleagues met so far"),
        ("history", "No matches yet"),
        ("stats", "Coffee chats in"),
        ("config", "Program settings"),
        ("config day tue", "Saved"),
        ("preview", "Preview of the next round"),
        ("help", "/coffee join"),
        ("leave", "You've left"),
        ("join", "You're in"),
        ("match-now", "Round 1 started: 2 groups; intros are on their way"),
        ("bogus", "I don't know the command"),
        ("forget-me", "can't be undone"),
    ]
    for text, expected in cases:
        reply = await sw.slack.reply(await sw.slack.command("/coffee", text, "U0001"))
        assert reply["response_type"] == "ephemeral" and not reply.get("replace_original")
        assert expected in reply["text"], (text, reply["text"])
    reply = await sw.slack.reply(await sw.slack.command("/coffee", "forget-me confirm", "U0001"))
    assert "deleted everything" in reply["text"]


async def test_admin_commands_refused_for_members(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    for text in ("config day fri", "preview", "match-now"):
        reply = await sw.slack.reply(await sw.slack.command("/coffee", text, "U0002"))
        assert "Only the program's admins" in reply["text"]


async def test_round_over_thirty_members_ends_in_group_dms_with_intros(sw: SlackWorld) -> None:
    people = [f"U1{i:03d}" for i in range(30)]
    for user in people:
        sw.fake.add_user(user, f"Person {user}")
    sw.fake.channels["C0002"] = [*people, BOT_USER]
    await sw.add_bot_to("C0002", inviter=people[0])
    sw.clock.advance(timedelta(days=3))
    await sw.warm.tick()
    intros = [p for p in sw.fake.posts if p["channel"].startswith("G")]
    assert len(intros) == 15
    opened = [
        c.args["users"].split(",")
        for c in sw.fake.called("conversations.open")
        if "," in c.args["users"]
    ]
    assert sorted(u for users in opened for u in users) == sorted(people)
    for post in intros:
        body = texts(post)
        assert "Why you:" in body and "To get started:" in body and "<@U1" in body
        checkins = [a for a in buttons(post) if a.startswith("checkin:")]
        assert [a.split(":")[-1] for a in checkins] == ["scheduled", "met", "skipped"]
    # conversations.members was paginated (7 per page) and everyone got the interview
    assert len(sw.fake.called("conversations.members")) >= 5
    assert len([p for p in sw.fake.posts if p["channel"].startswith("DU1")]) == 30


async def test_buttons_and_the_thanks_modal(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    sw.clock.advance(timedelta(days=3))
    await sw.warm.tick()
    intro = next(p for p in sw.fake.posts if p["channel"].startswith("G"))
    met = next(a for a in buttons(intro) if a.endswith(":met"))
    group_id = met.split(":")[1]
    members = next(
        c.args["users"].split(",")
        for c in sw.fake.called("conversations.open")
        if sw.fake.posts
        and "," in c.args["users"]
        and any(p["channel"] == intro["channel"] for p in sw.fake.posts)
    )
    clicker = members[0]
    tag = await sw.slack.action(clicker, met, channel=intro["channel"])
    reply = await sw.slack.reply(tag)
    assert "Wonderful" in reply["text"] and reply["response_type"] == "ephemeral"
    nudge = await sw.fake.wait_for(
        lambda: [p for p in sw.fake.posts_to("D" + clicker) if "Glad you met" in p["text"]]
    )
    assert f"thanks:start:{group_id}" in buttons(nudge[0])
    await sw.slack.action(clicker, f"thanks:start:{group_id}", channel="D" + clicker)
    opened = await sw.fake.wait_for(
        lambda: [
            c
            for c in sw.fake.called("views.update")
            if c.args["view"].get("callback_id", "").startswith("thanks")
        ]
    )
    view = opened[0].args["view"]
    users_block = next(b for b in view["blocks"] if b["block_id"] == "recipients")
    assert users_block["element"]["initial_users"] == members[1:]
    # an empty note keeps the modal open with an error
    empty = {
        "recipients": {"value": {"type": "multi_users_select", "selected_users": members[1:]}},
        "message": {"value": {"type": "plain_text_input", "value": ""}},
        "private": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    status, body = await sw.slack.submit(clicker, view, empty)
    assert status == 200 and json.loads(body)["response_action"] == "errors"
    filled = {
        **empty,
        "message": {"value": {"type": "plain_text_input", "value": "Thanks <!channel>!"}},
    }
    status, _ = await sw.slack.submit(clicker, view, filled)
    assert status == 200
    post = await sw.fake.wait_for(
        lambda: [p for p in sw.fake.posts_to("C0001") if "thanks" in p["text"]]
    )
    assert "Thanks &lt;!channel&gt;!" in texts(post[0]) and "<!channel>" not in texts(post[0])


async def test_thanks_command_escapes_hostile_text(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    hostile = "<!channel> <!here> <@U0003> <#C0999> <https://evil.example|click me> & more"
    reply = await sw.slack.reply(
        await sw.slack.command("/thanks", f"<@U0002|li> {hostile}", "U0001")
    )
    assert "Thanks sent" in reply["text"]
    await sw.settle()  # the post goes out after the answer
    (post,) = [p for p in sw.fake.posts_to("C0001") if "thanks" in p["text"]]
    body = texts(post)
    assert "&lt;!channel&gt; &lt;!here&gt; &lt;@U0003&gt; &lt;#C0999&gt;" in body
    assert "&lt;https://evil.example|click me&gt; &amp; more" in body
    for injected in ("<!channel>", "<!here>", "<@U0003>", "<#C0999>", "<https://evil"):
        assert injected not in body and injected not in post["text"]
    assert "<@U0001>" in body and "<@U0002>" in body  # the real mentions stay
    dms = lambda: [p for p in sw.fake.posts_to("DU0002") if "sent you a thank-you" in p["text"]]  # noqa: E731
    assert await sw.fake.wait_for(dms)
    private = await sw.slack.reply(
        await sw.slack.command("/thanks", "<@U0003> quietly --private", "U0001")
    )
    assert "posted" not in private["text"]
    assert len([p for p in sw.fake.posts_to("C0001") if "thanks" in p["text"]]) == 1


async def test_bad_slash_input_changes_nothing(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    async with sw.warm.core.db.session() as s:
        before = sorted((await s.execute(select(Delivery.key))).scalars().all())
    for command, text, expected in [
        ("/thanks", "<@U0001> me!", "Thanking yourself"),
        ("/thanks", "<@UNOBODY> hi", "can't find"),
        ("/thanks", "<@U0002> " + "x" * 2100, "limit is 2,000"),
        ("/coffee", "pause soonish", "Say how long"),
    ]:
        reply = await sw.slack.reply(await sw.slack.command(command, text, "U0001"))
        assert expected in reply["text"]
    async with sw.warm.core.db.session() as s:
        after = sorted((await s.execute(select(Delivery.key))).scalars().all())
    assert after == before


async def test_bad_and_stale_signatures_get_401_and_change_nothing(sw: SlackWorld) -> None:
    body = urlencode(
        {
            "team_id": "T0001",
            "channel_id": "C0001",
            "user_id": "U0001",
            "command": "/coffee",
            "text": "join",
            "response_url": sw.fake.response_url("x"),
        }
    )
    form = "application/x-www-form-urlencoded"
    assert (await sw.slack.post(body, form, {}))[0] == 401
    assert (await sw.slack.post(body, form, signed_headers("wrong-secret", body)))[0] == 401
    stale = signed_headers(SECRET, body, int(time.time()) - 301)
    assert (await sw.slack.post(body, form, stale))[0] == 401
    tampered = signed_headers(SECRET, body)
    assert (await sw.slack.post(body.replace("join", "leave"), form, tampered))[0] == 401
    assert sw.fake.responses == [] and sw.fake.calls == []
    async with sw.warm.core.db.session() as s:
        assert (await s.execute(select(Membership))).first() is None


async def test_member_leaving_the_channel_is_out_of_the_next_round(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    await sw.slack.event(
        {"type": "member_left_channel", "user": "U0004", "channel": "C0001", "team": "T0001"}
    )
    sw.fake.channels["C0001"].remove("U0004")
    sw.clock.advance(timedelta(days=3))
    await sw.warm.tick()
    opened = [
        c.args["users"] for c in sw.fake.called("conversations.open") if "," in c.args["users"]
    ]
    assert opened and all("U0004" not in users for users in opened)
    assert sum(len(u.split(",")) for u in opened) == 3  # a trio of the three who stayed


async def test_deactivated_member_is_skipped_and_the_round_goes_on(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    sw.clock.advance(timedelta(days=3))
    sw.fake.users["U0003"]["deleted"] = True  # deactivated after the round was planned
    sw.runtime.platform.forget_user("T0001", "U0003")
    await sw.warm.tick()
    intros = [p for p in sw.fake.posts if p["channel"].startswith("G")]
    assert intros and all("<@U0003>" not in texts(p) for p in intros)
    async with sw.warm.core.db.session() as s:
        rows = (await s.execute(select(Delivery).where(Delivery.kind == "intro"))).scalars().all()
    assert {r.status for r in rows} <= {"sent", "failed"} and any(r.status == "sent" for r in rows)


async def test_server_errors_are_retried_and_nothing_is_sent_twice(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    sw.fake.faults.append(Fault("chat.postMessage", status=500, times=2))
    sw.fake.faults.append(Fault("conversations.open", status=503, times=1))
    sw.clock.advance(timedelta(days=3))
    await sw.warm.tick()
    # a post is not retried by the HTTP client (it may have landed): the outbox tries later
    sw.clock.advance(timedelta(minutes=1))
    await sw.warm.tick()
    intros = [p for p in sw.fake.posts if p["channel"].startswith("G")]
    assert len(intros) == 2 and len({p["channel"] for p in intros}) == 2


async def test_slack_error_for_a_channel_is_recorded_not_raised(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    await sw.slack.reply(
        await sw.slack.command("/coffee", "config thanks-channel <#C0404>", "U0001")
    )
    reply = await sw.slack.reply(await sw.slack.command("/thanks", "<@U0002> cheers", "U0001"))
    assert "Thanks sent" in reply["text"]
    await sw.settle()
    async with sw.warm.core.db.session() as s:
        post = (
            await s.execute(select(Delivery).where(Delivery.kind == "thanks_post"))
        ).scalar_one()
    assert post.status == "failed" and post.error == "channel_not_found"


async def test_app_home_shows_profile_and_edit_button(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    await sw.slack.reply(await sw.slack.command("/coffee", "interests sourdough", "U0002"))
    await sw.slack.event(
        {"type": "app_home_opened", "user": "U0002", "tab": "home", "channel": "DU0002"}
    )
    published = await sw.fake.wait_for(lambda: sw.fake.called("views.publish"))
    view = published[-1].args["view"]
    text = json.dumps(view)
    assert view["type"] == "home" and "sourdough" in text and "Colleagues met so far" in text
    assert "profile:edit" in text


async def test_bot_removed_pauses_the_program(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    await sw.slack.event({"type": "channel_left", "channel": "C0001", "actor_id": "U0001"})
    await sw.fake.wait_for(lambda: True)
    sw.clock.advance(timedelta(days=10))

    async def inactive() -> bool:
        async with sw.warm.core.db.session() as s:
            return not (await s.execute(select(Program))).scalar_one().active

    for _ in range(100):
        if await inactive():
            break
        await asyncio.sleep(0.05)
    assert await inactive()
    await sw.warm.tick()
    assert not [p for p in sw.fake.posts if p["channel"].startswith("G")]


async def test_healthz(sw: SlackWorld) -> None:
    async with sw.slack.session.get(sw.url.replace("/slack/events", "/healthz")) as response:
        assert response.status == 200 and (await response.json())["ok"] is True


def test_render_splits_long_text_and_escapes() -> None:
    message = Message(((UserText("<&>" * 1500),),))
    blocks = render.blocks(message)
    assert len(blocks) >= 3 and all(len(b["text"]["text"]) <= render.SECTION_LIMIT for b in blocks)
    joined = "".join(b["text"]["text"] for b in blocks)
    assert joined == "&lt;&amp;&gt;" * 1500


async def test_hostile_team_names_in_match_reasons_cannot_ping(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    for user, team in (("U0001", "Eng <!here> ping"), ("U0002", "Sales <@U0003>")):
        reply = await sw.slack.reply(await sw.slack.command("/coffee", f"team {team}", user))
        assert "Team set to" in reply["text"] and "<!here>" not in reply["text"]
    for user in ("U0003", "U0004"):
        await sw.slack.reply(await sw.slack.command("/coffee", "pause", user))
    sw.clock.advance(timedelta(days=3))
    await sw.warm.tick()
    (intro,) = [p for p in sw.fake.posts if p["channel"].startswith("G")]
    body = texts(intro) + intro["text"]
    assert "different teams" in body and "&lt;!here&gt;" in body
    assert "<!here>" not in body and "<@U0003>" not in body


async def test_slack_escaped_input_is_decoded_once(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    # Slack sends "R&D" typed in a slash command as "R&amp;D"
    reply = await sw.slack.reply(
        await sw.slack.command("/thanks", "<@U0002> for R&amp;D help", "U0001")
    )
    assert "Thanks sent" in reply["text"]
    await sw.settle()  # the post goes out after the answer
    (post,) = [p for p in sw.fake.posts_to("C0001") if "thanks" in p["text"]]
    assert "for R&amp;D help" in texts(post) and "&amp;amp;" not in texts(post)
    assert all(b["text"]["verbatim"] is True for b in post["blocks"] if b["type"] == "section")
    tags = await sw.slack.reply(
        await sw.slack.command("/coffee", "interests R&amp;D, a&amp;b", "U0003")
    )
    assert "r&amp;d" in tags["text"] and "a&amp;b" in tags["text"]


async def test_unidentified_person_error_is_retried_not_blamed_on_everyone(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    sw.fake.faults.append(Fault("conversations.open", error="user_not_found", times=1))
    sw.clock.advance(timedelta(days=3))
    await sw.warm.tick()
    async with sw.warm.core.db.session() as s:
        from storage.models import Member

        deactivated = (await s.execute(select(Member).where(Member.deactivated.is_(True)))).first()
    assert deactivated is None  # nobody was marked gone on a guess
    sw.clock.advance(timedelta(minutes=5))
    await sw.warm.tick()
    assert len([p for p in sw.fake.posts if p["channel"].startswith("G")]) == 2


async def test_a_form_button_that_fails_shows_why_in_the_dialog(sw: SlackWorld) -> None:
    await sw.add_bot_to()
    await sw.slack.action("U0002", "thanks:start:999", channel="DU0002")  # not their group
    updated = await sw.fake.wait_for(lambda: sw.fake.called("views.update"))
    assert "isn't for you" in json.dumps(updated[0].args["view"])
