"""Volunteers: 接单 / 转给他人 privately, 认领 in the group, progress, 已办结, release, joining."""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.error import TelegramError

from bot import texts
from bot.domain.states import Action
from bot.services import volunteers as V
from bot.services.conversation import ask, wait_buttons
from bot.services.invites import update_profile
from bot.services.views import volunteer_tasks_text
from bot.texts.callbacks import Press, encode
from bot.texts.keyboards import markup
from bot.texts.render import Button, Keyboard
from handlers.common import (
    Context,
    deps,
    keep_promise,
    pressed,
    promise,
    promise_from,
    question_reply,
    refusals,
    say,
)


@refusals
async def on_ticket_button(update: Update, context: Context, press: Press) -> None:
    """接单, 转给他人, 认领, 添加进展, 已办结 and 退回: each re-checked in the database."""
    query, user_id, d = pressed(update, context)
    number = press.number
    if press.action == "t.acc":
        # The offer keeps its buttons until the details (with the work buttons) arrived: the
        # sender removes them then, so a refused send never leaves the volunteer without any.
        offer = query.message.message_id if query.message else None
        await d.run(V.accept_ticket, d, number, user_id, offer_message_id=offer)
        await query.answer(texts.ACCEPTED.format(number=number))
    elif press.action == "t.dec":
        declined = texts.DECLINED.format(number=number)
        promise(update, context, declined, edit=True)
        await d.run(V.decline_ticket, d, number, user_id)
        await query.answer()
        await keep_promise(update, context, declined, edit=True)
    elif press.action == "t.clm":
        await d.run(V.claim_ticket, d, number, user_id)
        # The group post itself is edited by the sender (group_update), showing who took it.
        await query.answer(texts.CLAIMED_OK.format(number=number), show_alert=True)
    elif press.action in ("t.prg", "t.res"):
        kind = "progress" if press.action == "t.prg" else "resolve"
        question = texts.ASK_PROGRESS if kind == "progress" else texts.ASK_RESOLVE
        await d.run(V.check_holds, d, number, user_id,
                    Action.RESOLVE if kind == "resolve" else Action.PROGRESS)
        promise_from(update, context, lambda seq: question_reply(question, kind, seq))
        seq = await d.run(ask, d, user_id, kind, ticket_id=number)
        await query.answer()
        await keep_promise(update, context, question, wait_buttons(kind, seq))
    elif press.action == "t.rel":
        released = texts.RELEASED.format(number=number)
        promise(update, context, released)
        await d.run(V.release_ticket, d, number, user_id)
        await query.answer()
        await keep_promise(update, context, released)
        with contextlib.suppress(TelegramError):  # the work buttons go: it is not theirs now
            await query.edit_message_reply_markup(None)


async def tasks_command(update: Update, context: Context) -> None:
    """Lists the volunteer's open tickets."""
    if update.effective_user is None:
        return
    d = deps(context)
    await say(update, await d.run(volunteer_tasks_text, d, update.effective_user.id))


def services_buttons(context: Context, chosen: list[str]) -> Keyboard:
    """The 服务菜单: every category (✅ those chosen), three to a row, and 完成."""
    buttons = [Button(("✅ " if code in chosen else "") + c.name, encode("v.cat", code))
               for code, c in deps(context).config.categories.items() if code != "other"]
    rows = [tuple(buttons[i:i + 3]) for i in range(0, len(buttons), 3)]
    rows.append((Button(texts.BTN_DONE, encode("v.done")),))
    return tuple(rows)


@refusals
async def on_registration_button(update: Update, context: Context, press: Press) -> None:
    """The 服务菜单 during joining: toggles a category, or finishes registration."""
    query, user_id, d = pressed(update, context)
    if press.action == "v.cat":
        volunteer = await d.run(update_profile, d, user_id, toggle_category=str(press.args[0]))
        await query.answer()
        await query.edit_message_reply_markup(
            markup(services_buttons(context, volunteer.categories)))
        return
    volunteer = await d.run(update_profile, d, user_id, finish=True)
    await query.answer()
    names = "、".join(d.config.category_name(c) for c in volunteer.categories)
    await query.edit_message_text(texts.JOINED.format(categories=names))
