"""The bot every handler talks to Telegram through: whatever it is asked to send fits.

Handlers reply with `chat.send_message`, `query.answer`, `query.edit_message_text`…; all of
them end up in the Application's bot, so the limits are kept here once for every reply,
including ones added later (bot/texts/fit.py has the rule):

* a text longer than one message goes as several; the keyboard rides on the last;
* an edit's text, a caption and a callback answer are trimmed to what Telegram takes;
* "message is not modified" (an edit that would change nothing, e.g. a double tap) is a
  success: the message already says what it should.

Owed messages are split earlier, by the outbox renderer (bot/services/owed.py), so that the
sender can track each part; this bot is their safety net too.
"""

from __future__ import annotations

import inspect
from typing import Any

from telegram import Message
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.texts import fit

_NOT_MODIFIED = "message is not modified"


def is_not_modified(exc: BaseException) -> bool:
    """Telegram's 400 for an edit that changes nothing: the edit is, in effect, done."""
    return isinstance(exc, BadRequest) and _NOT_MODIFIED in str(exc).lower()


_SEND = inspect.signature(ExtBot.send_message)
_EDIT_TEXT = inspect.signature(ExtBot.edit_message_text)
_EDIT_CAPTION = inspect.signature(ExtBot.edit_message_caption)
_SEND_PHOTO = inspect.signature(ExtBot.send_photo)
_ANSWER = inspect.signature(ExtBot.answer_callback_query)


def _bind(signature: inspect.Signature, bot: FittedBot, args: tuple[Any, ...],
          kwargs: dict[str, Any]) -> inspect.BoundArguments:
    return signature.bind(bot, *args, **kwargs)


def _call_args(bound: inspect.BoundArguments) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return bound.args[1:], bound.kwargs  # without self


class FittedBot(ExtBot[None]):
    """An ExtBot whose sends and edits always keep to Telegram's limits (see module doc)."""

    async def send_message(self, *args: Any, **kwargs: Any) -> Message:
        bound = _bind(_SEND, self, args, kwargs)
        text = str(bound.arguments["text"])
        parts = fit.split(text) or [text]  # blank stays blank: a bug, refused and logged
        markup = bound.arguments.get("reply_markup")
        sent: Message | None = None
        for index, part in enumerate(parts):
            bound.arguments["text"] = part
            # Only the last part carries the keyboard, so the buttons sit under the whole text.
            bound.arguments["reply_markup"] = markup if index == len(parts) - 1 else None
            call_args, call_kwargs = _call_args(bound)
            sent = await super().send_message(*call_args, **call_kwargs)
        assert sent is not None
        return sent

    async def edit_message_text(self, *args: Any, **kwargs: Any) -> Message | bool:
        bound = _bind(_EDIT_TEXT, self, args, kwargs)
        bound.arguments["text"] = fit.trim(str(bound.arguments["text"]))
        call_args, call_kwargs = _call_args(bound)
        try:
            return await super().edit_message_text(*call_args, **call_kwargs)
        except BadRequest as exc:
            if is_not_modified(exc):
                return True
            raise

    async def edit_message_reply_markup(self, *args: Any, **kwargs: Any) -> Message | bool:
        try:
            return await super().edit_message_reply_markup(*args, **kwargs)
        except BadRequest as exc:
            if is_not_modified(exc):
                return True
            raise

    async def edit_message_caption(self, *args: Any, **kwargs: Any) -> Message | bool:
        bound = _bind(_EDIT_CAPTION, self, args, kwargs)
        if bound.arguments.get("caption"):
            bound.arguments["caption"] = fit.trim(bound.arguments["caption"], fit.CAPTION_LIMIT)
        call_args, call_kwargs = _call_args(bound)
        try:
            return await super().edit_message_caption(*call_args, **call_kwargs)
        except BadRequest as exc:
            if is_not_modified(exc):
                return True
            raise

    async def send_photo(self, *args: Any, **kwargs: Any) -> Message:
        bound = _bind(_SEND_PHOTO, self, args, kwargs)
        if bound.arguments.get("caption"):
            bound.arguments["caption"] = fit.trim(bound.arguments["caption"], fit.CAPTION_LIMIT)
        call_args, call_kwargs = _call_args(bound)
        return await super().send_photo(*call_args, **call_kwargs)

    async def answer_callback_query(self, *args: Any, **kwargs: Any) -> bool:
        bound = _bind(_ANSWER, self, args, kwargs)
        if bound.arguments.get("text"):
            bound.arguments["text"] = fit.trim(bound.arguments["text"], fit.ANSWER_LIMIT)
        call_args, call_kwargs = _call_args(bound)
        return await super().answer_callback_query(*call_args, **call_kwargs)
