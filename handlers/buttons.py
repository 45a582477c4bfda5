"""One entry for every button press: parse strictly, then hand to the owner of that action."""

from __future__ import annotations

from telegram import Update

from bot.texts.callbacks import parse
from handlers.answers import on_question_button
from handlers.common import Context, stale_button
from handlers.coordinator import on_coordinator_button
from handlers.resident import on_draft_button, on_resolution_button, on_revisit_button
from handlers.volunteer import on_registration_button, on_ticket_button
from handlers.welcome import on_welcome_button

_ROUTES = {
    "d": on_draft_button,
    "t.acc": on_ticket_button, "t.dec": on_ticket_button, "t.clm": on_ticket_button,
    "t.prg": on_ticket_button, "t.res": on_ticket_button, "t.rel": on_ticket_button,
    "t.ok": on_resolution_button, "t.no": on_resolution_button, "t.rate": on_resolution_button,
    "t.rvok": on_revisit_button, "t.rvno": on_revisit_button,
    "t.tri": on_coordinator_button, "t.asg": on_coordinator_button,
    "t.cls": on_coordinator_button, "t.rc": on_coordinator_button,
    "v": on_registration_button,
    "s": on_welcome_button,
    "q": on_question_button,
}


async def on_button(update: Update, context: Context) -> None:
    """Any inline button: forged or stale data gets a polite refusal and changes nothing."""
    query = update.callback_query
    press = parse(query.data if query else None)
    route = None
    if press is not None:
        route = _ROUTES.get(press.action) or _ROUTES.get(press.action.split(".")[0])
    if press is None or route is None or update.effective_user is None:
        await stale_button(update, context)
        return
    await route(update, context, press)
