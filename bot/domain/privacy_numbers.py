"""Where a resident's text holds a number or handle that leads to a person: phones (Arabic or
Chinese numerals, any spacing), ID cards, long account numbers, door numbers, car plates,
e-mail addresses and WeChat / QQ ids.

Each finder returns spans (start, end, replacement) over the original text; bot.domain.privacy
decides between overlapping spans and applies them. Numbers are searched in a *shadow* of
the text where Chinese and full-width digits are ASCII digits (one character for one, so the
indexes agree): 幺三八 一二三四 五六七八 and 五零二室 are found by the same rules as
138 1234 5678 and 502室.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Span = tuple[int, int, str]
# What a masked number reads as: a door, ID, account or plate number: 502室 → ***室 (phones
# keep their ends: 138****5678).
MASK_NUMBER = "***"

_DIGIT_OF = {
    **{c: str(i) for i, c in enumerate("零一二三四五六七八九")},
    "〇": "0", "幺": "1", "两": "2",
    **{chr(0xFF10 + i): str(i) for i in range(10)},  # full-width ０-９
}
_SHADOW = str.maketrans(_DIGIT_OF)
_CHINESE_DIGITS = "零〇一二三四五六七八九幺两"

# Numbers everybody may see: emergency and service lines (110, 12345 …), written any way.
SERVICE_NUMBERS = frozenset({
    "110", "119", "120", "122", "114", "12345", "12315", "12319", "12320", "12348", "12369",
    "12358", "12333", "12338", "12351", "95598", "96110",
})

# A quantity, a date or a money amount follows: 1000000元, 2023年, 100米 are not personal.
_UNIT_AFTER = re.compile(
    r"\s*(?:[年月日号元块角万亿千百十米里斤吨平户人个次天周岁度%％㎡多余条间辆台张件位名分秒点小]"
    r"|公里|公斤|毫|厘)"
)
# Separators people put inside a phone number: 138 1234 5678, 138-1234-5678, (0731)8456…
_SEP = r"[ \t\u3000\-–—－.·•_/()（）]"
_CHAIN = re.compile(rf"\d(?:{_SEP}{{0,2}}\d)*")
_GROUP = re.compile(r"\d+")
_PHONE_CONTEXT = re.compile(
    r"(?:电话|手机|座机|号码|联系|致电|拨打|打|call|tel|Tel|TEL)[^\d]{0,4}$"
)


def shadow(text: str) -> str:
    """The text with every Chinese or full-width digit as an ASCII digit, same length."""
    return text.translate(_SHADOW)


def _phone_mask(digits: str) -> str:
    return f"{digits[:3]}****{digits[-4:]}"


def _area_length(digits: str) -> int:
    return 3 if digits[1] in "12" else 4  # 010, 021 … ; 0731, 0755 …


def _landline_mask(area: str, digits: str) -> str:
    return f"{area}-****{digits[-4:]}" if area else f"****{digits[-4:]}"


def _groups_in(chain: re.Match[str]) -> list[tuple[int, int, str]]:
    base = chain.start()
    return [(base + g.start(), base + g.end(), g.group()) for g in _GROUP.finditer(chain.group())]


def _classify_run(text: str, start: int, digits: str, sizes: list[int]) -> str | None:
    """The mask for `digits`, read from digit groups of `sizes` starting at `start`, or None.
    Mobiles in any grouping (1 3 9 1 2 …); other numbers only as people group them."""
    if len(digits) == 11 and re.fullmatch(r"1[3-9]\d{9}", digits):
        return _phone_mask(digits)
    if len(digits) == 13 and re.fullmatch(r"861[3-9]\d{9}", digits):
        return "86 " + _phone_mask(digits[2:])
    if min(sizes) < 3:
        return None
    if len(digits) in (10, 11, 12) and digits.startswith("0") and not digits.startswith("00") \
            and len(sizes) <= 3:
        return _landline_mask(digits[:_area_length(digits)], digits)
    if len(digits) in (7, 8) and _PHONE_CONTEXT.search(text[max(0, start - 12):start]):
        return "****" + digits[-4:]
    id_card = len(digits) == 18 and sizes in ([6, 8, 4], [6, 4, 4, 4], [3, 3, 4, 4, 4])
    bank_card = 16 <= len(digits) <= 19 and digits[0] in "3456" and set(sizes[:-1]) == {4}
    if (len(sizes) == 1 and 15 <= len(digits) <= 19) or id_card or bank_card:
        return MASK_NUMBER  # an ID card (the 18th may be X, see _ID_CARD) or bank card
    return None


def phones_and_ids(text: str, shadowed: str) -> Iterator[Span]:
    """Phones, landlines, ID cards and other long numbers, in any spacing or numerals."""
    for chain in _CHAIN.finditer(shadowed):
        groups = _groups_in(chain)
        i = 0
        # From each group, the longest run of whole groups that reads as a number: a phone
        # typed after a building number ("2号楼 139 1234 5678") is still found.
        while i < len(groups):
            found: tuple[int, int, str] | None = None
            digits = ""
            for j in range(i, len(groups)):
                digits += groups[j][2]
                if len(digits) > 19:
                    break
                sizes = [len(g[2]) for g in groups[i:j + 1]]
                mask = _classify_run(shadowed, groups[i][0], digits, sizes)
                if mask:
                    found = (j, groups[i][0], mask)
            if found is None:
                i += 1
                continue
            j, start, mask = found
            run = "".join(g[2] for g in groups[i:j + 1])
            if run.startswith("0") and j > i and len(groups[i][2]) == _area_length(run):
                # (0731) 8456 7890: the area code stays as written, the number is masked.
                start, mask = groups[i + 1][0], _landline_mask("", run)
            yield start, groups[j][1], mask
            i = j + 1
    for m in _ID_CARD.finditer(shadowed):
        yield m.start(), m.end(), MASK_NUMBER
    for m in _LONG.finditer(shadowed):
        if m.group() in SERVICE_NUMBERS or _UNIT_AFTER.match(shadowed, m.end()):
            continue
        yield m.start(), m.end(), MASK_NUMBER


_ID_CARD = re.compile(r"(?<!\d)\d{6}\s?\d{8}\s?\d{3}[\dXx](?![\dA-Za-z])")
# Any other run of 7 or more digits: bank cards, QQ numbers, order numbers … unless a unit follows.
_LONG = re.compile(r"(?<![\d.])\d{7,}(?![\d.])")

# ---- doors and households --------------------------------------------------------------------

_ROOM_AFTER = re.compile(
    r"(?<![\d\-])(\d{3,4})\s*(?=室|号房|房间|房(?![子屋东价租产本])|号(?![楼院线路公交车码文令])"
    r"|那户|那家|住户|的住户|业主|的业主|房主)"
)
# 新开铺路579号, 第030号, 规意字0638号: a street address or a document, not a household.
_NOT_A_ROOM_BEFORE = re.compile(r"(?:[路街道巷段里弄字第〕\]】)）]|号文)\s*$")
# 3单元502, 5号楼1102, 楼上502, 住在1102, B座1203: a room number after what points at it.
_ROOM_BEFORE = re.compile(
    r"(单元|楼上|楼下|对门|隔壁|对面|住在|家住|住|[楼栋幢座])\s*[-－#]?\s*(\d{3,4})(?!\d)(?!\s*[-－]\d)"
)
# After a room number only a few units make it a quantity (楼100米, 住300多户).
_QUANTITY_AFTER = re.compile(r"\s*(?:[年元块米斤吨平户套栋层间辆人个次岁多余%％㎡]|公里|公斤)")
_COMPACT = re.compile(r"(?<![\d\-.])(\d{1,3})\s*[-－]\s*(\d{1,2})\s*[-－]\s*(\d{3,4})(?![\d\-])")
# 2-501室, 住3-1102: building-room only with a word that says so (50-100 is a range).
_BUILDING_ROOM = re.compile(
    r"(?:(?:住在|家住|住|门牌号?)\s*)?(?<![\d\-.:/])(\d{1,3})\s*[-－#]\s*(\d{3,4})(?![\d\-:/])"
    r"(?=\s*(?:室|房|号|户|的住户))?"
)
_FLOOR = r"(?:[\d十]{1,3}|[\d十]{1,3}\s*[零〇]\s*[\d十]?)"
# 五楼左边那户, 三楼东户, 5层西边那家: a floor with a side or a household is one household.
_FLOOR_HOUSEHOLD = re.compile(
    rf"({_FLOOR})\s*[楼层](?:的)?\s*"
    r"(?:左边|右边|左手|右手|左侧|右侧|东边|西边|南边|北边|中间|东头|西头|东侧|西侧|对门|靠[东西南北左右]|[东西南北左右中])?"
    r"\s*(?:那户|那家|这户|这家|住户|人家|户|家)(?![外口型籍主名头具])"
)
# 3单元5楼, 住在五楼: a floor inside a unit, or where someone lives.
_FLOOR_OF = re.compile(
    r"(单元|住在|家住|住)\s*(?:的)?\s*([\d十]{1,3}\s*[楼层])(?![道梯顶房下上])"
)
_CHINESE_RUN = re.compile(
    rf"(?<![{_CHINESE_DIGITS}\d])[{_CHINESE_DIGITS}]{{3,4}}(?![{_CHINESE_DIGITS}\d])"
)


def doors(text: str, shadowed: str) -> Iterator[Span]:
    """Door and household numbers; the building and unit before them stay readable."""
    for m in _ROOM_AFTER.finditer(shadowed):
        if (m.group(1) not in SERVICE_NUMBERS
                and not _NOT_A_ROOM_BEFORE.search(shadowed[max(0, m.start() - 3):m.start()])):
            yield m.start(1), m.end(1), MASK_NUMBER
    for m in _ROOM_BEFORE.finditer(shadowed):
        if not _QUANTITY_AFTER.match(shadowed, m.end(2)) and m.group(2) not in SERVICE_NUMBERS:
            yield m.start(2), m.end(2), MASK_NUMBER
    for m in _COMPACT.finditer(shadowed):
        if not _UNIT_AFTER.match(shadowed, m.end()):
            yield m.start(3), m.end(3), MASK_NUMBER
    for m in _BUILDING_ROOM.finditer(shadowed):
        pointed = m.group().startswith(("住", "家", "门")) or re.match(
            r"\s*(?:室|房|号|户|的住户)", shadowed[m.end():])
        if pointed or "#" in m.group():
            yield m.start(2), m.end(2), MASK_NUMBER
    for m in _FLOOR_HOUSEHOLD.finditer(shadowed):
        yield m.start(), m.end(), MASK_NUMBER
    for m in _FLOOR_OF.finditer(shadowed):
        yield m.start(2), m.end(2), MASK_NUMBER
    # 五零二, 一一零二: Chinese digits read one by one are a door number (or part of a phone,
    # found above); counted words (三四个, 七七八八) have no 零 and are left alone.
    for m in _CHINESE_RUN.finditer(text):
        run = m.group()
        if (any(c in run for c in "零〇幺") and shadow(run) not in SERVICE_NUMBERS
                and not _UNIT_AFTER.match(text, m.end())):
            yield m.start(), m.end(), MASK_NUMBER


# ---- handles ---------------------------------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})")
_HANDLE = re.compile(
    r"(?<![A-Za-z])(?:微信号?|威信|薇信|[Vv]信|[Vv][Xx]|[Ww][Xx]|weixin|WeChat|wechat|"
    r"[Qq]{2}号?|扣扣号?|Q号)\s*(?:号码|账号|号|是|为|[:：])?\s*[:：]?\s*"
    r"([A-Za-z][-_A-Za-z0-9]{4,19}|\d{5,12})(?![-_A-Za-z0-9])"
)
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# 京A12345, 粤B·D12345 (new energy), 川A 1234学
_PLATE = re.compile(
    rf"([{_PROVINCES}])\s*([A-Za-z])\s*[·•.\-\s]?\s*([A-Za-z0-9]{{4,6}}[学警挂领港澳]?)(?![A-Za-z0-9])"
)


def handles(text: str) -> Iterator[Span]:
    """E-mail addresses, WeChat / QQ ids and car plates."""
    for m in _EMAIL.finditer(text):
        yield m.start(), m.end(), f"{MASK_NUMBER}@{m.group(1)}"
    for m in _HANDLE.finditer(text):
        if m.group(1) not in SERVICE_NUMBERS:
            yield m.start(1), m.end(1), MASK_NUMBER
    for m in _PLATE.finditer(text):
        tail = m.group(3)
        if len(tail) >= 5 and any(c.isdigit() for c in tail):
            yield m.start(), m.end(), f"{m.group(1)}{m.group(2).upper()}{MASK_NUMBER}"


def number_spans(text: str) -> list[Span]:
    shadowed = shadow(text)
    return [*phones_and_ids(text, shadowed), *doors(text, shadowed), *handles(text)]
