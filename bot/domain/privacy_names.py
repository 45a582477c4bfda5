"""Where a resident's text names a person: 王秀英, 王阿姨, 姓刘, 我叫张三, 老王, and the
resident's own Telegram name.

jieba's part-of-speech tags alone are far too eager (幼儿园, 谢谢, 文明, 张贴 and 王府井 are
all tagged `nr` in its dictionary), so a tag counts only with more evidence: a name jieba
*discovered* (not a dictionary word) that starts with a surname, a surname followed by a given
name, a surname before a form of address, or a phrase that introduces a name. Every rule checks
jieba's word boundaries, so 音乐老师, 门卫大爷 and 高大爷们 (tall guys) are left alone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jieba
import jieba.posseg

Span = tuple[int, int, str]
# What a masked name reads as: a person's name 王秀英 → 某某; a surname 王阿姨 → 某阿姨,
# 姓刘 → 姓某.
MASK_NAME = "某某"
MASK_SURNAME = "某"

# Common single-character surnames. Left out on purpose: characters far more often the end or
# start of an ordinary word than a surname here (区 小区, 路 马路, 时 小时, 楼 老楼, 门 门卫,
# 卫 环卫, 安 保安, 乐 音乐, 史 历史, 车 修车, 米 米左右, 段 一段, 连 连续, 和, 向, 文, 公).
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎雷侯龙陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔汤常温康施牛樊葛邢庞洪殷欧甘饶柳关祝左鲁易申聂耿焦谷岳柴颜倪翟"
    "秦单司郎卜苗鲍谈宁裴霍梅褚凌邬窦仇季祁杭鲍蓝包吉宫滕辛喻姬冉卓诸蔺游晏"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐", "尉迟",
                     "公孙", "长孙", "宇文", "夏侯", "端木", "西门", "南宫", "司徒", "独孤")
# How people address or refer to someone by surname; longest first in the pattern.
TITLES = (
    "老太太", "老爷子", "老先生", "老师傅", "老大爷", "老奶奶", "网格长", "网格员",
    "大爷", "大妈", "大娘", "大姐", "大哥", "大叔", "大伯", "大婶", "大嫂", "阿姨", "阿婆",
    "阿公", "阿叔", "叔叔", "婶婶", "婶子", "奶奶", "爷爷", "婆婆", "姥姥", "姥爷", "外婆",
    "外公", "伯伯", "伯母", "老太", "老头", "师傅", "老师", "女士", "先生", "小姐", "同志",
    "医生", "大夫", "护士", "经理", "主任", "书记", "厅长", "局长", "科长", "所长", "站长",
    "队长", "组长", "楼长", "社工", "老板", "律师", "警官", "会计", "校长", "院长", "村长",
    "姐", "哥", "叔", "姨", "婶", "伯", "嫂", "爷", "奶", "总",
)
# Words after a name that end a place rather than a person: 刘家巷, 王府井, 贺家桥, 碧桂园.
PLACE_ENDINGS = frozenset("巷村庄湾路街桥坝屯岭沟营镇乡寨铺集坪井坡冲塘港园苑府城店馆厂场楼院")
_ORG_AFTER = re.compile(
    r"公司|矿|集团|小学|中学|学校|大学|幼儿园|大厦|公园|物业|小区|花园|广场|酒店|宾馆|医院|银行"
    r"|项目|大道|社区|超市|商店|饭店|餐馆|市场|工厂|加油站|花苑|家园|新村|名苑|国际"
)
_NOT_A_GIVEN_NAME_END = frozenset("说的了在和是家也又就都要把给让叫找讲问去来被跟与对着过等们")
NAME_TAGS = frozenset({"nr", "nrfg", "nrt"})
# A dictionary word tagged nr this common is an ordinary word (张贴 401, 谢谢 1089), not a
# person one resident might mention; rarer ones (王建国 12, 刘德华 37) are names.
COMMON_WORD_FREQ = 100

_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + "".join(sorted(SURNAMES)) + "])"
_TITLE_RE = re.compile(
    rf"({_SURNAME})(?:{'|'.join(sorted(TITLES, key=len, reverse=True))})(?!们)"
)
_NOT_A_SURNAME_AFTER_XING = frozenset("的了是名氏什甚啥么和与")
# 老王家, 小张说: 老/小 + surname, ended by what usually follows a person.
_OLD_YOUNG_RE = re.compile(
    rf"([老小])({_SURNAME})(?=[家的说他她和跟在是也又就都把给让叫找讲问，。、,.!！?？;；：:\s]|$)"
)
# 刘家的孩子, 王家门口: a household named by its surname.
_HOUSEHOLD_RE = re.compile(
    rf"(?<![\d十百千万几多])({_SURNAME})家(?!小区)(?=[的里人门孩小老媳儿女狗猫楼对，。、,.!！?？;；\s]|$)"
)
_HAN = re.compile(r"[\u4e00-\u9fff]{2,}")
_HAN_CHAR = re.compile(r"[\u4e00-\u9fff]")
_NAME_PART = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z\u00C0-\u024F]+")
# Phrases that introduce a name; the strong ones introduce nothing else.
_STRONG_INTRO = re.compile(r"(?:我叫|名叫|叫做|名字叫|名字是|联系人[:：]?|本人叫|本人是|称呼我)\s*")
_NAME_ENDS = re.compile(r"[的了在住是家和，。]|" + "|".join(TITLES))
_WEAK_INTRO = re.compile(r"(?:我是|找|联系|问问|告诉)\s*")


@lru_cache(maxsize=1)
def pos_tokenizer() -> Any:
    """One jieba part-of-speech tokenizer per process (its dictionary takes ~1 s to load),
    separate from the classifier's, whose added keywords would change the words found here."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.posseg.POSTokenizer(jieba.Tokenizer())
    tokenizer.lcut("初始化")
    return tokenizer


@lru_cache(maxsize=4096)
def _tagged_new_word(word: str) -> tuple[tuple[str, str], ...]:
    """A word jieba's dictionary does not know, cut and tagged by its part-of-speech model
    (张秀兰家 → 张秀兰/nr 家/q)."""
    return tuple((str(p.word), str(p.flag)) for p in pos_tokenizer().lcut(word))


def tag_of(word: str) -> str:
    return str(pos_tokenizer().word_tag_tab.get(word, "x"))


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    word: str
    flag: str


class Words:
    """The text cut by jieba, with the questions the name rules ask about its boundaries.

    Cut with the tagger's own dictionary by jieba's fast cutter (its HMM still finds new
    words such as unknown names); dictionary words take their dictionary tag and only new
    words go through the part-of-speech model. Tagging every character with that model
    (posseg.cut) costs about six times as much and finds the same names here.
    """

    def __init__(self, text: str) -> None:
        tagger = pos_tokenizer()
        self.freq: dict[str, int] = tagger.tokenizer.FREQ
        tags: dict[str, str] = tagger.word_tag_tab
        self.tokens: list[Token] = []
        self.starts: set[int] = {len(text)}
        self.at: list[int] = [0] * len(text)  # token index covering each character
        pos = 0
        for cut in tagger.tokenizer.cut(text, HMM=True):
            if cut in tags:
                pairs: tuple[tuple[str, str], ...] = ((cut, tags[cut]),)
            elif _HAN.fullmatch(cut):
                pairs = _tagged_new_word(cut)
            else:
                pairs = ((cut, "x"),)
            for word, flag in pairs:
                token = Token(pos, pos + len(word), word, flag)
                self.at[token.start:token.end] = [len(self.tokens)] * len(word)
                self.tokens.append(token)
                self.starts.add(pos)
                pos = token.end

    def boundary(self, index: int) -> bool:
        return index in self.starts

    def token_at(self, index: int) -> Token:
        return self.tokens[self.at[index]]

    def known(self, word: str) -> bool:
        return self.freq.get(word, 0) > 0


def _starts_with_surname(word: str) -> bool:
    return word[:1] in SURNAMES or word[:2] in COMPOUND_SURNAMES


def _place_at(text: str, token: Token) -> bool:
    """The token ends a place name, or a place or organisation word follows it (刘家巷,
    王府井, 金龙公司, 杨美公园, 程明物业)."""
    after = text[token.end:token.end + 1]
    return (token.word[-1] in PLACE_ENDINGS or (after != "" and after in PLACE_ENDINGS)
            or _ORG_AFTER.match(text, token.end) is not None)


def _is_title(word: str) -> bool:
    return word in TITLES or word in ("阿姨", "师傅", "老爷爷", "阿婆", "老总")


def _addressed_word(word: str) -> bool:
    """张师傅, 欧阳先生 as one token: the address rule masks only the surname."""
    return any(word.endswith(t) and _starts_with_surname(word[: -len(t)] or "-")
               and len(word) - len(t) <= 2 for t in TITLES)


def _common_word(words: Words, word: str) -> bool:
    """An ordinary dictionary word: frequent, and not a name (or so frequent it is both)."""
    freq = words.freq.get(word, 0)
    return freq >= COMMON_WORD_FREQ and (tag_of(word) not in NAME_TAGS
                                         or freq >= 3 * COMMON_WORD_FREQ)


def _name_token(words: Words, text: str, token: Token) -> bool:
    """A token jieba tagged as a name that really is a person's name."""
    if token.flag not in NAME_TAGS or _is_title(token.word) or _place_at(text, token):
        return False
    if _addressed_word(token.word):
        return False
    if not 2 <= len(token.word) <= 4 or not _starts_with_surname(token.word):
        return False
    if len(token.word) >= 3 and _common_word(words, token.word[:2]):
        return False  # begins with a common word: 马路边, 严格执行, 蓝天白云, 谢谢您
    if not words.known(token.word):
        # Discovered by jieba's model, not a dictionary word (刘利宏, 张伟), unless the model
        # glued a surname to a word that follows it (老刘说 → 刘说).
        return token.word[-1] not in _NOT_A_GIVEN_NAME_END
    return len(token.word) >= 3 and words.freq[token.word] < COMMON_WORD_FREQ


def tagged_names(text: str, words: Words) -> Iterator[Span]:
    tokens = words.tokens
    for i, token in enumerate(tokens):
        if _name_token(words, text, token):
            yield token.start, token.end, MASK_NAME
            continue
        # 王/秀英, 李/红梅, 欧阳/娜娜: a surname on its own, then a given name jieba knows.
        if (token.word in SURNAMES or token.word in COMPOUND_SURNAMES) and i + 1 < len(tokens):
            given = tokens[i + 1]
            if (given.flag in NAME_TAGS and len(given.word) <= 2 and not _is_title(given.word)
                    and not _place_at(text, given) and given.word not in SURNAMES):
                yield token.start, given.end, MASK_NAME


def addressed(text: str, words: Words) -> Iterator[Span]:
    """王阿姨, 张师傅, 欧阳先生 → 某阿姨; not 音乐老师 (乐 ends 音乐) nor 高大爷们."""
    for m in _TITLE_RE.finditer(text):
        if words.boundary(m.start()) and words.boundary(m.end()):
            yield m.start(1), m.end(1), MASK_SURNAME
    for m in _HOUSEHOLD_RE.finditer(text):
        if words.boundary(m.start()):
            yield m.start(1), m.end(1), MASK_SURNAME
    for m in _OLD_YOUNG_RE.finditer(text):
        if words.boundary(m.start()):
            yield m.start(2), m.end(2), MASK_SURNAME


def family_names(text: str, words: Words) -> Iterator[Span]:
    """姓刘, 免贵姓王, 姓欧阳 → 姓某; not 老百姓 or 姓名."""
    for m in re.finditer(r"姓", text):
        token = words.token_at(m.start())
        if token.end != m.end() or token.word.endswith("百姓"):
            continue  # 老百姓, 姓名
        rest = text[m.end():m.end() + 2]
        following = words.token_at(m.end()) if m.end() < len(text) else None
        if (following is not None and len(following.word) >= 2 and words.known(following.word)
                and following.flag not in NAME_TAGS and following.word not in COMPOUND_SURNAMES):
            continue  # 姓如何: a word, not a surname
        if rest[:2] in COMPOUND_SURNAMES:
            yield m.end(), m.end() + 2, MASK_SURNAME
        elif _HAN_CHAR.fullmatch(rest[:1]) and rest[0] not in _NOT_A_SURNAME_AFTER_XING:
            yield m.end(), m.end() + 1, MASK_SURNAME


def _introduced(text: str, words: Words, start: int, strong: bool) -> Span | None:
    if start >= len(text) or not words.boundary(start):
        return None
    token = words.token_at(start)
    if _is_title(token.word) or _place_at(text, token) or _addressed_word(token.word):
        return None
    surname = _starts_with_surname(token.word)
    if strong and (surname or token.flag in NAME_TAGS):
        # 我叫张三: whatever short run of Chinese follows is the name (张/三 cut apart).
        m = re.match(r"[\u4e00-\u9fff]{2,4}", text[start:])
        if m:
            name = _NAME_ENDS.split(m.group())[0]
            if len(name) >= 2:
                return start, start + len(name), MASK_NAME
    if token.flag in NAME_TAGS and len(token.word) >= 2:
        common = words.known(token.word) and words.freq[token.word] >= COMMON_WORD_FREQ * 3
        if surname and not common:
            return token.start, token.end, MASK_NAME
        return None
    if len(token.word) == 1 and surname:
        # 王 / 秀英: the surname split off; the given name is the next short token unless it
        # is a form of address (我是王阿姨: the address rule masks 王).
        end = token.end
        following = words.tokens[words.at[token.start] + 1] if token.end < len(text) else None
        if (following is not None and len(following.word) <= 2 and not _is_title(following.word)
                and re.fullmatch(r"[\u4e00-\u9fff]+", following.word)
                and (following.flag in NAME_TAGS or not words.known(following.word))):
            end = following.end
        return token.start, end, MASK_NAME if end > token.end else MASK_SURNAME
    return None


def introduced(text: str, words: Words) -> Iterator[Span]:
    """我叫张三, 我是王秀英, 联系人：李明, 找李明 → 某某."""
    for pattern, strong in ((_STRONG_INTRO, True), (_WEAK_INTRO, False)):
        for m in pattern.finditer(text):
            span = _introduced(text, words, m.end(), strong)
            if span:
                yield span


def telegram_name_pieces(names: Iterable[str]) -> list[str]:
    """The strings that name the resident: full name, first and last name, both orders, and
    a Chinese given name without its surname. Single characters are too common to mask."""
    pieces: set[str] = set()
    for name in names:
        # Letters only: a name is often decorated (🌸王秀英, 王秀英（3号楼）, Anna_W).
        parts = _NAME_PART.findall(name or "")
        candidates = set(parts)
        if len(parts) >= 2:
            candidates.update({"".join(parts), "".join(reversed(parts)), " ".join(parts)})
        for part in list(candidates):
            if re.fullmatch(r"[\u4e00-\u9fff]{3,4}", part) and _starts_with_surname(part):
                candidates.add(part[2:] if part[:2] in COMPOUND_SURNAMES else part[1:])
        for c in candidates:
            cjk = bool(re.search(r"[\u4e00-\u9fff]", c))
            if (cjk and len(c) >= 2) or (not cjk and len(c) >= 3):
                pieces.add(c)
    return sorted(pieces, key=len, reverse=True)


def own_names(text: str, pieces: Sequence[str]) -> Iterator[Span]:
    for piece in pieces:
        if re.search(r"[\u4e00-\u9fff]", piece):
            pattern = re.escape(piece)
        else:  # Latin names: whole words, any case
            pattern = rf"(?<![A-Za-z]){re.escape(piece)}(?![A-Za-z])"
        for m in re.finditer(pattern, text, flags=re.IGNORECASE):
            yield m.start(), m.end(), MASK_NAME


def name_spans(text: str, names: Iterable[str] = ()) -> list[Span]:
    words = Words(text)
    return [
        *own_names(text, telegram_name_pieces(names)),
        *tagged_names(text, words),
        *addressed(text, words),
        *family_names(text, words),
        *introduced(text, words),
    ]
