"""/start, /help, unknown commands, unsupported messages, the error handler; shared helpers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any, NamedTuple

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import texts
from bot.domain.errors import DomainError
from bot.services.conversation import ask, wait_buttons
from bot.services.deps import Deps
from bot.services.inbox import AlreadyHandled
from bot.services.invites import redeem_invite
from bot.services.people import mark_reachable, role_of, welcome_resident
from bot.services.replies import (
    HANDLER_DEADLINE,
    owed_delivery,
    promise_reply_from,
    promised_row,
)
from bot.texts.keyboards import markup, share_phone
from bot.texts.render import Keyboard, help_text, refusal, welcome_buttons

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[..., Coroutine[Any, Any, None]]


def deps(context: Context) -> Deps:
    found: Deps = context.application.bot_data["deps"]
    return found


class Pressed(NamedTuple):
    """A button press, and what every button handler needs to act on it."""

    query: CallbackQuery
    user_id: int  # who pressed
    deps: Deps


def pressed(update: Update, context: Context) -> Pressed:
    """The press being handled: handlers/buttons.py routes only presses with a user."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    return Pressed(query, user.id, deps(context))


def is_private(update: Update) -> bool:
    return bool(update.effective_chat and update.effective_chat.type == ChatType.PRIVATE)


def user_name(update: Update) -> str:
    user = update.effective_user
    return (user.full_name if user else "")[:60]


async def say(update: Update, text: str, **kwargs: Any) -> Message | None:
    """Reply in the chat the update came from."""
    chat = update.effective_chat
    return await chat.send_message(text, **kwargs) if chat is not None else None


def promise(update: Update, context: Context, text: str, buttons: Keyboard = (),
            edit: bool = False) -> None:
    """The reply this update gets if the service about to run stores its change: owed with
    the change (bot/services/replies.py). `edit`: it replaces the pressed message."""
    promise_from(update, context, lambda _result: (text, buttons), edit)


def promise_from(update: Update, context: Context,
                 render: Callable[[Any], tuple[str, Keyboard] | None], edit: bool = False) -> None:
    """As `promise`, for a reply that depends on what the service finds: `render` makes it
    from the service's result (None: no reply owed), just before the change is stored."""
    chat, query = update.effective_chat, update.callback_query
    if chat is None:
        return
    message_id = query.message.message_id if edit and query and query.message else None
    promise_reply_from(chat.id, render, edit=message_id, now=deps(context).clock.now())


def question_reply(question: str, kind: str, seq: object) -> tuple[str, Keyboard] | None:
    """A question the bot now waits on (ask() returned its seq), with its 跳过/取消 button:
    the reply owed with the wait (None for another result)."""
    if not isinstance(seq, int) or isinstance(seq, bool):
        return None
    return question, wait_buttons(kind, seq)


async def keep_promise(update: Update, context: Context, text: str, buttons: Keyboard = (),
                       edit: bool = False) -> None:
    """Give the promised reply (the same words `promise` was given): delivered as owed when the
    change was stored with it, else simply sent."""
    query = update.callback_query
    keyboard = markup(buttons) if buttons else None
    if edit and query is not None:
        sending: Coroutine[Any, Any, Any] = query.edit_message_text(text, reply_markup=keyboard)
    else:
        sending = say(update, text, reply_markup=keyboard)
    row = promised_row()
    await (sending if row is None else deliver_owed(context, row, sending))


async def deliver_owed(context: Context, row_id: int,
                       sending: Coroutine[Any, Any, Any]) -> Any | None:
    """Send an owed reply now (bot/services/replies.py): marked delivered; if Telegram
    refused it or did not answer, the outbox sender sends it instead, at once. What Telegram
    returned, or None when it was left to the sender."""
    d = deps(context)
    try:
        with owed_delivery():
            async with asyncio.timeout(HANDLER_DEADLINE):
                sent = await sending
    except (TelegramError, TimeoutError) as exc:
        # Refused, no answer (it may have arrived: at least once, decisions 4), a 429 or 5xx
        # (the outbox retries those), or still waiting for its slot: the outbox sends it.
        log.warning("reply %s not delivered by its handler (%r): the outbox sends it",
                    row_id, exc)
        d.replies.not_delivered(row_id)
        return None
    d.replies.delivered(row_id, getattr(sent, "message_id", None))
    metrics = context.bot_data.get("metrics")
    if metrics is not None:  # an owed row sent, as the sender counts its own
        metrics.sent("sent")
    return sent


# Refusals of a button press that mean the button is out of date: the matter moved on (or
# left its presser's hands). In a private chat the pressed message then loses its buttons; a
# group post is left to the sender's edits (it may be offered again meanwhile).
STALE_BUTTON = frozenset({"bad_state", "already_triaged", "not_assignee", "revisit_answered"})


def refusals(handler: Handler) -> Handler:
    """A DomainError becomes a polite answer (an alert for button presses); nothing changed."""

    @wraps(handler)
    async def wrapper(update: Update, context: Context, *args: Any) -> None:
        try:
            await handler(update, context, *args)
        except DomainError as refused:
            promised_row()  # refused: the reply promised for a change is not given
            query = update.callback_query
            if query is not None:
                await query.answer(refusal(refused, pressed=True), show_alert=True)
                if refused.code in STALE_BUTTON and is_private(update) \
                        and getattr(query.message, "reply_markup", None) is not None:
                    await _drop_buttons(query)
            else:
                await say(update, refusal(refused))
        finally:
            deps(context).wake_sender()

    return wrapper


async def _drop_buttons(query: CallbackQuery) -> None:
    try:
        await query.edit_message_reply_markup(None)
    except TelegramError as failed:  # already gone, or the message is too old to edit
        log.info("could not remove stale buttons: %s", failed)


@refusals
async def start(update: Update, context: Context) -> None:
    """Greets; `b_<code>` remembers the building, `v_<token>` starts volunteer registration."""
    if not is_private(update) or update.effective_user is None:
        await say(update, texts.GROUP_HELP)
        return
    d = deps(context)
    user_id = update.effective_user.id
    await d.run(mark_reachable, d, user_id)
    payload = context.args[0] if context.args else ""
    if payload.startswith("v_"):
        volunteer = await d.run(redeem_invite, d, payload[2:], user_id, user_name(update))
        community = d.config.community(volunteer.community)
        seq = await d.run(ask, d, user_id, "reg_name")
        await say(update, texts.JOIN_WELCOME.format(community=community.name if community else ""),
                  reply_markup=markup(wait_buttons("reg_name", seq)))
        return
    code = payload[2:] if payload.startswith("b_") else None
    welcome = await d.run(welcome_resident, d, user_id, user_name(update), code)
    # The greeting carries its buttons; what follows (the building, the phone) comes after
    # it, since the share-phone keyboard cannot ride on a message with inline buttons.
    await say(update, texts.START, reply_markup=markup(welcome_buttons()))
    parts = []
    if welcome.building is not None:
        community, building = welcome.building
        parts.append(texts.START_BUILDING.format(community=community.name,
                                                 building=building.name))
    elif welcome.unknown_building:
        parts.append(texts.START_UNKNOWN_BUILDING)
    if welcome.ask_phone:
        parts.append(texts.ASK_PHONE)
    if parts:
        await say(update, "\n\n".join(parts),
                  reply_markup=share_phone() if welcome.ask_phone else None)


async def help_command(update: Update, context: Context) -> None:
    """Shows how to use the bot: for residents, volunteers or coordinators (in a group: how
    to claim)."""
    if not is_private(update) or update.effective_user is None:
        await say(update, texts.GROUP_HELP)
        return
    d = deps(context)
    await say(update, help_text(await d.run(role_of, d, update.effective_user.id)))


async def unknown_command(update: Update, context: Context) -> None:
    """Says the command does not exist and what to do instead."""
    if is_private(update):
        await say(update, texts.UNKNOWN_COMMAND)


async def unsupported(update: Update, context: Context) -> None:
    """Stickers, files, videos…: says which kinds of message the bot understands."""
    if is_private(update):
        await say(update, texts.UNSUPPORTED_MESSAGE)


async def stale_button(update: Update, context: Context) -> None:
    """A button whose data we cannot parse (forged or from an old version): polite refusal."""
    if update.callback_query is not None:
        await update.callback_query.answer(texts.BUTTON_NOT_UNDERSTOOD, show_alert=True)


async def on_error(update: object, context: Context) -> None:
    """Logs the update id with the traceback and asks the person to try again."""
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, AlreadyHandled):
        # Another process (or an earlier run) handled it: nothing was committed here, and the
        # person was answered there.
        log.info("update %s: handled already elsewhere; this handling rolled back", update_id)
        return
    log.error("update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(texts.ERROR_TRY_AGAIN, show_alert=True)
        elif is_private(update):
            await say(update, texts.ERROR_TRY_AGAIN)
    except Exception:  # the apology itself failing must not raise from the error handler
        log.exception("could not tell the person about update %s", update_id)


def number_arg(context: Context) -> int | None:
    if not context.args:
        return None
    raw = context.args[0].lstrip("#＃")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**62 else None


NumberedHandler = Callable[[Update, Context, int, int], Coroutine[Any, Any, None]]


def with_ticket_number(example: str) -> Callable[[NumberedHandler], Handler]:
    """`/command <number> …`: the handler gets the ticket number and the sender's id; a
    missing or malformed number gets the usage hint with `example` instead."""

    def decorate(handler: NumberedHandler) -> Handler:
        @wraps(handler)
        async def wrapper(update: Update, context: Context) -> None:
            number, user = number_arg(context), update.effective_user
            if number is None or user is None:
                await say(update, texts.COMMAND_NEEDS_NUMBER.format(example=example))
                return
            await handler(update, context, number, user.id)

        return wrapper

    return decorate
