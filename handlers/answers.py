"""Private text that answers a question the bot asked: a note, a reason, a comment, a name."""

from __future__ import annotations

from telegram import Update

from bot import texts
from bot import tickets as T
from bot import volunteering as V
from bot.intake import append_text, clean_text, is_meaningful
from bot.invites import update_profile
from bot.people import expect_answer, take_answer
from bot.render import preview
from handlers.common import Context, refusals, say, services
from handlers.keyboards import markup
from handlers.resident import on_no_phone, on_submission
from handlers.volunteer import services_keyboard


@refusals
async def on_private_text(update: Update, context: Context) -> None:
    """Answers the pending question if there is one; otherwise the text is a new submission."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return
    if message.text == texts.BTN_NO_PHONE:
        await on_no_phone(update, context)
        return
    svc = services(context)
    pending = take_answer(svc.uows, user.id)
    if pending is None:
        await on_submission(update, context)
        return
    text, now, number = clean_text(message.text), svc.clock.now(), pending.ticket_id or 0
    if not text:
        expect_answer(svc.uows, now, user.id, pending.kind, pending.ticket_id, pending.draft_id)
        await say(update, texts.NOT_MEANINGFUL)
        return
    kind = pending.kind
    if kind == "progress":
        V.add_progress(svc.uows, svc.config, now, number, user.id, text)
        await say(update, texts.PROGRESS_SAVED)
    elif kind == "resolve":
        V.resolve_ticket(svc.uows, svc.config, now, number, user.id, text)
        await say(update, texts.RESOLVE_SAVED)
    elif kind == "reject_reason":
        ticket = T.reject_resolution(svc.uows, svc.config, now, number, user.id, text)
        done = texts.REOPENED_TO_OFFICE_FOR_RESIDENT if ticket.assignee_id is None \
            else texts.REOPENED_FOR_RESIDENT
        await say(update, done.format(number=number))
    elif kind == "comment":
        T.comment_ticket(svc.uows, svc.config, now, number, user.id, text)
        await say(update, texts.COMMENT_SAVED)
    elif kind == "reg_name":
        update_profile(svc.uows, svc.config, now, user.id, name=text)
        expect_answer(svc.uows, now, user.id, "reg_unit")
        await say(update, texts.ASK_UNIT)
    elif kind == "reg_unit":
        volunteer = update_profile(svc.uows, svc.config, now, user.id, unit=text)
        await say(update, texts.PICK_SERVICES,
                  reply_markup=services_keyboard(context, volunteer.categories))
    elif kind == "draft_text" and pending.draft_id:
        if not is_meaningful(text):
            expect_answer(svc.uows, now, user.id, kind, draft_id=pending.draft_id)
            await say(update, texts.NOT_MEANINGFUL)
            return
        draft = append_text(svc.uows, svc.classifier, now, pending.draft_id, user.id, text)
        shown = preview(svc.config, draft)
        await say(update, shown.text, reply_markup=markup(shown.buttons))
    else:
        await on_submission(update, context)
