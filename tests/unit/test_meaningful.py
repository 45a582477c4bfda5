"""Which texts carry something a person could act on (bot/services/intake.py is_meaningful).

A text without words is answered like an emoji ("没太看懂"), never with a preview and
确认提交: repeated interjections, keyboard mash, one character over and over. Short real
reports (two characters) still get their preview."""

from __future__ import annotations

import pytest

from bot.services.intake import clean_text
from bot.services.wordless import is_meaningful

NOTHING = [
    # emoji, dots, blanks (as before)
    "👍👍👍", "。。。", "...", "？？？", "!!!", " \n\t　 ", "😭", "🙏🙏",
    # interjections, alone or repeated, with or without marks
    "啊啊啊", "啊", "啊啊啊啊啊啊啊！！！", "哈哈哈", "哈哈", "嗯嗯", "嗯", "哦哦哦", "呵呵",
    "嘿嘿嘿", "唉", "唉唉唉……", "哎呀呀", "呜呜呜", "哇哇", "额额额", "呃", "喔", "嘻嘻", "嗷嗷嗷",
    "啊哈哈哈", "哈哈哈哈😂", "嗯嗯嗯。", "哦~", "啦啦啦", "hhh", "hhhhhh", "hahaha", "haha",
    "ahhhh", "aaaa", "lol", "emmm", "emmmm", "233333",
    # keyboard mash (Latin and digits)
    "asdfgh", "asdf", "qwerty", "qwertyuiop", "zxcvbn", "jkl", "sdfsdf", "asdasd", "dsfgdfg",
    "hjkhjk", "fghj", "ASDFGH", "qwe qwe", "wwwww", "xxx", "kkkk", "123456", "123456789", "111",
    "0000", "qazwsx", "987654",
    # one character again and again
    "灯灯灯", "好好好好", "11111", "。。。。1111。",
]

SOMETHING = [
    # real two-character reports
    "漏水", "停电", "路灯", "停水", "电梯", "堵了", "没电", "噪音", "垃圾", "漏雨", "求助", "着火",
    "扰民", "遛狗", "车位", "暖气",
    # short messages with an interjection in them
    "啊，漏水了", "哎呀电梯又坏了", "哈哈谢谢社区", "嗯，路灯不亮", "唉，没人管吗", "救命啊",
    "快来人啊啊啊", "呜呜呜孩子找不到了", "好的", "谢谢", "奶奶", "宝宝",
    # Latin and numbers that say something
    "help", "wifi", "WiFi没信号", "3号楼", "502漏水", "lift broken", "SOS", "ok", "hi",
    "12345热线", "110", "119", "120", "在吗",
]


@pytest.mark.parametrize("text", NOTHING)
def test_a_text_with_no_words_is_not_meaningful(text: str) -> None:
    assert not is_meaningful(clean_text(text))


@pytest.mark.parametrize("text", SOMETHING)
def test_short_real_messages_are_meaningful(text: str) -> None:
    assert is_meaningful(clean_text(text))
