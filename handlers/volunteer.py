"""Volunteers: 接单 / 转给他人 privately, 认领 in the group, progress, 已办结, release, joining."""

from __future__ import annotations

from telegram import Update

from bot import texts
from bot.services import volunteers as V
from bot.services.conversation import ask, wait_buttons
from bot.services.invites import update_profile
from bot.services.views import volunteer_tasks_text
from bot.texts.callbacks import Press, encode
from bot.texts.keyboards import markup
from bot.texts.render import Button
from handlers.common import Context, pressed, refusals, say, services


@refusals
async def on_ticket_button(update: Update, context: Context, press: Press) -> None:
    """接单, 转给他人, 认领, 添加进展, 已办结 and 退回: each re-checked in the database."""
    query, user_id, svc, now = pressed(update, context)
    number = press.number
    if press.action == "t.acc":
        # The offer keeps its buttons until the details (with the work buttons) arrived: the
        # sender removes them then, so a refused send never leaves the volunteer without any.
        offer = query.message.message_id if query.message else None
        await svc.run(V.accept_ticket, svc.uows, svc.config, now, number, user_id,
                      offer_message_id=offer)
        await query.answer(texts.ACCEPTED.format(number=number))
    elif press.action == "t.dec":
        await svc.run(V.decline_ticket, svc.uows, svc.config, now, number, user_id)
        await query.answer()
        await query.edit_message_text(texts.DECLINED.format(number=number))
    elif press.action == "t.clm":
        await svc.run(V.claim_ticket, svc.uows, svc.config, now, number, user_id)
        # The group post itself is edited by the sender (group_update), showing who took it.
        await query.answer(texts.CLAIMED_OK.format(number=number), show_alert=True)
    elif press.action == "t.prg":
        await svc.run(V.check_holds, svc.uows, number, user_id)
        seq = await svc.run(ask, svc.uows, now, user_id, "progress", ticket_id=number)
        await query.answer()
        await say(update, texts.ASK_PROGRESS, reply_markup=markup(wait_buttons("progress", seq)))
    elif press.action == "t.res":
        await svc.run(V.check_holds, svc.uows, number, user_id)
        seq = await svc.run(ask, svc.uows, now, user_id, "resolve", ticket_id=number)
        await query.answer()
        await say(update, texts.ASK_RESOLVE, reply_markup=markup(wait_buttons("resolve", seq)))
    elif press.action == "t.rel":
        await svc.run(V.release_ticket, svc.uows, svc.config, now, number, user_id)
        await query.answer()
        await query.edit_message_reply_markup(None)
        await say(update, texts.RELEASED.format(number=number))


async def tasks_command(update: Update, context: Context) -> None:
    """Lists the volunteer's open tickets."""
    if update.effective_user is None:
        return
    svc = services(context)
    await say(update, await svc.run(volunteer_tasks_text, svc.uows, svc.config,
                                    update.effective_user.id))


def services_keyboard(context: Context, chosen: list[str]) -> object:
    svc = services(context)
    buttons = [Button(("✅ " if code in chosen else "") + c.name, encode("v.cat", code))
               for code, c in svc.config.categories.items() if code != "other"]
    rows = [tuple(buttons[i:i + 3]) for i in range(0, len(buttons), 3)]
    rows.append((Button(texts.BTN_DONE, encode("v.done")),))
    return markup(tuple(rows))


@refusals
async def on_registration_button(update: Update, context: Context, press: Press) -> None:
    """The 服务菜单 during joining: toggles a category, or finishes registration."""
    query, user_id, svc, now = pressed(update, context)
    if press.action == "v.cat":
        volunteer = await svc.run(update_profile, svc.uows, svc.config, now, user_id,
                                   toggle_category=str(press.args[0]))
        await query.answer()
        await query.edit_message_reply_markup(
            services_keyboard(context, volunteer.categories))  # type: ignore[arg-type]
        return
    volunteer = await svc.run(update_profile, svc.uows, svc.config, now, user_id, finish=True)
    await query.answer()
    names = "、".join(svc.config.category_name(c) for c in volunteer.categories)
    await query.edit_message_text(texts.JOINED.format(categories=names))
