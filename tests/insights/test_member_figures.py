"""A member's own page: their meetings, the thanks they received (private ones too), their
profile; compared with the database."""

from __future__ import annotations

import pytest

from adapters.web import charts
from bot.insights import NotFound, member_figures
from tests.conftest import World
from tests.insights.history import build, rows
from tests.insights.html_data import Elements


async def test_member_page_equals_the_database(world: World) -> None:
    h = await build(world)
    # whoever received the private note (and wrote the public one)
    ((recipient, member_id),) = await rows(
        world,
        "SELECT m.external_id, m.id FROM thanks_notes n JOIN thanks_recipients r "
        "ON r.note_id = n.id JOIN members m ON m.id = r.member_id WHERE NOT n.public",
    )
    fig = await member_figures(world.app.core, world.workspace, recipient)
    assert fig.user_id == recipient and fig.member_id == member_id

    groups = await rows(
        world,
        "SELECT g.id, r.number, g.outcome FROM group_members gm JOIN groups g "
        "ON g.id = gm.group_id JOIN rounds r ON r.id = g.round_id WHERE gm.member_id = :m",
        m=member_id,
    )
    assert sorted((m.round_number, m.outcome) for m in fig.meetings) == sorted(
        (n, o) for _, n, o in groups
    )
    assert [m.round_number for m in fig.meetings] == sorted(
        (m.round_number for m in fig.meetings), reverse=True
    )
    for meeting in fig.meetings:
        others = await rows(
            world,
            "SELECT m.external_id FROM group_members gm JOIN members m ON m.id = gm.member_id "
            "JOIN groups g ON g.id = gm.group_id JOIN rounds r ON r.id = g.round_id "
            "WHERE r.number = :n AND gm.member_id != :m AND gm.group_id IN "
            "(SELECT group_id FROM group_members WHERE member_id = :m)",
            n=meeting.round_number,
            m=member_id,
        )
        assert sorted(ext for ext, _ in meeting.with_) == sorted(o for (o,) in others)

    received = await rows(
        world,
        "SELECT n.id, n.public, n.text FROM thanks_notes n JOIN thanks_recipients r "
        "ON r.note_id = n.id WHERE r.member_id = :m",
        m=member_id,
    )
    assert {(n.note_id, n.public) for n in fig.thanks_received} == {
        (i, bool(p)) for i, p, _ in received
    }
    assert any(not n.public and h.private_text in n.text for n in fig.thanks_received)
    (given,) = await rows(
        world, "SELECT count(*) FROM thanks_notes WHERE from_member_id = :m", m=member_id
    )
    assert fig.thanks_given == given[0]
    (profile,) = await rows(world, "SELECT team FROM profiles WHERE member_id = :m", m=member_id)
    assert fig.profile.team == profile[0]
    assert [p.channel_id for p in fig.programs] == ["coffee"]

    page = charts.member_meetings_html(fig) + charts.member_thanks_html(fig)
    notes = [a for t, a in Elements(page).elements if t == "li"]
    assert sorted(int(a["data-value"]) for a in notes) == sorted(i for i, _, _ in received)
    assert {(int(a["data-value"]), a["data-public"]) for a in notes} == {
        (i, "true" if p else "false") for i, p, _ in received
    }
    assert h.private_text in page  # their own page shows the private note to them
    meetings = [a for t, a in Elements(page).elements if t == "tr" and "data-label" in a]
    assert len(meetings) == len(groups)


async def test_unknown_or_forgotten_members_have_no_page(world: World) -> None:
    await build(world)
    core = world.app.core
    with pytest.raises(NotFound):
        await member_figures(core, world.workspace, "nobody-here")
    with pytest.raises(NotFound):
        await member_figures(core, "another-workspace", "maya")
    assert (await world.coffee("li", "forget-me confirm")).ok
    with pytest.raises(NotFound):
        await member_figures(core, world.workspace, "li")
