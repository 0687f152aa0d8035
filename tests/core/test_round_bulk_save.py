"""A round is saved in bulk (one INSERT each for groups, members, deliveries), with the same
rows and the same uniqueness as one at a time."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from bot.intros import intro_message, person_of
from bot.ledger import Outgoing, enqueue, enqueue_many
from bot.messages import Message
from bot.ports import DirectTarget
from bot.states import DeliveryKind
from bot.wording import dms_closed
from storage.models import Delivery, Group, GroupMember, Member, Program, Round, Workspace
from storage.repositories.rounds import RoundRepository
from tests.conftest import World


async def test_a_round_saved_in_bulk_has_every_group_member_and_delivery(any_world: World) -> None:
    w = any_world
    await w.program(w.people()[:11])  # 11 people: four pairs and a trio
    await w.coffee("maya", "match-now")
    await w.settle()
    async with w.db.session() as s:
        round_id = (await s.execute(select(Round.id))).scalar_one()
        groups = (await s.execute(select(Group).order_by(Group.position))).scalars().all()
        members = (await s.execute(select(GroupMember.group_id, GroupMember.member_id))).all()
        rows = (await s.execute(select(Delivery).where(Delivery.round_id == round_id))).scalars()
        deliveries = list(rows)
    assert [g.position for g in groups] == [0, 1, 2, 3, 4]
    assert all(g.round_id == round_id and g.reasons for g in groups)
    sizes = Counter(gid for gid, _ in members)
    assert sorted(sizes.values()) == [2, 2, 2, 2, 3] and set(sizes) == {g.id for g in groups}
    kinds = Counter((d.group_id, d.kind) for d in deliveries)
    assert set(kinds.values()) == {1} and len(kinds) == 15  # intro + two check-ins each
    intros = [d for d in deliveries if d.kind == DeliveryKind.INTRO]
    assert all(d.status == "sent" and d.duplicate_risk is False for d in intros)
    assert len(w.intros()) == 5


async def test_enqueue_many_skips_keys_already_queued_like_enqueue(any_world: World) -> None:
    w = any_world
    await w.program(["maya", "li"])
    now = w.clock.now()
    async with w.db.session() as s:
        workspace_id = (await s.execute(select(Workspace.id))).scalar_one()

    def item(key: str, text: str) -> Outgoing:
        return Outgoing(key, DeliveryKind.ALONE, DirectTarget("maya"), dms_closed(text), now)

    async with w.app.core.uow() as uow:
        assert await enqueue(uow, workspace_id, item("bulk:1", "first"), now)
    later = now + timedelta(hours=1)
    async with w.app.core.uow() as uow:
        await enqueue_many(
            uow, workspace_id, [item("bulk:1", "again"), item("bulk:2", "new")], later
        )
        assert not await enqueue(uow, workspace_id, item("bulk:2", "third"), later)
    async with w.db.session() as s:
        rows = (
            await s.execute(select(Delivery).where(Delivery.key.in_(["bulk:1", "bulk:2"])))
        ).scalars()
        by_key = {d.key: d for d in rows}
    assert by_key["bulk:1"].created_at.replace(tzinfo=None) == now.replace(tzinfo=None)
    assert "first" in str(by_key["bulk:1"].payload)
    assert "new" in str(by_key["bulk:2"].payload)


async def test_an_intro_written_from_the_plan_reads_as_one_rebuilt_from_the_stored_group(
    any_world: World,
) -> None:
    """The round writes each intro from the plan's reasons and times; rebuilding it from the
    stored row (as a regroup or a slot pick does) gives the same message."""
    w = any_world
    await w.program(w.people()[:11])  # four pairs and a trio
    await w.coffee("maya", "match-now")
    await w.settle()
    async with w.db.session() as s:
        program = (await s.execute(select(Program))).scalar_one()
        seed = (await s.execute(select(Round.seed))).scalar_one()
        groups = (await s.execute(select(Group).order_by(Group.position))).scalars().all()
        members = {m.id: m for m in (await s.execute(select(Member))).scalars()}
        for m in members.values():
            await s.refresh(m, ["profile"])
        ids = await RoundRepository(s).member_ids([g.id for g in groups])
        intros = (
            await s.execute(select(Delivery).where(Delivery.kind == DeliveryKind.INTRO))
        ).scalars()
        stored = {d.group_id: (Message.from_dict(d.payload), d.target["user_ids"]) for d in intros}
    assert len(stored) == 5 and any(len(ids[g.id]) == 3 for g in groups)
    by_user = {m.external_id: m.id for m in members.values()}
    for group in groups:
        message, users = stored[group.id]
        mine = [by_user[u] for u in users]  # in the plan's order, as the intro names them
        assert sorted(mine) == ids[group.id]
        rebuilt = intro_message(
            program,
            group,
            seed,
            mine,
            {m: members[m].external_id for m in mine},
            {m: members[m].display_name for m in mine},
            {m: person_of(members[m]) for m in mine},
        )
        assert message == rebuilt
        assert group.slots is not None  # the times it proposed were stored with it
