"""/thanks, the thanks form, escaping of what people type."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.messages import UserText
from storage.models import ThanksNote, ThanksRecipient
from tests.conftest import World


async def test_public_thanks_posts_in_channel_and_dms_recipients(any_world: World) -> None:
    w = any_world
    await w.program(["maya", "li", "sam"])
    reply = await w.thanks("li", "<@maya> <@sam> thanks for the pairing session!")
    assert reply.ok and "posted it in" in reply.text
    (post,) = w.sent("channel")[-1:]
    assert post.target.channel_id == "coffee"
    assert set(post.message.mentions) == {"li", "maya", "sam"}
    dms = [p for p in w.sent("dm") if "sent you a thank-you" in p.message.plain()]
    assert sorted(p.target.user_id for p in dms) == ["maya", "sam"]
    async with w.db.session() as s:
        note = (await s.execute(select(ThanksNote))).scalar_one()
        recipients = (await s.execute(select(ThanksRecipient))).scalars().all()
    assert note.public and note.posted_ref and len(recipients) == 2


async def test_private_thanks_only_dms(world: World) -> None:
    await world.program(["maya", "li"])
    channel_posts = len(world.sent("channel"))
    reply = await world.thanks("li", "<@maya> you're great --private")
    assert reply.ok and "posted" not in reply.text
    assert len(world.sent("channel")) == channel_posts
    assert "sent you a thank-you" in world.sent("dm")[-1].message.plain()


async def test_thanks_go_to_the_configured_thanks_channel(world: World) -> None:
    await world.program(["maya", "li"])
    await world.coffee("maya", "config thanks-channel <#kudos>")
    await world.thanks("li", "<@maya> cheers")
    assert world.sent("channel")[-1].target.channel_id == "kudos"


async def test_user_text_is_kept_as_user_text(world: World) -> None:
    """Hostile text is carried as UserText so every adapter escapes it."""
    await world.program(["maya", "li"])
    hostile = "<!channel> <@U999> @everyone <https://evil.example|click> & <b>"
    await world.thanks("li", f"<@maya> {hostile}")
    post = world.sent("channel")[-1].message
    texts = [s for line in post.lines for s in line if isinstance(s, UserText)]
    assert texts == [UserText(hostile)]
    assert set(post.mentions) == {"li", "maya"}


async def test_thanks_form_after_met(world: World) -> None:
    await world.program(["maya", "li"])
    await world.advance(timedelta(days=3))
    await world.press("maya", "We met")
    reply = await world.press("maya", "Send thanks", None)
    assert reply.form is not None
    recipients = next(f for f in reply.form.fields if f.name == "recipients")
    assert recipients.initial == ["li"]
    done = await world.app.form_submitted(
        world.actor("maya", None),
        reply.form.form_id,
        {"recipients": ["li"], "message": "Great chat!", "private": False},
    )
    assert done.ok and "Thanks sent" in done.text
    empty = await world.app.form_submitted(
        world.actor("maya", None), reply.form.form_id, {"recipients": ["li"], "message": " "}
    )
    assert not empty.ok


async def test_buttons_from_someone_else_are_refused(world: World) -> None:
    await world.program(["maya", "li", "sam", "ana"])
    await world.advance(timedelta(days=3))
    intro = world.intros()[0]
    outsider = next(u for u in ("maya", "li", "sam", "ana") if u not in intro.target.user_ids)
    before = await world.snapshot()
    met = next(b for b in intro.message.buttons if b.action_id.endswith(":met"))
    reply = await world.app.action(world.actor(outsider), met.action_id)
    assert not reply.ok and "isn't for you" in reply.text
    assert not (await world.app.action(world.actor(outsider), "checkin:abc:met")).ok
    assert not (await world.app.action(world.actor(outsider), "bogus")).ok
    assert await world.snapshot() == before
