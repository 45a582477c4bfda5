"""What a group chat may see of a resident's message: no phone, room number or self-named name."""

from __future__ import annotations

import re

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[\s-]?(\d{7,8})(?!\d)")
# 3单元502, 2-3-501, 502室, 1102号房: anything that pins a household.
_ROOM = re.compile(
    r"(\d+\s*单元\s*\d+\s*(?:室|号|户)?|\d+-\d+-\d+|\d{3,4}\s*(?:室|号房|户)"
    r"|(?<=[楼栋幢座])\s*\d{3,4}(?![\d年元块米斤天个次]))"
)
_SELF_NAME = re.compile(
    r"(我(?:是|叫|姓))\s*([\u4e00-\u9fff]{1,3}?)(?=[阿大老]?[姨叔爷奶伯婶]|[，,。.\s！!]|$)"
)

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤"
)
# 王阿姨, 李大爷, 张师傅: how residents name themselves and their neighbours.
_ADDRESS = re.compile(
    rf"[{_SURNAMES}](?=(?:阿姨|大爷|大妈|大娘|叔叔|奶奶|爷爷|师傅|老师|女士|先生|婆婆|老太|老头))"
)


def mask_phones(text: str) -> str:
    """138 1234 5678 → 138****5678; landlines keep only the last four digits."""
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(2)[-4:]}", text)


def public_summary(text: str, limit: int = 80) -> str:
    """A short, masked summary of the resident's text, safe for the volunteers' group."""
    masked = mask_phones(text)
    masked = _ROOM.sub("***", masked)
    masked = _SELF_NAME.sub(lambda m: f"{m.group(1)}**", masked)
    masked = _ADDRESS.sub("*", masked)
    masked = " ".join(masked.split())
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"
