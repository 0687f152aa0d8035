"""Gratitude: `/thanks`, the thanks form, and where a note is posted."""

from __future__ import annotations

import logging
from datetime import datetime

from bot import commands as cmd
from bot import copy, inbound
from bot import keys as key_of
from bot.actions import ThanksForm
from bot.core import Actor, Core, UnknownUser
from bot.ledger import Outgoing, enqueue
from bot.messages import Form, FormField, Reply
from bot.outbox import Outbox
from bot.ports import ChannelTarget, DirectTarget
from bot.replies import Rejected, error
from bot.states import DeliveryKind
from bot.text import InputError, check_length
from storage.models import Member, ThanksNote

logger = logging.getLogger(__name__)


async def form(core: Core, actor: Actor, group_id: int) -> Reply:
    """The 'Send thanks' dialog, prefilled with the rest of the group."""
    known = await core.known_users(actor.workspace_id, [actor.user_id])
    async with core.uow() as uow:
        member = await core.actor_member(uow, actor, known)
        ids = (await uow.rounds.member_ids([group_id])).get(group_id, [])
        if member.id not in ids:
            return error("That button isn't for you.")
        others = await uow.members.by_ids([i for i in ids if i != member.id])
    initial = [m.external_id for m in others.values()]
    form = Form(
        form_id=ThanksForm(group_id).encode(),
        title=copy.THANKS_FORM_TITLE,
        fields=(
            FormField("recipients", "Who would you like to thank?", "users", initial),
            FormField("message", "What are you thankful for?", "text", None, 2000),
            FormField("private", "Send privately (only they see it)", "checkbox", False),
        ),
    )
    return Reply(form=form)


async def send(
    core: Core, outbox: Outbox, actor: Actor, command: cmd.Thanks, group_id: int | None = None
) -> Reply:
    """Save the note; post it in the thanks channel unless private; DM each recipient."""
    now = core.now()
    try:
        check_length(command.text, "Your note")
    except InputError as exc:
        return error(exc.line)
    if len(command.recipients) > inbound.MAX_RECIPIENTS:
        return error(copy.too_many_recipients(inbound.MAX_RECIPIENTS), copy.USAGE["thanks"])
    for user_id in command.recipients:
        if not inbound.external_id_ok(user_id):  # a forged form: answer, look nothing up
            return error(copy.unknown_user(str(user_id)), copy.USAGE["thanks"])
    try:
        return await _send(core, outbox, actor, command, now, group_id)
    except Rejected as exc:
        return exc.reply


async def _send(
    core: Core,
    outbox: Outbox,
    actor: Actor,
    command: cmd.Thanks,
    now: datetime,
    group_id: int | None,
) -> Reply:
    known = await core.known_users(actor.workspace_id, [actor.user_id, *command.recipients])
    async with core.uow() as uow:
        try:
            sender = await core.actor_member(uow, actor, known)
        except UnknownUser as exc:
            raise Rejected(error(copy.unknown_user(exc.user_id))) from None
        ws = await uow.workspaces.get(sender.workspace_id)
        recipients: list[Member] = []
        for user_id in command.recipients:
            if user_id == actor.user_id:
                raise Rejected(error(copy.THANKS_SELF))
            try:
                member = await core.member(uow, ws, user_id, known)
            except UnknownUser:
                unknown = error(copy.unknown_user("@" + user_id), copy.USAGE["thanks"])
                raise Rejected(unknown) from None
            if member.is_bot:
                raise Rejected(error(copy.THANKS_BOT))
            if member not in recipients:
                recipients.append(member)
        # From the thanks form: the program the group met in. Otherwise: where it was typed.
        program = await uow.rounds.program_of_group(group_id) if group_id else None
        program = program or await core.command_program(uow, actor, sender)
        public = not command.private
        channel = (program.thanks_channel_id or program.channel_id) if program else None
        note = await uow.thanks.add(
            ThanksNote(
                workspace_id=ws.id,
                program_id=program.id if program else None,
                from_member_id=sender.id,
                text=command.text,
                public=public,
                created_at=now,
            ),
            [m.id for m in recipients],
        )
        ids = [m.external_id for m in recipients]
        keys = []
        if public and channel:
            item = Outgoing(
                key_of.thanks_post(note.id), DeliveryKind.THANKS_POST, ChannelTarget(channel),
                copy.thanks_public(actor.user_id, ids, command.text), now,
            )  # fmt: skip
            await enqueue(uow, ws.id, item, now)
            keys.append(item.key)
        for user in ids:
            item = Outgoing(
                key_of.thanks_dm(note.id, user), DeliveryKind.THANKS_DM,
                DirectTarget(user, program.channel_id if program else None),
                copy.thanks_dm(actor.user_id, command.text, public, channel), now,
                recipient=user,
            )  # fmt: skip
            await enqueue(uow, ws.id, item, now)
            keys.append(item.key)
        note_id = note.id
    await outbox.flush(keys)
    async with core.uow() as uow:
        row = await uow.deliveries.by_key(key_of.thanks_post(note_id))
        stored = await uow.thanks.get(note_id)
        if row is not None and stored is not None and row.platform_ref:
            stored.posted_ref = row.platform_ref
    return Reply(copy.thanks_sent(ids, public, channel))
