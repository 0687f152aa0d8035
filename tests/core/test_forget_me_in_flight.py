"""A forget-me that arrives while a message naming the person is being sent.

What already left can't be called back, but the row is emptied at once, and the outbox then
records the send without where it landed, or (when the send fails) never tries it again.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from adapters.console.platform import ConsoleUser
from bot.ports import PlatformError
from storage.models import Delivery
from tests.conftest import World, dump_database, traces_of

ZED = "zed42"
NAME = "Zebulon Quillfeather"
NEEDLES = [ZED, "Zebulon", "Quillfeather"]


async def _forget_during_thanks_post(w: World, fail: bool) -> tuple[Delivery, list[Any]]:
    """maya thanks zed publicly; while that post is on its way, zed says forget-me."""
    w.data.users[ZED] = ConsoleUser(ZED, NAME)
    await w.program(["maya", "li", ZED])
    sending, release = asyncio.Event(), asyncio.Event()
    send = w.platform.send

    async def slow(ws: str, target: Any, message: Any, *, key: str | None = None) -> Any:
        if key and key.endswith(":post"):
            sending.set()
            await release.wait()
            if fail:
                raise PlatformError("internal_error", retryable=True)
        return await send(ws, target, message, key=key)

    w.platform.send = slow  # type: ignore[method-assign]
    before = len(w.platform.sent)
    assert (await w.app.thanks(w.actor("maya"), f"<@{ZED}> great demo")).ok
    await asyncio.wait_for(sending.wait(), 10)
    async with w.db.session() as s:
        row = (await s.execute(select(Delivery).where(Delivery.kind == "thanks_post"))).scalar_one()
        assert row.status == "sending"
    assert "Done" in (await w.app.coffee(w.actor(ZED), "forget-me confirm")).text
    release.set()
    await w.settle()
    w.platform.send = send  # type: ignore[method-assign]
    async with w.db.session() as s:
        row = (await s.execute(select(Delivery).where(Delivery.id == row.id))).scalar_one()
    return row, w.platform.sent[before:]


@pytest.mark.parametrize("fail", [False, True], ids=["sent", "failed"])
async def test_a_message_in_flight_is_emptied_and_never_tried_again(
    world: World, fail: bool
) -> None:
    row, _sent = await _forget_during_thanks_post(world, fail)
    assert row.payload == {"redacted": True} and row.platform_ref is None
    assert row.status == ("cancelled" if fail else "sent")
    assert traces_of(await dump_database(world.db), NEEDLES) == []
    if fail:  # a later tick finds nothing of it to send
        before = len(world.platform.sent)
        await world.app.tick()
        await world.settle()
        assert [p for p in world.platform.sent[before:] if "great demo" in p.message.plain()] == []
