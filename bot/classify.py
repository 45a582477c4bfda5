"""jieba keyword rules → category, kind (wish/complaint/suggestion), urgent flag, matched words.

Three independent signals, each chosen for what it must get right:
- category: keyword weights summed over jieba tokens (configured keywords join the dictionary,
  so 化粪池 or 消防通道 stay whole and a keyword never matches inside an unrelated word);
- urgent: raw-text search, because jieba splits exactly the phrases that matter
  (电梯里困了人 → 电梯/里困/了/人, 煤气味 → 煤/气味) and recall matters most there;
- kind: raw-text search too, since kind phrases (能不能, 最好能) often span tokens.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import jieba

from bot import texts
from bot.config import Config

OTHER = "other"

# Configured keywords must beat jieba's own split of the same characters (楼道灯 vs 楼道/灯不亮).
# Dictionary frequencies of ordinary words are mostly below a few thousand; a much larger value
# would also start to steal characters from neighbouring words (下水管道 → 下/水管/道).
KEYWORD_FREQ = 5000
# Each repeat of a keyword adds this, at most REPEAT_CAP times: a long message that keeps coming
# back to one topic leans towards it without one repeated generic word dominating.
REPEAT_BONUS = 0.5
REPEAT_CAP = 2
# Both words of an urgent pair must lie within this many characters of each other.
PAIR_WINDOW = 15
# How far back (within the same clause) a hedge turns an urgent word into a hypothetical.
HEDGE_LOOKBACK = 6

# Hypotheticals, warnings and chronic histories are not an emergency happening now
# ("一旦发生火灾", "容易着火", "差点摔倒", "经常困人"); the ticket still lands in its category.
_HEDGES = re.compile(
    "一旦|万一|如果|假如|要是|若是|容易|防止|以免|避免|预防|谨防|以防|防范|差点|险些|"
    "担心|害怕|生怕|引发|导致|造成|引起|可能会|会不会|随时会|分分钟|经常|多次|几次|时常|常常|"
    "老是|时不时|禁止|严禁"
)
_CLAUSE_BREAK = re.compile(r"[，。！？；,.!?;\n]")
# Compounds that contain an urgent word or pair part but mean something harmless
# (困难 is not 困 in a lift, 火灾隐患 is a hazard report). Masked before the urgent search.
_NOT_URGENT = re.compile(
    "困难|困扰|困惑|困境|贫困|特困|犯困|困倦|火灾隐患|消防隐患|防火|救命钱|火花塞|打火机|喷水池"
)


@dataclass(frozen=True)
class Classification:
    category: str
    category_name: str
    kind: str
    urgent: bool
    matched: tuple[str, ...]
    urgent_matched: tuple[str, ...]
    kind_matched: tuple[str, ...]
    scores: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "category": self.category,
            "category_name": self.category_name,
            "kind": self.kind,
            "kind_name": texts.KIND_NAMES.get(self.kind, self.kind),
            "urgent": self.urgent,
            "matched": list(self.matched),
            "urgent_matched": list(self.urgent_matched),
            "kind_matched": list(self.kind_matched),
            "scores": dict(self.scores),
        }


def _alternation(words: list[str]) -> re.Pattern[str] | None:
    # Longest first: Python takes the first alternative that matches, and 煤气泄漏 should win
    # over a shorter word starting at the same place.
    unique = sorted(set(filter(None, words)), key=lambda w: (-len(w), w))
    return re.compile("|".join(map(re.escape, unique))) if unique else None


class Classifier:
    """Built once per process: it owns a jieba dictionary (about 0.5 s to load)."""

    def __init__(self, config: Config) -> None:
        jieba.setLogLevel(logging.WARNING)  # "Building prefix dict..." noise on every start
        section = config.classifier
        self._config = config
        self._wish_categories = frozenset(section.wish_categories)
        # word -> ((category, weight), ...): the same word may be listed under two categories.
        index: dict[str, list[tuple[str, float]]] = {}
        for code, category in config.categories.items():
            for word, weight in category.keywords.items():
                if word and weight > 0:
                    index.setdefault(word, []).append((code, float(weight)))
        self._weights = {word: tuple(hits) for word, hits in index.items()}
        # token -> the keywords it stands for: itself, or for a dictionary word that merely
        # contains keywords (the urgent word 煤气味 swallows the keyword 煤气) the ones inside.
        self._lookup: dict[str, tuple[str, ...]] = {word: (word,) for word in self._weights}

        self._kind_of: dict[str, str] = {}
        for kind in ("complaint", "suggestion", "wish"):  # a word listed twice keeps the last
            for word in getattr(section.kind_words, kind):
                self._kind_of[word] = kind
        self._kind_re = _alternation(list(self._kind_of))
        self._urgent_re = _alternation(list(section.urgent_words))
        self._pairs = [
            (a, b, f"{a}+{b}", re.compile(
                f"{re.escape(a)}.{{0,{PAIR_WINDOW}}}?{re.escape(b)}|"
                f"{re.escape(b)}.{{0,{PAIR_WINDOW}}}?{re.escape(a)}",
                re.DOTALL,
            ))
            for a, b in section.urgent_pairs
            if a and b
        ]

        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        for word in self._weights:
            if len(word) > 1:  # single characters are tokens anyway; boosting them splits words
                self._tokenizer.add_word(word, freq=KEYWORD_FREQ)
        # Kind and urgent words are searched in the raw text; in the dictionary they only need
        # to hold together (jieba's own "just enough" frequency), and when such a token swallows
        # a keyword the keyword still counts.
        for word in (*self._kind_of, *section.urgent_words):
            if len(word) > 1 and word not in self._lookup:
                self._tokenizer.add_word(word)
                inside = _contained(word, self._weights)
                if inside:
                    self._lookup[word] = inside

    def tokens(self, text: str) -> list[str]:
        return self._tokenizer.lcut(text)

    def classify(self, text: str) -> Classification:
        text = text or ""
        scores, matched = self._score(self.tokens(text))
        best = max(scores.values(), default=0.0)
        leaders = [code for code, score in scores.items() if score == best]
        category = leaders[0] if best > 0 and len(leaders) == 1 else OTHER
        kind_matched, kind = self._kind(text, category)
        urgent_matched = self._urgent(text)
        return Classification(
            category=category,
            category_name=self._config.category_name(category),
            kind=kind,
            urgent=bool(urgent_matched),
            matched=matched,
            urgent_matched=urgent_matched,
            kind_matched=kind_matched,
            scores=scores,
        )

    def _score(self, tokens: list[str]) -> tuple[dict[str, float], tuple[str, ...]]:
        seen: dict[str, int] = {}  # keyword -> occurrences; dicts keep first-seen (text) order
        lookup = self._lookup
        for token in tokens:
            for word in lookup.get(token, ()):
                seen[word] = seen.get(word, 0) + 1
        scores: dict[str, float] = {}
        for word, count in seen.items():
            bonus = REPEAT_BONUS * min(count - 1, REPEAT_CAP)
            for code, weight in self._weights[word]:
                scores[code] = scores.get(code, 0.0) + weight + bonus
        return {c: s for c, s in scores.items() if s > 0}, tuple(seen)

    def _kind(self, text: str, category: str) -> tuple[tuple[str, ...], str]:
        """Most distinct kind words wins; a tie goes to the kind mentioned first.

        Outside wish_categories, 希望/麻烦 next to a complaint word is politeness
        ("坏了好几天，希望尽快修"), so a complaint word there rules the wish out.
        """
        words: dict[str, str] = {}
        if self._kind_re is not None:
            for match in self._kind_re.finditer(text):
                words.setdefault(match.group(), self._kind_of[match.group()])
        default = "wish" if category in self._wish_categories else "complaint"
        if not words:
            return (), default
        tally: dict[str, list[int]] = {}  # kind -> [count, -order of first mention]
        for order, kind in enumerate(words.values()):
            tally.setdefault(kind, [0, -order])[0] += 1
        if category not in self._wish_categories and "complaint" in tally:
            tally.pop("wish", None)
        kind = max(tally, key=lambda k: (tally[k][0], tally[k][1]))
        return tuple(words), kind

    def _urgent(self, text: str) -> tuple[str, ...]:
        if self._urgent_re is None and not self._pairs:
            return ()
        masked = _NOT_URGENT.sub(lambda m: "□" * len(m.group()), text)
        found: list[tuple[int, str]] = []
        if self._urgent_re is not None:
            found += [
                (m.start(), m.group())
                for m in self._urgent_re.finditer(masked)
                if not _hedged(masked, m.start())
            ]
        for a, b, label, pattern in self._pairs:
            if a not in masked or b not in masked:  # substring tests are far cheaper than regex
                continue
            for m in pattern.finditer(masked):
                # A hedge may also sit between the two words: 老人容易摔倒, 电梯经常困人.
                if not _hedged(masked, m.start()) and not _HEDGES.search(m.group()):
                    found.append((m.start(), label))
                    break
        return tuple(dict.fromkeys(word for _, word in sorted(found)))


def _hedged(text: str, start: int) -> bool:
    before = text[max(0, start - HEDGE_LOOKBACK):start]
    clause = _CLAUSE_BREAK.split(before)[-1]
    return bool(clause) and _HEDGES.search(clause) is not None


def _contained(word: str, keywords: Iterable[str]) -> tuple[str, ...]:
    """Keywords inside `word`, in order, leaving out those inside a longer one found there."""
    found = [k for k in keywords if len(k) < len(word) and k in word]
    outer = [k for k in found if not any(k != o and k in o for o in found)]
    return tuple(sorted(outer, key=word.index))
