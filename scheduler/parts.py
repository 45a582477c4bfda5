"""One part of an owed message as Telegram takes it: what it costs against the limits, the
call that sends it, and albums cut to Telegram's size (the sender is scheduler/dispatch.py)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from telegram import Bot, InputMediaPhoto, Message
from telegram.error import BadRequest, RetryAfter

from bot.texts.keyboards import markup, share_phone
from bot.texts.render import Out
from bot.texts.sending import is_not_modified

log = logging.getLogger(__name__)
ALBUM_MAX = 10  # Telegram takes at most ten photos in one media group


async def send_part(bot: Bot, chat_id: int,
                    out: Out) -> Message | bool | tuple[Message, ...] | None:
    """Send one part to Telegram as its kind says; None when there was nothing to send."""
    try:
        if out.kind == "text":
            # Telegram's own contact button (a reply keyboard) for the phone question.
            keyboard = share_phone() if out.meta.get("share_phone") else markup(out.buttons)
            return await bot.send_message(chat_id, out.text, reply_markup=keyboard)
        if out.kind == "edit" and out.message_id is not None:
            return await _edit(bot, chat_id, out)
        if out.kind == "markup" and out.message_id is not None:
            return await bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=out.message_id, reply_markup=None)
        if out.kind == "photos":
            if len(out.file_ids) == 1:
                return await bot.send_photo(chat_id, out.file_ids[0])
            media = [InputMediaPhoto(f) for f in out.file_ids]
            return await bot.send_media_group(chat_id, media)
        if out.kind == "photo" and out.photo is not None:  # an upload: the digest chart
            return await bot.send_photo(chat_id, out.photo, caption=out.text or None)
        if out.kind == "location" and out.location:
            return await bot.send_location(chat_id, *out.location)
        if out.kind == "voice":
            return await bot.send_voice(chat_id, out.file_ids[0])
    except BadRequest as exc:
        if is_not_modified(exc):
            return None  # it already says this: the edit is done
        raise
    return None


async def _edit(bot: Bot, chat_id: int, out: Out) -> Message | bool:
    """Edit a message's text and buttons. Without buttons an edit drops them (a taken post
    loses 认领); a post offered again gets its 认领 back, or is posted anew if it is gone."""
    try:
        return await bot.edit_message_text(out.text, chat_id=chat_id, message_id=out.message_id,
                                           reply_markup=markup(out.buttons))
    except BadRequest as exc:
        if is_not_modified(exc) or not out.meta.get("repost_if_gone"):
            raise
        log.warning("message %s of chat %s cannot be edited (%s): sending it again",
                    out.message_id, chat_id, exc)
        return await bot.send_message(chat_id, out.text, reply_markup=markup(out.buttons))


def retry_seconds(exc: RetryAfter) -> float:
    """How long a 429 asks every send to wait, in seconds."""
    with warnings.catch_warnings():  # PTB 22 deprecates the int form it still hands out
        warnings.simplefilter("ignore", DeprecationWarning)
        value: Any = exc.retry_after
    return float(value.total_seconds() if isinstance(value, timedelta) else value)


def part_cost(out: Out) -> int:
    """How many messages Telegram counts for this part (0: nothing will be sent)."""
    if out.kind == "text":
        return 1
    if out.kind in ("edit", "markup"):
        return 1 if out.message_id is not None else 0  # the post never went out: no edit
    if out.kind == "photos":
        return len(out.file_ids)
    if out.kind == "photo":
        return 1 if out.photo is not None else 0
    if out.kind == "location":
        return 1 if out.location else 0
    if out.kind == "voice":
        return 1 if out.file_ids else 0
    return 0


def split_albums(outs: list[Out]) -> Iterator[Out]:
    """Photos in albums of at most ten, as Telegram requires; none is dropped."""
    for out in outs:
        if out.kind == "photos" and len(out.file_ids) > ALBUM_MAX:
            for start in range(0, len(out.file_ids), ALBUM_MAX):
                yield Out("photos", file_ids=out.file_ids[start:start + ALBUM_MAX])
        else:
            yield out
