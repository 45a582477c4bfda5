"""Private text that may answer a question the bot asked (a note, a reason, a comment, a name),
and the buttons under such questions: 跳过/取消, and 这是…/这是新问题 for a kept text."""

from __future__ import annotations

from telegram import Update

from bot import texts
from bot.services.conversation import (
    Reading,
    answer_held,
    end_wait,
    ended_text,
    release_held,
    wait_buttons,
    which_question,
)
from bot.services.intake import update_draft
from bot.texts.callbacks import Press
from bot.texts.keyboards import markup
from bot.texts.render import Keyboard, preview
from handlers.common import (
    Context,
    keep_promise,
    pressed,
    promise_from,
    refusals,
    say,
    user_name,
)
from handlers.resident import incoming, on_no_phone, replace_preview, take_and_show
from handlers.volunteer import services_buttons


@refusals
async def on_private_text(update: Update, context: Context) -> None:
    """Answers the waiting question if the text is its answer; asks when it may be a new
    matter; otherwise the text is a new submission."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return
    if message.text == texts.BTN_NO_PHONE:
        await on_no_phone(update, context)
        return
    promise_from(update, context, lambda taken: _answered(context, taken))
    reading = await take_and_show(update, context, incoming(message, user.id,
                                                            user_name(update)), may_answer=True)
    if reading is None:
        return  # a new matter (or more of one): its preview was shown
    if reading.how == "blocked":
        await say(update, texts.BLOCKED_REPLY)
    elif reading.how == "empty":
        await say(update, texts.NOT_MEANINGFUL)
    elif reading.how == "ask" and reading.draft is not None:
        number = reading.ticket.id if reading.ticket else None
        question, buttons = which_question(reading.kind, number, reading.draft.id or 0)
        await say(update, question, reply_markup=markup(buttons))
    elif reading.kind == "draft_text" and reading.draft is not None:
        # Words for a photo, a location or a voice note: the draft's fresh preview below
        # them, the older one retired (one draft, one live 确认提交).
        await replace_preview(update, context, reading.draft)
    else:
        text, buttons = _reply(context, reading)
        await keep_promise(update, context, text, buttons)


def _answered(context: Context, taken: object) -> tuple[str, Keyboard] | None:
    """The reply owed when a text was stored as the answer to the waiting question."""
    reading = getattr(taken, "reading", None)  # Taken, from take_message (or another result)
    if not isinstance(reading, Reading) or reading.how != "answered" \
            or reading.kind == "draft_text":
        return None
    return _reply(context, reading)


def _reply(context: Context, reading: Reading) -> tuple[str, Keyboard]:
    """What the person reads once their words were taken as the answer (or the question was
    skipped: for the name, the next question comes all the same)."""
    number = reading.ticket.id if reading.ticket else 0
    if reading.kind == "reg_name":
        return texts.ASK_UNIT, wait_buttons("reg_unit", reading.seq)
    if reading.kind == "reg_unit" and reading.volunteer is not None:
        return texts.PICK_SERVICES, services_buttons(context, reading.volunteer.categories)
    if reading.kind == "reject_reason" and reading.ticket is not None:
        done = texts.REOPENED_TO_OFFICE_FOR_RESIDENT if reading.ticket.assignee_id is None \
            else texts.REOPENED_FOR_RESIDENT
        return done.format(number=number), ()
    saved = {"progress": texts.PROGRESS_SAVED, "resolve": texts.RESOLVE_SAVED,
             "comment": texts.COMMENT_SAVED}
    return saved.get(reading.kind, texts.ALREADY_NOTED), ()


def _held_answer(context: Context, found: object) -> tuple[str, Keyboard] | None:
    """The reply owed when a kept text was confirmed as the answer (这是…)."""
    if not isinstance(found, Reading) or found.how == "already":
        return None
    return _reply(context, found)


@refusals
async def on_question_button(update: Update, context: Context, press: Press) -> None:
    """跳过/取消 under a question; 这是…(the answer) / 这是新问题 under a kept text. Each is
    re-checked in the database: a button of an older question changes nothing."""
    query, user_id, d = pressed(update, context)
    if press.action == "q.end":
        ended = await d.run(end_wait, d, user_id, press.number)
        if ended.how == "already":
            await query.answer(texts.QUESTION_OVER)
            return
        await query.answer()
        await query.edit_message_reply_markup(None)
        if ended.kind in ("reg_name", "reg_unit"):
            text, buttons = _reply(context, ended)
        else:
            text, buttons = ended_text(ended.kind), ()
        await say(update, text, reply_markup=markup(buttons))
    elif press.action == "q.ans":
        promise_from(update, context, lambda found: _held_answer(context, found), edit=True)
        reading = await d.run(answer_held, d, user_id, press.number)
        if reading.how == "already":
            await query.answer(texts.ALREADY_NOTED)
            return
        await query.answer()
        text, buttons = _reply(context, reading)
        await keep_promise(update, context, text, buttons, edit=True)
    else:  # q.new
        draft, changed = await d.run(release_held, d, user_id, press.number)
        if not changed:
            await query.answer(texts.ALREADY_NOTED)
            return
        shown = preview(d.config, draft, d.draft_tag)
        await query.answer()
        sent = await query.edit_message_text(shown.text, reply_markup=markup(shown.buttons))
        message_id = sent.message_id if hasattr(sent, "message_id") else None
        if message_id is not None:
            await d.run(update_draft, d, draft.id or 0, user_id, preview_message_id=message_id)
