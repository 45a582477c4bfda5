"""What a resident's text looks like once stored: invisible and control characters gone,
line breaks, tabs and emoji kept, at most 4,096 characters."""

from __future__ import annotations

import pytest

from bot.services.intake import MAX_TEXT, clean_text

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 👨‍👩‍👧: three people joined into one
HEART_COUPLE = "\U0001f469\u200d\u2764\ufe0f\u200d\U0001f468"  # 👩‍❤️‍👨
WORKER = "\U0001f477\U0001f3fd\u200d\u2642\ufe0f"  # 👷🏽‍♂️: a skin tone, then the joiner

CASES = [
    # (why, sent, stored)
    ("plain Chinese is unchanged", "楼道灯坏了三天了", "楼道灯坏了三天了"),
    # C0 controls
    ("NUL", "楼道\x00灯坏了", "楼道灯坏了"),
    ("bell and backspace", "灯\x07坏\x08了", "灯坏了"),
    ("escape sequence: the ESC goes, the printable rest stays", "灯\x1b[31m坏了", "灯[31m坏了"),
    ("DEL", "灯坏\x7f了", "灯坏了"),
    ("carriage return of a Windows line break", "第一行\r\n第二行", "第一行\n第二行"),
    ("vertical tab and form feed", "灯\x0b坏\x0c了", "灯坏了"),
    # C1 controls
    ("next line (NEL)", "灯\x85坏了", "灯坏了"),
    ("C1 control sequence introducer", "灯\x9b31m坏了", "灯31m坏了"),
    ("the whole C1 range", "灯" + "".join(map(chr, range(0x80, 0xA0))) + "坏了", "灯坏了"),
    # zero-width and other invisible format characters
    ("zero-width space", "139\u200b1234\u200b5678", "13912345678"),
    ("zero-width non-joiner", "灯\u200c坏了", "灯坏了"),
    ("zero-width joiner between digits hides nothing", "139\u200d1234\u200d5678",
     "13912345678"),
    ("word joiner", "灯\u2060坏了", "灯坏了"),
    ("byte order mark", "\ufeff楼道灯坏了", "楼道灯坏了"),
    ("soft hyphen", "电\u00ad梯", "电梯"),
    # bidi controls: stored text must read as it is
    ("right-to-left override", "电话\u202e8765\u202c", "电话8765"),
    ("left-to-right and right-to-left embeddings", "\u202a灯\u202b坏了\u202c", "灯坏了"),
    ("bidi isolates", "\u2066灯\u2067坏\u2068了\u2069", "灯坏了"),
    ("left-to-right and right-to-left marks", "\u200e灯坏了\u200f", "灯坏了"),
    # lone surrogates (JSON can carry them; no database stores them)
    ("a lone high surrogate", "灯\ud83d坏了", "灯坏了"),
    ("a lone low surrogate", "灯坏了\ude00", "灯坏了"),
    # kept
    ("line breaks inside stay", "第一行\n\n第二行", "第一行\n\n第二行"),
    ("tabs inside stay", "地点\t3号楼", "地点\t3号楼"),
    ("leading and trailing blanks go, full-width space too", " \n\t　灯坏了　\n ", "灯坏了"),
    ("a simple emoji", "灯坏了👍😡", "灯坏了👍😡"),
    ("an emoji with a variation selector", "谢谢❤️", "谢谢❤️"),
    ("a keycap", "1️⃣号楼", "1️⃣号楼"),
    ("a joined family emoji", f"家里{FAMILY}都在", f"家里{FAMILY}都在"),
    ("a joined emoji with a heart", HEART_COUPLE, HEART_COUPLE),
    ("a joined emoji with a skin tone", f"师傅{WORKER}来了", f"师傅{WORKER}来了"),
    ("a flag", "🇨🇳", "🇨🇳"),
    ("full-width punctuation and digits", "３号楼，５０２！", "３号楼，５０２！"),
    ("only controls leave nothing", "\x00\u200b\u202e\x85", ""),
]


@pytest.mark.parametrize(("why", "sent", "stored"), CASES, ids=[c[0] for c in CASES])
def test_clean_text(why: str, sent: str, stored: str) -> None:
    assert clean_text(sent) == stored


def test_the_length_is_capped_at_4096_characters() -> None:
    assert MAX_TEXT == 4096
    long = "楼道灯坏了" * 1000
    assert clean_text(long) == long[:4096]
    assert clean_text("灯" * 4096) == "灯" * 4096


def test_the_cap_counts_what_is_kept_not_the_controls() -> None:
    sent = "\u200b" * 100 + "灯" * 4096 + "\x00" * 100
    assert clean_text(sent) == "灯" * 4096
    assert clean_text(("灯\x00") * 5000) == "灯" * 4096


def test_the_cap_keeps_whole_emoji() -> None:
    """Emoji outside the BMP are one character each (two UTF-16 units): never half of one."""
    stored = clean_text("😡" * 5000)
    assert stored == "😡" * 4096
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in stored)
