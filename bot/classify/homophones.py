"""Homophone typos from phone pinyin keyboards: 保按 → 保安, 违张建筑 → 违章建筑, 电悌 → 电梯.

A resident types pinyin and taps a candidate, so the typo sounds like the word meant (tones
dropped: 悌 tì and 梯 tī are both "ti"). After the replace map, a window of 2–4 Han characters
whose toneless pinyin equals that of a vocabulary word (a 2–4 character Han word the rules
know) and which differs from it in at most half its characters (one of 2–3, two of 4: a typo
slips a character or two; words that merely sound alike differ in most) becomes that word,
unless the evidence says the text was meant as written:
- the window is a word itself: a vocabulary word, or any entry of jieba's dictionary (老树 is
  not a typo of 老鼠);
- its characters belong to other words: a common word across the window's edge (确保|按时
  around 保按, 低水|平 around 低水), a common word holding a slipped character (反映 in 反映了),
  or any word joining a slipped character to one outside (自管 in 楼院自管);
- only grammar characters stay (到了 is not 倒了 mistyped), or the rewrite brings one in (又一次
  is not 有一次 mistyped), or a slipped character is one no keyboard offers first (塅 in 桃花塅路);
- the word is not much likelier than the window read as written, by jieba's word frequencies
  (谁管 is 谁 + 管, not 水管 mistyped).
The longest rewrite wins where windows overlap.

Speed: each message pays one cache lookup per character ("could a typo of a vocabulary word
start with this character and the next, by sound?"); only the places that answer yes look at
the next characters (cached too), and only the rare windows that pass everything the window
alone tells look at the text around. Readings come from pypinyin's tables, converted once per
process.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from pypinyin.phonetic_symbol import phonetic_symbol
from pypinyin.pinyin_dict import pinyin_dict

MIN_LEN = 2
MAX_LEN = 4
# A polyphonic character keeps at most this many readings, most used first (a pair of
# characters is then looked up under at most 9 combinations).
MAX_READINGS = 3
# A reading beyond a character's first counts when at least this many phrases use it.
MIN_PHRASES = 3
# jieba's dictionary lists rare words at frequency 3: literary ones nobody writing to a
# community office means (行同 inside 行同虚设, 报命 inside 怎么报命) beside plain phrases
# (搭起, 自管). Around or inside a window, a word below this frequency is weak evidence.
WORD_FREQ = 10
# Grammar characters: particles, adverbs, prepositions, pronouns, 一 and 不. A window keeping
# only these is no evidence of a typo (到了 is not 倒了 mistyped, 也是 not 一是), and a rewrite
# never brings one in (又一次 is not 有一次 mistyped, 工的 not 工地): mixing them up is a
# matter of grammar, and the words built on them (hedges, kind words) change what a text means.
GRAMMAR = frozenset("的地得了着过是在再又有也都就才还很太更最和与及或而且但"
                    "一不没别把被给对向从往跟比这那此其个吗呢吧啊呀嘛么")
# How much likelier (natural log; 3 is about 20 times) the word must be than the window as
# written. A window of 3–4 characters that sounds like the word and keeps most of it is
# strong evidence already; a pair, or a window a rare word runs through, needs more.
MIN_GAIN = 3.0
MIN_GAIN_LONG = 1.0
# Longest dictionary word looked for around a window.
MAX_NEIGHBOUR = 4
# Keys (two, three or four characters of text) whose answers are cached, per length; past this
# the answers are computed each time.
KEY_CACHE = 200_000
_END = "\x00"  # pads the last pair of a text to a three-character key

_TONE = {mark: plain.rstrip("12345") for mark, plain in phonetic_symbol.items()}


def toneless(syllable: str) -> str:
    """tì → ti, lǜ → lv (ü stays apart from u: 绿 is not 路)."""
    return "".join(_TONE.get(ch, ch) for ch in syllable)


@functools.cache
def readings() -> dict[str, tuple[str, ...]]:
    """Every Han character pypinyin knows → its toneless readings in use, most used first.
    pypinyin's character table also lists readings met only in classical texts (是 ti, 施 yi,
    冒 mo): those would make 也是 sound like 一梯, so a reading beyond a character's first counts
    only when pypinyin's phrase list uses it (都 du in 首都, 行 hang in 银行).
    Built once per process (about 40,000 characters, 0.2 s); Classifier rebuilds reuse it."""
    from pypinyin.phrases_dict import phrases_dict  # 47,000 phrases: only needed here

    convert = functools.cache(toneless)
    # (character, toned reading) → phrases using it; Counter counts in C.
    toned = Counter((char, sound[0]) for phrase, sounds in phrases_dict.items()
                    for char, sound in zip(phrase, sounds, strict=False))
    used: dict[str, Counter[str]] = {}
    for (char, sound), n in toned.items():
        used.setdefault(char, Counter())[convert(sound)] += n
    table: dict[str, tuple[str, ...]] = {}
    for code, listed in pinyin_dict.items():
        char = chr(code)
        first, _, others = listed.partition(",")
        plain = convert(first)
        if not others or char not in used:
            table[char] = (plain,)
            continue
        more = [s for s, n in used[char].most_common() if n >= MIN_PHRASES and s != plain]
        table[char] = (plain, *more)[:MAX_READINGS]
    return table


def is_han_word(word: str) -> bool:
    table = readings()
    return MIN_LEN <= len(word) <= MAX_LEN and all(ch in table for ch in word)


class Homophones:
    """Rewrites homophone typos of `vocabulary` words.

    `dictionary` is the tokenizer's FREQ (word → frequency; jieba also stores every word's
    prefixes, with frequency 0) and `total` the sum of its frequencies. Build this before the
    tokenizer learns the vocabulary (add_word): it keeps jieba's own frequencies of those words,
    not the boost the classifier gives its keywords."""

    def __init__(self, vocabulary: Iterable[str], dictionary: Mapping[str, int],
                 total: float) -> None:
        self._table = readings()
        self._words = frozenset(w for w in vocabulary if is_han_word(w))
        self._dictionary = dictionary
        self._own = {w: dictionary.get(w, 0) for w in self._words}
        self._log_total = math.log(total)
        # (reading of the 1st character, reading of the 2nd) → words starting so, longest
        # first; each word under every combination of its first two characters' readings.
        self._starts: dict[tuple[str, str], list[str]] = {}
        for word in sorted(self._words, key=lambda w: (-len(w), w)):
            for key in itertools.product(self._table[word[0]], self._table[word[1]]):
                self._starts.setdefault(key, []).append(word)
        # Two, three, four characters of text → the words a typo could start there with:
        # mostly none; each longer key settles more.
        self._pairs = _Cache(self._pair)
        self._threes = _Cache(self._three)
        self._fours = _Cache(self._four)

    @property
    def vocabulary(self) -> frozenset[str]:
        return self._words

    def __call__(self, text: str) -> tuple[str, tuple[str, ...]]:
        """The text with typos rewritten, and the rewrites made ("保按→保安"), each once."""
        if len(text) < MIN_LEN or not self._words:
            return text, ()
        # At each place: could a vocabulary word's typo start with this pair of characters
        # (by sound)? Mostly not; where it could, the next characters settle it.
        pairs = [text[i:i + 2] for i in range(len(text) - 1)]
        hits = list(map(self._pairs.__getitem__, pairs))
        padded = text + _END
        found = []
        for i in itertools.compress(range(len(hits)), hits):
            words = self._threes[padded[i:i + 3]]
            if words and len(words[0]) == MAX_LEN:  # the fourth character settles those
                words = self._fours[text[i:i + MAX_LEN]]
            word = self._choose(text, i, words) if words else None
            if word:
                found.append((i, word))
        if not found:
            return text, ()
        return _apply(text, found)

    def _pair(self, pair: str) -> tuple[str, ...]:
        """Words, longest first, whose first two characters sound like `pair` and could be
        typed as it (a word of two characters: settled here)."""
        table, starts = self._table, self._starts
        first, second = table.get(pair[0]), table.get(pair[1])
        if first is None or second is None:
            return ()
        lists = [starts[k] for k in itertools.product(first, second) if k in starts]
        if not lists:
            return ()  # the usual answer
        found: dict[str, None] = {}
        for word in itertools.chain.from_iterable(lists):
            if self._settled(pair, word) if len(word) == MIN_LEN else \
                    sum(a != b for a, b in zip(pair, word, strict=False)) <= len(word) // 2:
                found[word] = None
        return tuple(sorted(found, key=len, reverse=True))

    def _three(self, key: str) -> tuple[str, ...]:
        """The words of _pair(key[:2]) a typo could start with at `key` (three characters):
        for words of 2–3 characters, all that does not depend on the text around is settled."""
        third = frozenset(self._table.get(key[2], ()))
        found = []
        exact = 0  # the length of a word written correctly here: only longer ones may start
        for word in self._pairs[key[:2]]:
            n = len(word)
            if n == MIN_LEN:
                found.append(word)
            elif not third.isdisjoint(self._table[word[2]]):
                if key[:n] == word:
                    exact = max(exact, n)
                elif self._may_slip(key[:n], word) if n == MAX_LEN else \
                        self._settled(key[:n], word):
                    found.append(word)
        return tuple(w for w in found if len(w) > exact)

    def _four(self, key: str) -> tuple[str, ...]:
        """The words of _three(key[:3]) a typo could start with at `key` (four characters,
        fewer at the end of a text): its fourth character settles the 4-character words."""
        words = self._threes[(key + _END)[:3]]
        if key in words:
            return ()  # the word itself is here
        fourth = frozenset(self._table.get(key[3], ())) if len(key) == MAX_LEN else frozenset()
        return tuple(w for w in words if len(w) < MAX_LEN or (
            not fourth.isdisjoint(self._table[w[3]]) and self._settled(key, w)))

    def _choose(self, text: str, start: int, words: tuple[str, ...]) -> str | None:
        """The longest of `words` (of two as long, the one with fewer slips; none if they tie),
        if the text around does not say the window was meant as written."""
        n = len(words[0])
        window = text[start:start + n]
        fits = sorted((sum(a != b for a, b in zip(window, w, strict=True)), w)
                      for w in words if len(w) == n)
        if len(fits) > 1 and fits[0][0] == fits[1][0]:
            return None  # two words fit equally well: leave the text as it is
        best = fits[0][1]
        return None if self._claimed(text, start, best) else best

    def _may_slip(self, chars: str, word: str) -> bool:
        """Whether `chars` (the whole window, or its first characters) could be `word`
        mistyped, as far as the characters themselves tell."""
        slipped = [(a, b) for a, b in zip(chars, word, strict=False) if a != b]
        whole = len(chars) == len(word)
        return (len(slipped) <= len(word) // 2 and (bool(slipped) or not whole)
                # a keyboard offers common characters first: 塅 in 桃花塅路 is a name's
                and all(self._dictionary.get(a) for a, _ in slipped)
                # 又一次 is not 有一次 mistyped, 工的 not 工地: a typo brings in no grammar
                and not any(b in GRAMMAR for _, b in slipped)
                # only 了/是/在 staying is no evidence: 到了 is not 倒了 mistyped
                and not (whole and all(a in GRAMMAR for a, b in zip(chars, word, strict=True)
                                       if a == b)))

    def _free(self, window: str) -> bool:
        """Not a word itself: 老树 is in jieba's dictionary, so not a typo of 老鼠."""
        return window not in self._words and not self._freq(window)

    def _settled(self, window: str, word: str) -> bool:
        """Whether `window` is `word` mistyped, as far as the window alone tells."""
        if not (self._may_slip(window, word) and self._free(window)):
            return False
        slipped = [k for k, (a, b) in enumerate(zip(window, word, strict=True)) if a != b]
        # A word inside the window holding a slipped character: a common one says the window
        # was meant (反映 in 反映了, not 反应了 mistyped); a rare one (搭起 in 搭起来) asks for
        # more gain. A pair, too, needs more than a longer window that sounds like the word
        # and keeps most of it.
        need = MIN_GAIN if len(word) == MIN_LEN else MIN_GAIN_LONG
        for a, b in itertools.combinations(range(len(window) + 1), 2):
            if b - a >= MIN_LEN and (a, b) != (0, len(window)) and \
                    any(a <= k < b for k in slipped):
                freq = self._freq(window[a:b])
                if freq >= WORD_FREQ:
                    return False
                if freq:
                    need = MIN_GAIN
        # The word must be much likelier than the window read as written (jieba's likeliest
        # split of each): 谁管 (谁 + 管) is likelier than 水管 mistyped.
        return self._log_p(word, own=True) - self._log_p(window) >= need

    def _freq(self, chars: str) -> int:
        own = self._own.get(chars)
        return self._dictionary.get(chars, 0) if own is None else own

    def _claimed(self, text: str, start: int, word: str) -> bool:
        """Whether a word across the window's edge claims its characters: a common word
        (确保|按时 around 保按, 低水|平 around 低水), or any dictionary word or word the rules
        know joining a slipped character to one outside (自管 in 楼院自管, not 院子 mistyped;
        防溺水 in 交防溺水承诺书, not 交房 mistyped)."""
        end = start + len(word)
        for a in range(max(0, start - MAX_NEIGHBOUR + 1), end):
            for b in range(max(a + MIN_LEN, start + 1, end + 1 if a >= start else 0),
                           min(len(text), a + MAX_NEIGHBOUR) + 1):
                piece = text[a:b]
                freq = self._freq(piece)
                if freq >= WORD_FREQ or ((freq or piece in self._words) and any(
                        text[k] != word[k - start] for k in range(max(a, start), min(b, end)))):
                    return True
        return False

    def _log_p(self, chars: str, own: bool = False) -> float:
        """Log-probability of jieba's likeliest split of `chars` (as jieba scores a route).
        With `own`, `chars` is a vocabulary word: a word the rules were written for counts as
        at least as frequent as the rarest words that count (WORD_FREQ), in jieba or not
        (彩钢房, 广场舞 are not in jieba's dictionary, only their parts)."""
        best = [0.0] + [-math.inf] * len(chars)
        for j in range(1, len(chars) + 1):
            for i in range(max(0, j - MAX_LEN), j):
                freq = self._freq(chars[i:j]) or (1 if j - i == 1 else 0)
                if own and (i, j) == (0, len(chars)):
                    freq = max(freq, WORD_FREQ)
                if freq:
                    best[j] = max(best[j], best[i] + math.log(freq) - self._log_total)
        return best[-1]


class _Cache(dict[str, tuple[str, ...]]):
    """Answers computed on first use; past KEY_CACHE keys they are computed each time."""

    def __init__(self, compute: Callable[[str], tuple[str, ...]]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: str) -> tuple[str, ...]:
        value = self._compute(key)
        if len(self) < KEY_CACHE:
            self[key] = value
        return value


def _apply(text: str, found: list[tuple[int, str]]) -> tuple[str, tuple[str, ...]]:
    """Longest rewrites first, then leftmost; a rewrite overlapping a chosen one is dropped."""
    taken = [False] * len(text)
    chosen: list[tuple[int, str]] = []
    for start, word in sorted(found, key=lambda f: (-len(f[1]), f[0])):
        span = range(start, start + len(word))
        if not any(taken[k] for k in span):
            for k in span:
                taken[k] = True
            chosen.append((start, word))
    chosen.sort()
    parts: list[str] = []
    made: dict[str, None] = {}
    last = 0
    for start, word in chosen:
        end = start + len(word)
        parts += [text[last:start], word]
        made[f"{text[start:end]}→{word}"] = None
        last = end
    parts.append(text[last:])
    return "".join(parts), tuple(made)
