"""Texts with nothing in them to act on: answered like an emoji ("没太看懂"), never previewed.

A resident who types 啊啊啊, asdfgh or 好好好好 has not told the office anything yet; a preview
with 确认提交 would invite a ticket nobody can work. What is wordless, as a class:
- fewer than two characters that carry words (emoji, dots, blanks, one character);
- one character over and over (灯灯灯, 11111; a doubled word such as 谢谢 or 奶奶 is a word);
- interjections only, in any mix and number (啊啊啊, 哈哈哈, 嗯嗯, 哎呀呀, 呜呜呜);
- Latin letters that are laughter or fillers (hhh, haha, lol, emmm) or keyboard mash: a run of
  neighbouring keys (asdf, qwerty, zxcv, qaz), or letters of the home and bottom rows with no
  vowel (sdfsdf, hjkhjk);
- digits that are internet laughter (23333) or a run of the number row (123456).
Real short reports keep their preview: 漏水, 停电, 路灯 (two characters), gas, help, 110, 12345
(the city hotline: a five-digit run is not mash; six or more is).
"""

from __future__ import annotations

import re

_WORDISH = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Interjections and sentence particles that say nothing by themselves.
_INTERJECTIONS = frozenset("啊阿哈呵嘿嗯哦噢喔哎唉呀哇额呃嘻呜嗷咦诶欸嘛啦嘞咯喽耶哼嚯吼哟唷嗨喂")
_LAUGHTER = re.compile(r"(?:[ha]+|(?:he)+h*|(?:hi){2,}h*|lo+l+|e*m{2,}|(?:xi)+|(?:en)+)")
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_COLUMNS = ("qaz", "wsx", "edc", "rfv", "tgb", "yhn", "ujm")
_LOW_ROWS = frozenset("sdfghjklzxcvbnm")  # home and bottom rows without the vowel a
_MIN_RUN = 3
_MIN_DIGIT_RUN = 6


def is_meaningful(text: str) -> bool:
    """Whether `text` (already cleaned) says anything a person could act on."""
    chars = [c.lower() for c in _WORDISH.findall(text)]
    if len(chars) < 2:
        return False
    if len(set(chars)) == 1:  # 灯灯灯 and 11 say nothing; 谢谢, 奶奶 are words
        return len(chars) == 2 and bool(_CJK.match(chars[0])) \
            and chars[0] not in _INTERJECTIONS
    cjk = [c for c in chars if _CJK.match(c)]
    if any(c not in _INTERJECTIONS for c in cjk):
        return True
    rest = "".join(c for c in chars if not _CJK.match(c))
    if not rest:
        return False  # interjections only
    return not (_latin_filler(rest) or _digits_filler(rest))


def _latin_filler(s: str) -> bool:
    if not s.isalpha():
        return False
    if _LAUGHTER.fullmatch(s):
        return True
    if len(s) >= 4 and set(s) <= _LOW_ROWS:
        return True
    head = s[:_MIN_RUN]
    return any(head in row or head[::-1] in row for row in _ROWS[1:3]) \
        or head in _ROWS[0] or head in _COLUMNS


def _digits_filler(s: str) -> bool:
    if not s.isdigit():
        return False
    if re.fullmatch(r"23{3,}", s):
        return True
    return len(s) >= _MIN_DIGIT_RUN and (s in _ROWS[3] or s[::-1] in _ROWS[3]
                                          or s in "0123456789" or s[::-1] in "0123456789")
