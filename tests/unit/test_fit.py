"""The one rule for outgoing text: Telegram's lengths in UTF-16 units, no glyph ever cut in
two, long texts split at line or sentence ends, summaries trimmed with a pointer."""

from __future__ import annotations

import re

import pytest

from bot import texts
from bot.texts import fit
from bot.texts.render import Button, Out

SMILE = "😀"  # outside the BMP: 2 UTF-16 units, a surrogate pair on the wire
FAMILY = "👨\u200d👩\u200d👧"  # one glyph of five code points joined by ZWJ (8 units)
THUMB_TONE = "👍🏽"  # emoji + skin tone modifier
FLAG = "🇨🇳"  # two regional indicators


def _no_space(text: str) -> str:
    return re.sub(r"\s", "", text)


@pytest.mark.parametrize(("text", "expected"), [
    ("", 0), ("abc", 3), ("楼道灯坏了", 5), (SMILE, 2), (FAMILY, 8), (FLAG, 4),
    ("a" + SMILE + "b", 4),
])
def test_units_count_as_telegram_does(text: str, expected: int) -> None:
    assert fit.units(text) == expected
    assert fit.units(text) == len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("a" * 10, 10, "a" * 10),  # fits: unchanged
    ("a" * 9 + SMILE, 10, "a" * 9),  # the pair would straddle the limit: left out whole
    ("a" * 8 + SMILE + "b", 10, "a" * 8 + SMILE),
    ("ab" + THUMB_TONE + "cd", 4, "ab"),  # the skin tone stays with its thumb
    ("ab" + THUMB_TONE + "cd", 6, "ab" + THUMB_TONE),
    ("x" + FAMILY + "y", 6, "x"),  # never half a family
    ("x" + FAMILY + "y", 9, "x" + FAMILY),
    ("x" + FLAG + FLAG, 7, "x" + FLAG),  # never half a flag
    ("x" + FLAG + FLAG, 9, "x" + FLAG + FLAG),
    ("ae\u0301", 2, "a"),  # the accent stays with its letter
    ("e\u0301tude", 1, "e"),  # no whole glyph fits: one character rather than nothing
    ("楼道灯坏了", 0, ""),
])
def test_cut_never_splits_a_glyph(text: str, limit: int, expected: str) -> None:
    got = fit.cut(text, limit)
    assert got == expected
    assert text.startswith(got) and fit.units(got) <= max(limit, 0)


def test_cut_at_every_limit_keeps_surrogate_pairs_whole() -> None:
    text = ("楼道灯" + SMILE + "坏了" + FAMILY + "，" + FLAG + THUMB_TONE) * 5
    for limit in range(1, fit.units(text) + 2):
        got = fit.cut(text, limit)
        assert text.startswith(got) and fit.units(got) <= limit
        got.encode("utf-16-le").decode("utf-16-le")  # a lone surrogate would not round-trip
        assert not got.endswith(("\u200d", "\U0001f1e8"))
        assert not text[len(got):].startswith(("\u200d", "\U0001f3fd", "\U0001f1f3"))


def test_trim_adds_the_pointer_only_when_cut() -> None:
    pointer = texts.MORE_AFTER_CLAIM
    assert fit.trim("短", 20, pointer) == "短"
    long = "楼道灯坏了三天了" * 10
    trimmed = fit.trim(long, 30, pointer)
    assert trimmed.endswith(pointer) and fit.units(trimmed) <= 30
    assert long.startswith(trimmed[: -len(pointer)])


def test_trim_before_an_emoji_at_the_limit() -> None:
    text = "a" * 4094 + SMILE * 3
    trimmed = fit.trim(text, fit.TEXT_LIMIT)
    assert trimmed == "a" * 4094 + texts.TRIMMED_MARK  # the emoji would have needed 2 units


def test_split_prefers_line_then_sentence_ends() -> None:
    lines = ["第一行说明情况。" * 40, "第二行继续说。" * 40, "最后一行。" * 40]
    text = "\n".join(lines)
    parts = fit.split(text, 400)
    assert parts[0] == lines[0]  # the first line fits whole: the cut is at its end
    assert all(fit.units(p) <= 400 for p in parts)
    assert all(p.endswith("。") for p in parts)  # every cut after a full stop
    assert _no_space("".join(parts)) == _no_space(text)


def test_split_keeps_closing_quotes_with_their_sentence() -> None:
    text = ("他说：“灯坏了。”" * 30)
    parts = fit.split(text, 100)
    assert all(p.endswith("。”") for p in parts[:-1])
    assert "".join(parts) == text


def test_split_without_any_boundary_cuts_hard_but_safely() -> None:
    text = (SMILE + "楼") * 3000
    parts = fit.split(text)
    assert len(parts) == 3
    assert all(0 < fit.units(p) <= fit.TEXT_LIMIT for p in parts)
    assert "".join(parts) == text
    for part in parts:
        part.encode("utf-16-le").decode("utf-16-le")


def test_split_of_short_and_blank_texts() -> None:
    assert fit.split("你好") == ["你好"]
    assert fit.split("") == []
    assert fit.split(" \n ") == []
    assert fit.split("a" * 4096) == ["a" * 4096]
    assert fit.split("a" * 4095 + SMILE) == ["a" * 4095, SMILE]


def test_fit_outs_puts_buttons_and_meta_on_the_last_part() -> None:
    buttons = ((Button("✅ 已办结", "t.res:7"),),)
    out = Out("text", "内容。" * 3000, buttons, meta={"remember_group_post": True})
    parts = fit.fit_outs([out])
    assert len(parts) == 3
    assert [p.buttons for p in parts] == [(), (), buttons]
    assert [p.meta for p in parts] == [{}, {}, {"remember_group_post": True}]
    assert all(fit.units(p.text) <= fit.TEXT_LIMIT for p in parts)


def test_fit_outs_trims_edits_and_moves_long_captions_after_the_photo() -> None:
    edit = Out("edit", "字" * 5000, message_id=3)
    photo = Out("photo", "说明" * 600, photo=b"png")
    fitted = fit.fit_outs([edit, photo, Out("location", location=(1.0, 2.0))])
    assert [o.kind for o in fitted] == ["edit", "photo", "text", "location"]
    assert fit.units(fitted[0].text) == fit.TEXT_LIMIT and fitted[0].message_id == 3
    assert fitted[1].text == "" and fitted[1].photo == b"png"
    assert fitted[2].text == "说明" * 600 and fitted[2].photo is None
    short = Out("photo", "图", photo=b"png")
    assert fit.fit_outs([short]) == [short]
