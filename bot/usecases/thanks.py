"""Gratitude: `/thanks`, the thanks form, and where a note is posted."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot import commands as cmd
from bot import inbound, wording
from bot import keys as key_of
from bot.actions import StartThanks, ThanksForm
from bot.core import UnknownUser
from bot.ledger import Outgoing, enqueue
from bot.messages import Form, FormField, Reply
from bot.ports import ChannelTarget, DirectTarget
from bot.replies import Rejected, error
from bot.states import DeliveryKind
from bot.text import InputError, check_length
from bot.usecases.context import Context
from storage.models import Member, Program, ThanksNote, Workspace
from storage.uow import UnitOfWork

logger = logging.getLogger(__name__)


async def form(ctx: Context, action: StartThanks) -> Reply:
    """The 'Send thanks' dialog, prefilled with the rest of the group."""
    group_id = action.group_id
    async with ctx.as_member() as (uow, member):
        ids = (await uow.rounds.member_ids([group_id])).get(group_id, [])
        if member.id not in ids:
            return error(wording.NOT_YOUR_BUTTON)
        others = await uow.members.by_ids([i for i in ids if i != member.id])
    initial = [m.external_id for m in others.values()]
    labels = wording.THANKS_FORM_LABELS
    dialog = Form(
        form_id=ThanksForm(group_id).encode(),
        title=wording.THANKS_FORM_TITLE,
        fields=(
            FormField("recipients", labels["recipients"], "users", initial),
            FormField("message", labels["message"], "text", None, 2000),
            FormField("private", labels["private"], "checkbox", False),
        ),
    )
    return Reply(form=dialog)


def from_form(values: dict[str, Any]) -> cmd.Thanks | Reply:
    """The thanks form's values as a `/thanks` command, or what's missing."""
    raw = values.get("recipients") or ()
    recipients = tuple(str(u) for u in (raw if isinstance(raw, list | tuple) else (raw,)))
    text = str(values.get("message") or "").strip()
    if not recipients:
        return error(wording.THANKS_PICK_SOMEONE)
    if not text:
        return error(wording.THANKS_ADD_WORDS)
    if len(text) > 2000:
        return error(wording.too_long(len(text)))
    return cmd.Thanks(recipients, text, bool(values.get("private")))


async def send(ctx: Context, command: cmd.Thanks, group_id: int | None = None) -> Reply:
    """Save the note; post it in the thanks channel unless private; DM each recipient."""
    try:
        check_length(command.text, wording.YOUR_NOTE)
    except InputError as exc:
        return error(exc.line)
    if len(command.recipients) > inbound.MAX_RECIPIENTS:
        return error(wording.too_many_recipients(inbound.MAX_RECIPIENTS), wording.USAGE["thanks"])
    for user_id in command.recipients:
        if not inbound.external_id_ok(user_id):  # a forged form: answer, look nothing up
            return error(wording.unknown_user(str(user_id)), wording.USAGE["thanks"])
    try:
        return await _send(ctx, command, group_id)
    except Rejected as exc:
        return exc.reply


async def _send(ctx: Context, command: cmd.Thanks, group_id: int | None) -> Reply:
    now = ctx.core.now()
    try:
        async with ctx.as_member(*command.recipients) as (uow, sender):
            ws = await uow.workspaces.get(sender.workspace_id)
            recipients = await _recipients(ctx, uow, ws, command)
            # From the thanks form: the program the group met in. Otherwise: where it was typed.
            program = await uow.rounds.program_of_group(group_id) if group_id else None
            program = program or await ctx.core.command_program(uow, ctx.actor, sender)
            note = await uow.thanks.add(
                ThanksNote(
                    workspace_id=ws.id,
                    program_id=program.id if program else None,
                    from_member_id=sender.id,
                    text=command.text,
                    public=not command.private,
                    created_at=now,
                ),
                [m.id for m in recipients],
            )
            ids = [m.external_id for m in recipients]
            channel = await _queue(ctx, uow, note, program, ids, now)
            note_id = note.id
    except UnknownUser as exc:
        return error(wording.unknown_user(exc.user_id))
    await ctx.flush(then=lambda: _note_posted(ctx, note_id))
    return Reply(wording.thanks_sent(ids, not command.private, channel))


async def _note_posted(ctx: Context, note_id: int) -> None:
    """Once the public post is out: remember where it landed."""
    async with ctx.core.uow() as uow:
        row = await uow.deliveries.by_key(key_of.thanks_post(note_id))
        stored = await uow.thanks.get(note_id)
        if row is not None and stored is not None and row.platform_ref:
            stored.posted_ref = row.platform_ref


async def _recipients(
    ctx: Context, uow: UnitOfWork, ws: Workspace, command: cmd.Thanks
) -> list[Member]:
    """The people thanked; refuses (`Rejected`) the actor themself, strangers and bots."""
    recipients: list[Member] = []
    for user_id in command.recipients:
        if user_id == ctx.actor.user_id:
            raise Rejected(error(wording.THANKS_SELF))
        try:
            member = await ctx.core.member(uow, ws, user_id, ctx.profiles)
        except UnknownUser:
            unknown = error(wording.unknown_user("@" + user_id), wording.USAGE["thanks"])
            raise Rejected(unknown) from None
        if member.is_bot:
            raise Rejected(error(wording.THANKS_BOT))
        if member not in recipients:
            recipients.append(member)
    return recipients


async def _queue(
    ctx: Context,
    uow: UnitOfWork,
    note: ThanksNote,
    program: Program | None,
    ids: list[str],
    now: datetime,
) -> str | None:
    """Queue the public post (unless private) and a DM to each recipient; returns the
    channel the note is posted in (None: not posted)."""
    author, text, public = ctx.actor.user_id, note.text, note.public
    channel = (program.thanks_channel_id or program.channel_id) if program else None
    items = []
    if public and channel:
        message = wording.thanks_public(author, ids, text)
        post = key_of.thanks_post(note.id)
        items.append(Outgoing(post, DeliveryKind.THANKS_POST, ChannelTarget(channel), message, now))
    for user in ids:
        target = DirectTarget(user, program.channel_id if program else None)
        message = wording.thanks_dm(author, text, public, channel)
        key = key_of.thanks_dm(note.id, user)
        items.append(Outgoing(key, DeliveryKind.THANKS_DM, target, message, now, recipient=user))
    for item in items:
        await enqueue(uow, note.workspace_id, item, now)
        ctx.to_send.append(item.key)
    return channel
