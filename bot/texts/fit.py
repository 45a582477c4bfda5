"""Telegram's size limits, and the one rule every outgoing text follows to keep to them.

Telegram counts lengths in UTF-16 code units: a Chinese character is 1, an emoji outside the
Basic Multilingual Plane (😀, 🏠) is 2. A text over the limit is refused with a 400, so:

* a message whose whole text is owed (a volunteer's details, a note for the resident) is
  `split` over several messages, at a line or sentence end where there is one;
* a summary (group posts, notices, digests) is `trim`med, ending in a pointer that says where
  the rest is ("…（认领后可看全文）", "…（全文见 /ticket 12）");
* `fit_outs` applies both to the messages one outbox row stands for, so each part is a row part
  the sender tracks on its own.

No cut ever falls inside a surrogate pair, nor between an emoji and what joins onto it
(a skin tone, a variation selector, a zero-width joiner, the second half of a flag).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from bot import texts

if TYPE_CHECKING:
    from bot.texts.render import Out

TEXT_LIMIT = 4096  # sendMessage / editMessageText text
CAPTION_LIMIT = 1024  # a photo's caption
ANSWER_LIMIT = 200  # answerCallbackQuery text (the toast or alert after a button press)
DATA_LIMIT = 64  # callback_data, in bytes of UTF-8 (bot/texts/callbacks.py enforces it)

_LINE_ENDS = "\n"
_SENTENCE_ENDS = "。！？!?；;…"
_CLOSERS = "”’」』）)】〕》\"'"
_SOFT_BREAKS = "，、,：: \t"
_ZWJ = "\u200d"


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _joins_previous(ch: str) -> bool:
    """True for a character that belongs to the one before it (cutting before it breaks a
    glyph): combining marks, joiners, variation selectors, skin tones, emoji tag characters."""
    code = ord(ch)
    return (ch == _ZWJ or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF
            or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F
            or unicodedata.category(ch) in ("Mn", "Me"))


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF  # two of these make one flag


def _safe_end(text: str, end: int) -> int:
    """Move a cut before `end` back to where no glyph is split (never below one character)."""
    at = end
    while 0 < at < len(text) and (_joins_previous(text[at]) or text[at - 1] == _ZWJ):
        at -= 1
    if 0 < at < len(text) and _is_regional(text[at]):
        run = 0
        while at - run - 1 >= 0 and _is_regional(text[at - run - 1]):
            run += 1
        at -= run % 2  # an odd run before the cut: its last one pairs with text[at]
    return at if at > 0 else end


def cut(text: str, limit: int) -> str:
    """The longest start of `text` within `limit` UTF-16 units that ends on a whole glyph."""
    if limit <= 0:
        return ""
    if len(text) * 2 <= limit or units(text) <= limit:
        return text
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return text[:_safe_end(text, index)]
    return text


def trim(text: str, limit: int = TEXT_LIMIT, pointer: str = texts.TRIMMED_MARK) -> str:
    """`text` if it fits in `limit` units; otherwise its start plus `pointer` (which says where
    the rest is), together within `limit`."""
    if units(text) <= limit:
        return text
    return cut(text, limit - units(pointer)).rstrip() + pointer


def _break_at(head: str) -> int:
    """Where to end a part taken from `head` (a prefix that fits): after the last line end,
    else sentence end, else comma or space in its second half; else at its very end."""
    floor = len(head) // 2
    for marks in (_LINE_ENDS, _SENTENCE_ENDS, _SOFT_BREAKS):
        at = max(head.rfind(mark) for mark in marks) + 1
        if at > floor:
            while at < len(head) and head[at] in _CLOSERS:  # keep 。” together
                at += 1
            return at
    return len(head)


def split(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """`text` as parts of at most `limit` units each, in order, nothing left out (only the
    white space at a break is dropped). Parts that would be blank are not made: Telegram
    refuses an empty message."""
    parts: list[str] = []
    rest = text
    while units(rest) > limit:
        head = cut(rest, limit)
        at = _break_at(head) if head else 1
        part, rest = rest[:at].rstrip(), rest[at:].lstrip()
        if part.strip():
            parts.append(part)
    if rest.strip():
        parts.append(rest)
    return parts


def fit_outs(outs: Sequence[Out]) -> list[Out]:
    """The messages `outs` stand for, each within Telegram's limits.

    A long text becomes several messages; its buttons and meta ride on the last, so the
    buttons sit under the whole text. An edit cannot become two messages: it is trimmed
    (renderers keep edits short). A caption too long for a photo follows it as text.
    """
    fitted: list[Out] = []
    for out in outs:
        if out.kind == "text":
            parts = split(out.text) or ([texts.TRIMMED_MARK] if out.buttons else [])
            for index, part in enumerate(parts):
                last = index == len(parts) - 1
                fitted.append(replace(out, text=part, buttons=out.buttons if last else (),
                                      meta=out.meta if last else {}))
        elif out.kind == "edit":
            fitted.append(replace(out, text=trim(out.text) or texts.TRIMMED_MARK))
        elif out.kind == "photo" and units(out.text) > CAPTION_LIMIT:
            fitted.append(replace(out, text=""))
            fitted.extend(fit_outs([replace(out, kind="text", photo=None)]))
        else:
            fitted.append(out)
    return fitted
