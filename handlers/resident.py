"""Residents in private chat: send something, check the preview, submit, follow, close, rate."""

from __future__ import annotations

import contextlib
from datetime import datetime

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot import texts
from bot.config import Config
from bot.domain.deadlines import local_time
from bot.domain.errors import DomainError
from bot.services import residents as T
from bot.services.abuse import refuse_blocked
from bot.services.conversation import Reading, ask, wait_buttons
from bot.services.deps import Deps
from bot.services.followups import answer_revisit
from bot.services.intake import (
    Draft,
    Incoming,
    Received,
    confirm_draft,
    discard_draft,
    update_draft,
)
from bot.services.messages import take_message
from bot.services.notices import next_step
from bot.services.people import save_phone
from bot.services.views import my_tickets_text
from bot.texts.callbacks import Press, encode
from bot.texts.keyboards import markup, remove, share_phone
from bot.texts.render import (
    Button,
    Keyboard,
    category_buttons,
    preview,
    rating_buttons,
    receipt_text,
)
from handlers.common import (
    Context,
    deliver_owed,
    deps,
    is_private,
    keep_promise,
    pressed,
    promise,
    promise_from,
    question_reply,
    refusals,
    say,
    user_name,
    with_ticket_number,
)


def incoming(message: Message, user_id: int, name: str) -> Incoming:
    photo = message.photo[-1] if message.photo else None  # the largest size
    return Incoming(
        user_id=user_id, user_name=name,
        source_key=f"m:{message.chat_id}:{message.message_id}",
        text=message.text or message.caption or "",
        photo_file_id=photo.file_id if photo else None,
        photo_unique_id=photo.file_unique_id if photo else None,
        media_group_id=message.media_group_id,
        location=(message.location.latitude, message.location.longitude)
        if message.location else None,
        voice_file_id=message.voice.file_id if message.voice else None,
    )


@refusals
async def on_submission(update: Update, context: Context) -> None:
    """Photo, album, location, voice (or /wish with words): shows what the bot understood,
    with 确认提交."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    await take_and_show(update, context, incoming(message, user.id, user_name(update)),
                        may_answer=False)


async def take_and_show(update: Update, context: Context, msg: Incoming,
                        may_answer: bool) -> Reading | None:
    """Store the message (one transaction) and show the resident its draft; the Reading when
    the text was about the question the bot is waiting on (the caller answers it)."""
    d = deps(context)
    taken = await d.run(take_message, d, msg, may_answer)
    if taken.reading is not None:
        return taken.reading
    if taken.blocked:
        await say(update, texts.BLOCKED_REPLY)
    elif taken.meaningless:
        await say(update, texts.NOT_MEANINGFUL)
    elif taken.received is not None:
        await _show(update, context, taken.received, taken.flood, taken.remember_preview,
                    taken.preview_row)
        if taken.asked_for_words is not None:
            await say(update, texts.ASK_TEXT_FOR_MEDIA,
                      reply_markup=markup(wait_buttons("draft_text", taken.asked_for_words)))
    return None


async def _show(update: Update, context: Context, got: Received, flood: bool,
                remember: bool, owed: int | None) -> None:
    d = deps(context)
    draft = got.draft
    if got.how == "duplicate" and (draft.preview_message_id is not None
                                   or draft.source_key in d.previews_shown):
        return  # Telegram delivered this message again; the preview is already there
    joined = (got.how == "album" and not got.text_changed) or (flood and got.how == "added")
    if joined:
        # Another photo of the same album (or, in a flood, one more text): no new preview,
        # but the shown one counts it.
        if draft.status != "open" or await edit_preview(update, context, draft):
            return
        if _with_outbox(d, draft):
            return  # the outbox shows the draft as it is when it sends its preview
    elif got.how in ("album", "added"):
        # More for a draft that has a preview (a location after a voice note, words after a
        # photo): the new preview goes below what they just sent, the older one loses its
        # buttons. One draft, one live 确认提交.
        if draft.status == "open":
            await replace_preview(update, context, draft)
        return
    await send_preview(update, context, draft, remember, owed)


async def send_preview(update: Update, context: Context, draft: Draft, remember: bool,
                       owed: int | None = None) -> None:
    """A new preview message for the draft, remembered (in this process; in the database
    too when `remember`) so later messages of the same draft find it. `owed`: the preview's
    outbox row (a new draft's): if it cannot be sent now, the outbox sends it."""
    d = deps(context)
    shown = preview(d.config, draft, d.draft_tag)
    sending = update.effective_chat.send_message(  # type: ignore[union-attr]
        shown.text, reply_markup=markup(shown.buttons))
    sent = await (deliver_owed(context, owed, sending) if owed is not None else sending)
    if sent is None:  # the outbox shows it: known here as shown, where is not known yet
        d.previews_shown.add(draft.source_key)
        return
    d.previews_shown.add(draft.source_key, sent.message_id)
    if remember:  # later messages edit this preview in place (bot/services/messages.py)
        await d.run(update_draft, d, draft.id or 0, draft.user_id,
                    preview_message_id=sent.message_id)


async def replace_preview(update: Update, context: Context, draft: Draft) -> None:
    """A fresh preview of the draft, and the older one (when this process or the database
    knows it) retired: its text says so and its buttons go. After a restart the older one is
    not known and keeps its buttons; pressing them acts on the same draft (one ticket)."""
    d = deps(context)
    older = _preview_id(d, draft)
    await send_preview(update, context, draft, remember=draft.preview_message_id is not None)
    if older is not None:
        with contextlib.suppress(BadRequest):  # e.g. the resident deleted it
            await context.bot.edit_message_text(
                texts.PREVIEW_REPLACED, chat_id=update.effective_chat.id,  # type: ignore[union-attr]
                message_id=older)


async def edit_preview(update: Update, context: Context, draft: Draft) -> bool:
    """Edit the draft's preview to show it as it is now; False when its message is not known
    (sent by another process, or before a restart) or could not be edited (deleted)."""
    d = deps(context)
    message_id = _preview_id(d, draft)
    if message_id is None:
        return False
    shown = preview(d.config, draft, d.draft_tag)
    try:
        await context.bot.edit_message_text(
            shown.text, chat_id=update.effective_chat.id,  # type: ignore[union-attr]
            message_id=message_id, reply_markup=markup(shown.buttons))
    except BadRequest as exc:
        return "not modified" in str(exc).lower()  # nothing new to show is still shown
    return True


def _with_outbox(d: Deps, draft: Draft) -> bool:
    """The draft's preview was left to the outbox by this process (its send failed) and where
    it went is not known yet."""
    return draft.source_key in d.previews_shown and _preview_id(d, draft) is None


def _preview_id(d: Deps, draft: Draft) -> int | None:
    return d.previews_shown.message_id(draft.source_key) or draft.preview_message_id


@refusals
async def on_draft_button(update: Update, context: Context, press: Press) -> None:
    """确认提交 / 换个类别 / 不提交 / picking the community or building on a preview."""
    query, user_id, d = pressed(update, context)
    number = press.number
    if press.action == "d.no":
        promise(update, context, texts.DISCARDED, edit=True)
        await d.run(discard_draft, d, number, user_id)
        await query.answer()
        await keep_promise(update, context, texts.DISCARDED, edit=True)
        return
    if press.action == "d.cat":
        await query.answer()
        await query.edit_message_reply_markup(markup(category_buttons(d.config, "d.setcat",
                                                                      number)))
        return
    if press.action == "d.chb":
        # 换个楼院: the community's buildings, as the building question shows them.
        community = d.config.community(str(press.args[1]))
        await query.answer()
        if community is not None:
            await query.edit_message_text(texts.PICK_MATTER_BUILDING, reply_markup=choices(
                "d.setb", number, [(b.code, b.name) for b in community.buildings()]))
        return
    if press.action in ("d.setb", "d.setcat"):  # a building or category picked: the preview again
        picked = str(press.args[1])
        building, category = (picked, None) if press.action == "d.setb" else (None, picked)
        draft = await d.run(update_draft, d, number, user_id, building=building,
                            category=category)
        shown = preview(d.config, draft, d.draft_tag)
        await query.answer()
        await query.edit_message_text(shown.text, reply_markup=markup(shown.buttons))
        return
    if press.action == "d.okb":
        # 确认提交 of a draft whose building is not known: the building buttons carry the
        # draft, so this press writes nothing; picking one submits (and checks everything).
        if press.args[2] != d.draft_tag(number, user_id):
            raise DomainError("draft_gone")  # not this person's draft (or a forged button)
        community = d.config.community(str(press.args[1]))
        if community is not None and community.buildings():
            await query.answer()
            await _ask(query, "building", number,
                       [(b.code, b.name) for b in community.buildings()])
            return
    if press.action == "d.com":
        await d.run(update_draft, d, number, user_id, community=str(press.args[1]))
    building = str(press.args[1]) if press.action == "d.bld" else None
    await _confirm(update, context, number, building)


async def _ask(query: CallbackQuery, ask: str, draft_id: int,
               options: list[tuple[str, str]]) -> None:
    action = "d.com" if ask == "community" else "d.bld"
    prompt = texts.PICK_COMMUNITY if ask == "community" else texts.PICK_BUILDING
    await query.edit_message_text(prompt, reply_markup=choices(action, draft_id, options))


def choices(action: str, draft_id: int,
            options: list[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    """(code, name) options as buttons of `action` on the draft, three to a row."""
    buttons = [Button(name, encode(action, draft_id, code)) for code, name in options]
    return markup(tuple(tuple(buttons[i:i + 3]) for i in range(0, len(buttons), 3)))


async def _confirm(update: Update, context: Context, draft_id: int,
                   building: str | None) -> None:
    query, user_id, d = pressed(update, context)
    preview_id = query.message.message_id if query.message is not None else None
    result = await d.run(confirm_draft, d, draft_id, user_id, building=building,
                         message_id=preview_id)
    if result.until is not None:  # the draft stays open: pressing again later submits it
        await query.answer()
        await say(update, texts.TOO_MANY_SUBMISSIONS.format(
            n=d.config.abuse.max_submissions,
            time=_clock_time(d.config, result.until, d.clock.now()), button=texts.BTN_CONFIRM))
        return
    if result.already and result.ticket is not None:
        # A second press (double tap, or an older preview of the same draft): say so, and
        # do not edit the message again (Telegram refuses "not modified") or re-ask the phone.
        raise DomainError("draft_submitted", number=result.ticket.id)
    await query.answer()
    if result.ask is not None:
        await _ask(query, result.ask, draft_id, result.options)
        return
    ticket = result.ticket
    assert ticket is not None
    # Owed in the submission's own transaction, delivered here at once; the outbox sends it
    # only if this process cannot (bot/services/replies.py).
    receipt = query.edit_message_text(
        receipt_text(d.config, ticket.id or 0, ticket.category, next_step(ticket)))
    if result.receipt is not None:
        await deliver_owed(context, result.receipt, receipt)
    else:
        await receipt
    if result.ask_phone:
        await say(update, texts.ASK_PHONE, reply_markup=share_phone())


def _clock_time(config: Config, moment: datetime, now: datetime) -> str:
    """"10:35", or "11月3日 10:35" when it is not today (local time)."""
    local, today = local_time(config, moment), local_time(config, now).date()
    day = "" if local.date() == today else texts.TOO_MANY_DAY.format(month=local.month,
                                                                     day=local.day)
    return f"{day}{local:%H:%M}"


@refusals
async def on_contact(update: Update, context: Context) -> None:
    """The resident shared their phone with Telegram's contact button."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.contact is None:
        return
    if message.contact.user_id != user.id:
        await say(update, texts.PHONE_NOT_OWN, reply_markup=share_phone())
        return
    d = deps(context)
    await d.run(save_phone, d, user.id, user_name(update), message.contact.phone_number)
    await say(update, texts.PHONE_SAVED, reply_markup=remove())


async def on_no_phone(update: Update, context: Context) -> None:
    """The resident pressed 不用了 on the share-phone keyboard."""
    await say(update, texts.PHONE_SKIPPED, reply_markup=remove())


async def my_command(update: Update, context: Context) -> None:
    """Lists the resident's tickets with their state."""
    if update.effective_user is None:
        return
    d = deps(context)
    await say(update, await d.run(my_tickets_text, d, update.effective_user.id))


@refusals
@with_ticket_number("/cancel 12")
async def cancel_command(update: Update, context: Context, number: int, user_id: int) -> None:
    """/cancel <number>: withdraws a ticket nobody has claimed yet."""
    d = deps(context)
    cancelled = texts.CANCELLED.format(number=number)
    promise(update, context, cancelled)
    await d.run(T.cancel_ticket, d, number, user_id)
    await keep_promise(update, context, cancelled)


async def wish_or_report(update: Update, context: Context) -> None:
    """/wish or /report: with words after it, submits them; alone, asks what it is about."""
    if not is_private(update):
        await say(update, texts.PRIVATE_ONLY)
        return
    if context.args:
        await on_submission(update, context)
        return
    command = (update.effective_message.text or "") if update.effective_message else ""
    await say(update, texts.WISH_PROMPT if command.startswith("/wish") else texts.REPORT_PROMPT)


@refusals
async def on_resolution_button(update: Update, context: Context, press: Press) -> None:
    """已解决 closes and asks for stars; 未解决 asks why; a star button records the rating."""
    query, user_id, d = pressed(update, context)
    number = press.number
    if press.action == "t.ok":
        promise_from(update, context, lambda ticket: _closed_reply(number, ticket), edit=True)
        ticket = await d.run(T.confirm_resolution, d, number, user_id)
        await query.answer()
        said = _closed_reply(number, ticket)
        assert said is not None
        await keep_promise(update, context, *said, edit=True)
    elif press.action == "t.no":
        await d.run(refuse_blocked, d, user_id)
        await d.run(T.check_can_reject, d, number, user_id)
        promise_from(update, context, lambda seq: question_reply(
            texts.ASK_REJECT_REASON, "reject_reason", seq))
        seq = await d.run(ask, d, user_id, "reject_reason", ticket_id=number)
        await query.answer()
        await keep_promise(update, context, texts.ASK_REJECT_REASON,
                           wait_buttons("reject_reason", seq))
    elif press.action == "t.rate":
        await d.run(T.rate_ticket, d, number, user_id, int(press.args[1]))
        # Owed with the wait for a comment (the rating's own commit came first).
        promise_from(update, context,
                     lambda seq: question_reply(texts.RATED, "comment", seq), edit=True)
        seq = await d.run(ask, d, user_id, "comment", ticket_id=number)
        await query.answer()
        await keep_promise(update, context, texts.RATED, wait_buttons("comment", seq), edit=True)


def _closed_reply(number: int, ticket: object) -> tuple[str, Keyboard] | None:
    """After 已解决: the stars to rate it, or thanks when it was rated before."""
    if not hasattr(ticket, "rating"):
        return None
    if ticket.rating is not None:  # closed before, and rated: only thanks are left
        return texts.ALREADY_CLOSED_THANKS.format(number=number), ()
    return texts.ASK_RATING.format(number=number), rating_buttons(number)


@refusals
async def on_revisit_button(update: Update, context: Context, press: Press) -> None:
    """回头看: 还好着 thanks the resident; 又出问题了 reopens the ticket to the same volunteer."""
    query, user_id, d = pressed(update, context)
    fixed = press.action == "t.rvok"
    if not fixed:  # reopening sends work to a volunteer: not for a blocked resident
        await d.run(refuse_blocked, d, user_id)
    done = (texts.REVISIT_THANKS if fixed else texts.REVISIT_REOPENED).format(number=press.number)
    promise(update, context, done, edit=True)
    await d.run(answer_revisit, d, press.number, user_id, fixed)
    await query.answer()
    await keep_promise(update, context, done, edit=True)
