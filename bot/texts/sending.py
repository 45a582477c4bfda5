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


def _keywords(signature: inspect.Signature, bot: FittedBot, args: tuple[Any, ...],
              kwargs: dict[str, Any]) -> dict[str, Any]:
    """The call's arguments, all by name. PTB's shortcuts (chat.send_message,
    query.edit_message_text…) pass everything by name already: no binding needed then, and
    binding costs more than the rest of the wrapper on every reply."""
    if not args:
        return dict(kwargs)
    arguments = dict(signature.bind(bot, *args, **kwargs).arguments)
    del arguments["self"]
    return arguments


class FittedBot(ExtBot[None]):
    """An ExtBot whose sends and edits always keep to Telegram's limits (see module doc)."""

    async def send_message(self, *args: Any, **kwargs: Any) -> Message:
        arguments = _keywords(_SEND, self, args, kwargs)
        text = str(arguments["text"])
        parts = fit.split(text) or [text]  # blank stays blank: a bug, refused and logged
        markup = arguments.get("reply_markup")
        sent: Message | None = None
        for index, part in enumerate(parts):
            arguments["text"] = part
            # Only the last part carries the keyboard, so the buttons sit under the whole text.
            arguments["reply_markup"] = markup if index == len(parts) - 1 else None
            sent = await super().send_message(**arguments)
        assert sent is not None
        return sent

    async def edit_message_text(self, *args: Any, **kwargs: Any) -> Message | bool:
        arguments = _keywords(_EDIT_TEXT, self, args, kwargs)
        arguments["text"] = fit.trim(str(arguments["text"]))
        try:
            return await super().edit_message_text(**arguments)
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
        arguments = _keywords(_EDIT_CAPTION, self, args, kwargs)
        if arguments.get("caption"):
            arguments["caption"] = fit.trim(arguments["caption"], fit.CAPTION_LIMIT)
        try:
            return await super().edit_message_caption(**arguments)
        except BadRequest as exc:
            if is_not_modified(exc):
                return True
            raise

    async def send_photo(self, *args: Any, **kwargs: Any) -> Message:
        arguments = _keywords(_SEND_PHOTO, self, args, kwargs)
        if arguments.get("caption"):
            arguments["caption"] = fit.trim(arguments["caption"], fit.CAPTION_LIMIT)
        return await super().send_photo(**arguments)

    async def answer_callback_query(self, *args: Any, **kwargs: Any) -> bool:
        arguments = _keywords(_ANSWER, self, args, kwargs)
        if arguments.get("text"):
            arguments["text"] = fit.trim(arguments["text"], fit.ANSWER_LIMIT)
        return await super().answer_callback_query(**arguments)
