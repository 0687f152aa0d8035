"""forget-me: delete a person, and every trace of them in rows that stay for others.

What goes: their member row and everything hanging off it (profile, memberships, group
memberships, check-in answers, conversation state, the thanks they wrote, the pairs they
asked to avoid and the pairs that name them), every delivery addressed to them, every
delivery that carried their thanks, and every thank-you note someone else wrote whose text
names them; others' profiles that name them as manager forget it, and a Slack installation
they made keeps the workspace's bot token but no longer names them (nor holds a user token).
What is redacted: the messages of groups they were in, the thanks posts that named them as a
recipient, and any other delivery that still names them. What keeps working without them:
pending intros (re-addressed to the rest of the group) and pending thanks posts that thanked
others too (re-written without them).

Thanks they *received* from someone else stay with their author, minus the link to them: the
note is the author's own words and history (and counts in the program's stats); only the
recipient link is about the forgotten person. A note whose text names them is deleted instead.

Only a hash of their platform id remains, in `opt_outs`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import keys as key_of
from bot import wording
from bot.digest import forget_quotes
from bot.ledger import redact
from bot.regroup import withdraw
from bot.states import DeliveryStatus
from storage.models import Member, ThanksNote
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)

WHY = "a member asked to be forgotten"
_TOKENS = re.compile(r"[^0-9A-Za-z_.]+")


@dataclass(frozen=True, slots=True)
class Traces:
    """What identifies the person in stored text: their platform id and their names."""

    external_id: str
    display_name: str

    def names(self) -> list[str]:
        """Their display name and its longer parts ("Li Wei" → "Li Wei", "Wei")."""
        parts = [p for p in re.split(r"\s+", self.display_name.strip()) if len(p) >= 3]
        return [n for n in dict.fromkeys([self.display_name.strip(), *parts]) if n]

    def in_text(self, text: str) -> bool:
        """Whether free text (a note, a rendered message) names them: their id as a word or a
        mention (`<@U123>`), or their name as whole words, in any case."""
        if self.external_id in _TOKENS.split(text):
            return True
        return any(
            re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE)
            for name in self.names()
        )

    def in_ref(self, value: str | None) -> bool:
        """Whether a key, error or reference (`thanks:5:dm:U123`, `G-li-maya/3`) names them."""
        return bool(value) and self.external_id in _TOKENS.split(value or "")

    def id_in_json(self, value: Any) -> bool:
        """Whether JSON (a target, a message) holds their id: as an addressee, a mention, or a
        word of a text."""
        return any(
            leaf == self.external_id or self.external_id in _TOKENS.split(leaf)
            for leaf in strings_in(value)
        )

    def in_json(self, value: Any) -> bool:
        return self.id_in_json(value) or any(self.in_text(leaf) for leaf in strings_in(value))


def strings_in(value: Any) -> Iterator[str]:
    """Every string inside a JSON-like value (dicts, lists), however nested."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


async def forget(uow: UnitOfWork, member: Member, now: datetime) -> list[str]:
    """Delete `member` and their traces (see the module doc). Returns delivery keys to flush
    once the transaction commits (re-addressed intros, re-written thanks posts, partners told).
    """
    traces = Traces(member.external_id, member.display_name)
    keys = await withdraw(uow, member, now)
    keys += await _forget_thanks(uow, member, traces)
    await uow.programs.forget_admin(member.workspace_id, member.external_id)
    await uow.workspaces.forget_installer(member.workspace_id, member.external_id)
    await uow.members.forget_manager(member.workspace_id, member.external_id)
    await uow.avoid.forget(member.id)
    await uow.members.forget_pauses(member.id)
    await uow.programs.forget_periods(member.id)
    await uow.deliveries.delete_addressed_to(member.workspace_id, member.external_id)
    await uow.members.remove(member)
    await _sweep(uow, member.workspace_id, traces)
    return keys


async def _forget_thanks(uow: UnitOfWork, member: Member, traces: Traces) -> list[str]:
    notes = await uow.thanks.in_workspace(member.workspace_id)
    received = await uow.thanks.received_by(member.id)
    keys: list[str] = []
    removed: list[str] = []
    for note in notes:
        if note.from_member_id == member.id or traces.in_text(note.text):
            # Their words, or words about them: the note and everything that carried it go.
            prefix = key_of.thanks_prefix(note.id)
            await uow.deliveries.delete_with_key_prefix(member.workspace_id, prefix)
            await uow.thanks.remove(note.id)
            removed.append(note.text)
        elif note.id in received:
            keys += await _unthank(uow, note, member)
    await forget_quotes(uow, member.workspace_id, removed, WHY)  # monthly digests quoting them
    return keys


async def _unthank(uow: UnitOfWork, note: ThanksNote, member: Member) -> list[str]:
    """A note someone else wrote to them (and maybe others): its post no longer names them."""
    post = await uow.deliveries.by_key(key_of.thanks_post(note.id))
    if post is None or post.status == DeliveryStatus.SENDING:
        return []
    if post.status != DeliveryStatus.PENDING:
        redact(post, WHY)
        return []
    ids = await uow.thanks.recipients_except(note.id, member.id)
    people = await uow.members.by_ids([note.from_member_id, *ids])
    sender = people.pop(note.from_member_id, None)
    others = [m.external_id for m in people.values()]
    if sender is None or not others:
        post.status = DeliveryStatus.CANCELLED
        redact(post, WHY)
        return []
    post.payload = wording.thanks_public(sender.external_id, others, note.text).to_dict()
    return [post.key]


async def _sweep(uow: UnitOfWork, workspace_id: int, traces: Traces) -> None:
    """Anything else that still names them: redacted, and stopped if it was still to be sent."""
    needles = {traces.external_id, *traces.names()}
    needles |= {json.dumps(n)[1:-1] for n in needles}  # as stored in JSON text
    for row in await uow.deliveries.mentioning(workspace_id, needles):
        by_id = (
            traces.in_ref(row.key)
            or row.recipient == traces.external_id
            or traces.in_ref(row.error)
            or traces.in_ref(row.platform_ref)
            or traces.id_in_json(row.target)
            or traces.id_in_json(row.payload)
        )
        if row.status == DeliveryStatus.PENDING and not by_id:
            continue  # a name alone may be a namesake's: what is still due to others goes out
        if not (by_id or traces.in_json(row.payload)):
            continue
        if row.status == DeliveryStatus.SENDING:
            # In flight: what left can't be called back, but the row is emptied now and the
            # outbox records its result without the content (and never retries it).
            logger.info("delivery %s names a forgotten member and is in flight", row.id)
        if row.status == DeliveryStatus.PENDING:
            row.status = DeliveryStatus.CANCELLED
        if traces.in_ref(row.key):
            row.key = key_of.forgotten(row.id)
        redact(row, WHY)
        logger.info("delivery %s (%s) redacted: it named a forgotten member", row.id, row.kind)
