"""The Classifier: three independent decisions, each from rules a community worker can read.

- category: keyword weights summed over jieba tokens (configured keywords join the dictionary,
  so 化粪池 stays whole and a keyword never matches inside an unrelated word), plus situations
  (object + state within a window), each multiplied by its sentence's position weight; an
  urgent situation that flags the message counts URGENT_SITUATION_BOOST times (the emergency is
  what the message is about, whatever else it names), and so does a keyword inside an alarm
  word that flags it; each flagging alarm word also adds a little to alarm_category (safety);
- urgent: alarm words and urgent situations searched in the text (jieba splits exactly the
  phrases that matter: 电梯里困了人 → 电梯/里困/了/人), each unless a hedge lowers it
  (经常, 去年, 怕, 万一, 建议, 已经修好); decided apart from the category;
- kind: kind words and weighted kind phrases in the text.
All three run on the text after the typo and dialect map (电悌 → 电梯) and the homophone
typos of words the rules know (保按 → 保安, see homophones).
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping

import jieba

from bot.classify.homophones import Homophones
from bot.classify.result import (
    ALARM,
    HEDGE,
    KEYWORD,
    KIND,
    REPLACE,
    SITUATION,
    Classification,
    Evidence,
)
from bot.classify.rules import SENTENCE_BREAK, Rule, sentence_around
from bot.classify.text import Normaliser, Sentence, Weigher, alternation
from bot.classify.tokenizer import Tokenizer
from bot.config import Config, Situation

OTHER = "other"
URGENT = "urgent"

# Configured keywords must beat jieba's own split of the same characters (楼道灯 vs 楼道/灯不亮).
# Dictionary frequencies of ordinary words are mostly below a few thousand; a much larger value
# would also start to steal characters from neighbouring words (下水管道 → 下/水管/道).
KEYWORD_FREQ = 5000
# Each repeat of a keyword adds this, at most REPEAT_CAP times: a long message that keeps coming
# back to one topic leans towards it without one repeated generic word dominating.
REPEAT_BONUS = 0.5
REPEAT_CAP = 2
# The window of the legacy urgent_pairs (both words within this many characters).
PAIR_WINDOW = 15
# After this many hedged alarms the rest are not checked: a text repeating a hedged alarm
# thousands of times must not cost thousands of sentence scans.
MAX_HEDGED = 50
# Tokens up to this long are searched for keywords inside them; the answers are cached.
MAX_INSIDE = 6
INSIDE_CACHE = 200_000
# An urgent situation that flagged the message counts this many times its weight towards its
# category (hedged or not urgent: once).
URGENT_SITUATION_BOOST = 2.0
# Characters that turn the word before them into a place (门口, 楼下, 车棚旁, 卫生间).
_PLACE_SUFFIX = frozenset("口旁边前后里外上下内中底顶间")
_CLAUSE_BREAK = re.compile(r"[，。！？；,.!?;\n\s]")
# What adds to a category: (position, word, code, weight, situation name or "", evidence source).
Hit = tuple[int, str, str, float, str, str]


class Classifier:
    """Built once per process: it owns a jieba dictionary (about 0.5 s to load)."""

    def __init__(self, config: Config) -> None:
        jieba.setLogLevel(logging.WARNING)  # "Building prefix dict..." noise on every start
        section = config.classifier
        self._config = config
        self._wish_categories = frozenset(section.wish_categories)
        self._also_share = section.also_share
        self._alarm_category = section.alarm_category if section.alarm_weight > 0 else None
        self._alarm_weight = section.alarm_weight
        self._replace = Normaliser(section.replace)
        self._weigh = Weigher(section.position)
        # word -> ((category, weight), ...): the same word may be listed under two categories.
        index: dict[str, list[tuple[str, float]]] = {}
        for code, category in config.categories.items():
            for word, weight in category.keywords.items():
                if word and weight > 0:
                    index.setdefault(word, []).append((code, float(weight)))
        self._weights = {word: tuple(hits) for word, hits in index.items()}
        # token -> the keywords it stands for: itself, or for a dictionary word that merely
        # contains keywords (the alarm word 煤气味 swallows the keyword 煤气) the ones inside.
        self._lookup: dict[str, tuple[str, ...]] = {word: (word,) for word in self._weights}
        self._inside_cache: dict[str, tuple[str, ...]] = {}

        kinds = section.kind_words
        self._kind_of: dict[str, tuple[str, float]] = {}
        for kind in ("complaint", "suggestion", "wish"):  # a word listed twice keeps the last
            for word in getattr(kinds, kind):
                self._kind_of[word] = (kind, 1.0)
        for key, weight in kinds.weighted.items():
            kind, _, phrase = key.partition(":")
            self._kind_of[phrase] = (kind, float(weight))
        self._kind_re = alternation(list(self._kind_of))
        self._kind_prior = kinds.default_weight
        self._kind_per_100 = kinds.default_per_100_chars

        self._alarm_re = alternation(list(section.urgent_words))
        rules = [Rule.of(s) for s in section.situations]
        rules += [
            Rule.of(Situation(name=f"{a}+{b}", objects=(a,), states=(b,), window=PAIR_WINDOW,
                               urgent=True))
            for a, b in section.urgent_pairs if a and b
        ]
        self._rules = rules
        self._rules_of: dict[str, list[int]] = {}
        for i, rule in enumerate(rules):
            for word in rule.objects:
                self._rules_of.setdefault(word, []).append(i)
        # Objects overlap (电线 / 电线杆): an object found only inside a longer one would be
        # missed by one alternation scan, so each word also lists the rules of words inside it.
        for word in list(self._rules_of):
            for other in self._rules_of:
                if other != word and other in word:
                    self._rules_of[word] = sorted(
                        {*self._rules_of[word], *self._rules_of[other]})
        self._objects_re = alternation(list(self._rules_of))
        # Objects whose tail starts a longer object (墙上裂 → 裂缝): the one scan takes the first
        # and would miss the second, so after these the scan looks inside (few words qualify).
        starts = {o[:k] for o in self._rules_of for k in range(1, len(o))}
        self._overlapping = frozenset(
            w for w in self._rules_of if any(w[p:] in starts for p in range(1, len(w))))
        hedges = section.hedges
        self._hedge_before = alternation(hedges.before)
        self._hedge_sentence = alternation(hedges.sentence)
        self._lookback = hedges.lookback
        self._not_urgent = alternation(hedges.not_urgent)
        # One pattern anchored at the end of the few characters before a word: 没有 before 没.
        self._negation = (re.compile("(?:" + "|".join(
            re.escape(w) for w in sorted(set(hedges.negation), key=len, reverse=True)) + ")$")
            if hedges.negation else None)
        self._negation_reach = max((len(w) for w in hedges.negation), default=0)
        self._letter_length = hedges.letter_length
        self._letter_now = alternation(hedges.letter_now)
        self._over = alternation(hedges.over)

        self._tokenizer = Tokenizer()
        self._tokenizer.initialize()
        # Before add_word: the homophone rules read jieba's own frequencies of these words.
        self._homophones = Homophones(_known_words(config), self._tokenizer.FREQ,
                                      self._tokenizer.total)
        for word in self._weights:
            if len(word) > 1:  # single characters are tokens anyway; boosting them splits words
                self._tokenizer.add_word(word, freq=KEYWORD_FREQ)
        # Kind and alarm words are searched in the text; in the dictionary they only need to
        # hold together (jieba's own "just enough" frequency), and when such a token swallows
        # a keyword the keyword still counts.
        for word in (*self._kind_of, *section.urgent_words):
            if len(word) > 1 and word not in self._lookup:
                self._tokenizer.add_word(word)
                inside = _contained(word, self._weights)
                if inside:
                    self._lookup[word] = inside

    def normalise(self, text: str) -> tuple[str, tuple[str, ...]]:
        """The text as the rules read it (replace map, then homophone typos), and what was
        rewritten ("电悌→电梯", "保按→保安")."""
        text, replaced = self._replace(text)
        text, heard = self._homophones(text)
        return text, replaced + heard

    def tokens(self, text: str) -> list[str]:
        return self._tokenizer.lcut(text)

    def category_name(self, code: str) -> str:
        """The category's name in the configuration these rules came from."""
        return self._config.category_name(code)

    def classify(self, text: str) -> Classification:
        norm, replaced = self.normalise(text or "")
        evidence: list[Evidence] = [Evidence(REPLACE, r, "", rule=r) for r in replaced]
        parts = self._weigh(norm)
        hits: list[Hit] = []
        self._keywords(norm, parts, hits)
        situations = self._situations(norm)
        urgent_matched, hedged, urgent_evidence = self._urgent(norm, situations)
        # A situation that flagged the message urgent is what the message is about: a person
        # who will not wake on a park bench is an elderly matter, whatever the bench adds.
        flagging = {e.rule for e in urgent_evidence if e.source == SITUATION}
        # So is an alarm word that flagged it (着火, 一动不动): a keyword inside one counts
        # URGENT_SITUATION_BOOST times, like the situation's category.
        alarms = [e.word for e in urgent_evidence if e.source == ALARM]
        if alarms:
            hits[:] = [(pos, word, code,
                        weight * (URGENT_SITUATION_BOOST if any(word in a for a in alarms) else 1),
                        rule, source)
                       for pos, word, code, weight, rule, source in hits]
        for rule, found in situations:
            if rule.category is None:
                continue
            boost = URGENT_SITUATION_BOOST if rule.name in flagging else 1.0
            for start, _end, label in found[:1]:  # one situation counts once per message
                hits.append((start, label, rule.category,
                             boost * rule.weight * _weight_at(parts, start), rule.name, SITUATION))
        # Each alarm word that flagged the message also counts towards alarm_category: what only
        # says 泥石流冲下来了 or 屋里全是烟 is a safety matter, not "other" or whatever object it
        # names in passing. Light (alarm_weight): a named thing (电梯, 老人) still decides.
        if self._alarm_category is not None:
            for word in dict.fromkeys(alarms):
                at = max(norm.find(word), 0)
                hits.append((at, word, self._alarm_category,
                             self._alarm_weight * _weight_at(parts, at), "", ALARM))
        hits.sort(key=lambda h: h[0])
        scores: dict[str, float] = {}
        for _, word, code, weight, rule_name, source in hits:
            if weight > 0:
                scores[code] = scores.get(code, 0.0) + weight
                evidence.append(Evidence(source, word, code, round(weight, 3), rule_name))
        scores = {c: round(s, 3) for c, s in scores.items() if s > 0}
        category, also = self._decide(scores)
        matched = tuple(dict.fromkeys(word for _, word, _, w, _, source in hits
                                      if w > 0 and source != ALARM))
        kind_matched, kind, kind_evidence = self._kind(norm, category)
        if urgent_matched:
            kind = "complaint"  # someone in danger now is reporting, not wishing or suggesting
        return Classification(
            category=category,
            category_name=self._config.category_name(category),
            kind=kind,
            urgent=bool(urgent_matched),
            matched=matched,
            urgent_matched=urgent_matched,
            kind_matched=kind_matched,
            scores=scores,
            also=also,
            hedged=hedged,
            evidence=(*evidence, *urgent_evidence, *kind_evidence),
        )

    def _situations(self, text: str) -> list[tuple[Rule, list[tuple[int, int, str]]]]:
        """Rules whose objects occur (one scan for all objects), with what each found."""
        if self._objects_re is None:
            return []
        present: set[str] = set()
        for m in self._objects_re.finditer(text):
            present.add(m.group())
            if m.group() not in self._overlapping:
                continue
            # An object starting inside a longer one the scan took (墙上裂 | 裂缝 in 墙上裂缝).
            for pos in range(m.start() + 1, m.end()):
                inner = self._objects_re.match(text, pos)
                if inner:
                    present.add(inner.group())
        if not present:
            return []
        candidates = {i for word in present for i in self._rules_of[word]}
        found = [(self._rules[i], self._rules[i].find(text)) for i in sorted(candidates)]
        return [(rule, hits) for rule, hits in found if hits]

    def _keywords(self, text: str, parts: list[Sentence],
                  hits: list[Hit]) -> None:
        seen: dict[str, int] = {}  # keyword -> occurrences so far
        lookup, inside = self._lookup, self._inside_cache
        for part in parts:
            if part.weight <= 0:
                continue
            position = part.start
            tokens = self._tokenizer.words(text[part.start:part.end])
            for i, token in enumerate(tokens):
                words = lookup.get(token)
                if words is None:
                    words = inside.get(token)  # the cache first: most tokens are no keyword
                    if words is None:
                        words = self._inside(token)
                elif i + 1 < len(tokens) and tokens[i + 1] == "口" and token[-1] == "门":
                    # 单元门 + 口: the doorway is where, not what. Only a door: 消防通道口 and
                    # 车库口 are still the passage and the garage.
                    words = ()
                for word in words:
                    count = seen.get(word, 0)
                    seen[word] = count + 1
                    if count > REPEAT_CAP:
                        continue
                    for code, weight in self._weights[word]:
                        base = weight if count == 0 else REPEAT_BONUS
                        hits.append((position, word, code, base * part.weight, "", KEYWORD))
                position += len(token)

    def _inside(self, token: str) -> tuple[str, ...]:
        """Keywords inside a token jieba made of them and more (槐树 → 树, 树长 → 树)."""
        found = self._inside_cache.get(token)
        if found is None:
            found = ()
            if 1 < len(token) <= MAX_INSIDE and not token.isascii():
                found = _contained(token, _substrings(token, self._weights))
            if len(self._inside_cache) < INSIDE_CACHE:
                self._inside_cache[token] = found
        return found

    def _decide(self, scores: dict[str, float]) -> tuple[str, str | None]:
        """The highest score wins. `scores` lists categories in the order the text first
        mentions them, and the sort is stable: in a tie the topic named first wins and the other
        is offered as `also` (a message is mostly about what it names first)."""
        if not scores:
            return OTHER, None
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        best = ranked[0][1]
        category = ranked[0][0]
        also = None
        if len(ranked) > 1 and ranked[1][1] >= self._also_share * best:
            also = ranked[1][0]
        return category, also

    def _kind(self, text: str, category: str
              ) -> tuple[tuple[str, ...], str, tuple[Evidence, ...]]:
        """Most weight wins (a plain kind word weighs 1, each counted once); a tie goes to the
        kind mentioned first. Outside wish_categories, 希望/麻烦 next to a complaint word is
        politeness ("坏了好几天，希望尽快修"), so a complaint word there rules the wish out."""
        words: dict[str, tuple[str, float]] = {}
        if self._kind_re is not None:
            for match in self._kind_re.finditer(text):
                words.setdefault(match.group(), self._kind_of[match.group()])
        default = "wish" if category in self._wish_categories else "complaint"
        if not words:
            return (), default, ()
        # The category's usual kind starts with a small lead: a polite 能不能 (weighted below
        # it) does not turn a problem report into a wish; one real kind word does.
        tally: dict[str, list[float]] = {}  # kind -> [weight, -order of first mention]
        for order, (kind, weight) in enumerate(words.values()):
            tally.setdefault(kind, [0.0, -order])[0] += weight
        if category not in self._wish_categories and "complaint" in tally and \
                tally.get("wish", [0.0])[0] < 2 * tally["complaint"][0]:
            tally.pop("wish", None)
        # Longer texts lean further to the usual kind: a long letter about a problem is a
        # complaint however many rhetorical 请问…吗？ and closing 恳请/希望 it carries.
        prior = self._kind_prior + self._kind_per_100 * len(text) / 100
        tally.setdefault(default, [0.0, -len(words)])[0] += prior
        kind = max(tally, key=lambda k: (tally[k][0], tally[k][1]))
        evidence = tuple(Evidence(KIND, w, k, wt) for w, (k, wt) in words.items())
        return tuple(words), kind, evidence

    def _urgent(self, text: str, situations: list[tuple[Rule, list[tuple[int, int, str]]]]
                ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[Evidence, ...]]:
        # Most messages hold no alarm word and no urgent situation: then there is nothing to mask
        # or hedge. (Masking only blanks characters, so an alarm found in the masked text is
        # found at the same place in the text itself: no alarm here means none there.)
        if (self._alarm_re is None or self._alarm_re.search(text) is None) and \
                not any(rule.urgent for rule, _found in situations):
            return (), (), ()
        masked = text
        if self._not_urgent is not None:
            masked = self._not_urgent.sub(lambda m: "□" * len(m.group()), text)
        candidates: list[tuple[int, int, str, str]] = []  # start, end, label, rule
        if self._alarm_re is not None:
            candidates += [(m.start(), m.end(), m.group(), "")
                           for m in self._alarm_re.finditer(masked)]
        for rule, found in situations:
            if rule.urgent:
                candidates += [(s, e, label, rule.name) for s, e, label in found
                               if "□" not in masked[s:e]]
        candidates.sort()
        if len(text) >= self._letter_length:
            # A letter this long is written after the fact: an emergency would be its title
            # or first sentence, the rest is narrative (past incidents, chronic faults).
            first = SENTENCE_BREAK.search(text)
            limit = first.end() if first else len(text)
            candidates = [c for c in candidates
                          if c[0] < limit or self._said_now(text, c[0], c[1])]
        over = self._over.search(masked) if self._over is not None and candidates else None
        breaks = [m.start() for m in SENTENCE_BREAK.finditer(masked)] if candidates else []
        flagged: dict[str, None] = {}
        hedged: dict[str, None] = {}
        evidence: list[Evidence] = []
        checked = 0
        for start, end, label, rule_name in candidates:
            if label in flagged or checked >= MAX_HEDGED:
                continue
            # Where a negation would stand: before the alarm word, or before the state of a
            # situation (the label is object+state; the state is the span's last such word).
            at: tuple[int, ...] = (start,)
            if rule_name:
                state = label.rpartition("+")[2]
                where = masked.rfind(state, start, end)
                at = (start, where) if where > start else at
            hedge = over.group() if over else self._hedge(masked, start, end, breaks, at)
            if hedge:
                checked += 1
                if f"{hedge}:{label}" not in hedged:
                    hedged[f"{hedge}:{label}"] = None
                    evidence.append(Evidence(HEDGE, hedge, URGENT, rule=label))
            elif label not in flagged:
                flagged[label] = None
                evidence.append(Evidence(SITUATION if rule_name else ALARM, label, URGENT, 1.0,
                                         rule_name))
        return tuple(flagged), tuple(hedged), tuple(evidence)

    def _hedge(self, text: str, start: int, end: int, breaks: list[int],
               at: tuple[int, ...]) -> str | None:
        """The hedge that makes this alarm not an emergency happening now, if any."""
        negated = self._negated(text, at) if self._negation is not None else None
        if negated:
            return negated
        if self._hedge_before is not None:
            before = text[max(0, start - self._lookback):start]
            clause = _CLAUSE_BREAK.split(before)[-1] + text[start:end]
            m = self._hedge_before.search(clause)
            if m:
                return m.group()
        if self._hedge_sentence is not None:
            # The sentence around [start, end): from after the last break before it to the
            # first break after it (breaks are sorted positions of sentence marks).
            i = bisect_left(breaks, start)
            s = breaks[i - 1] + 1 if i else 0
            j = bisect_left(breaks, end)
            e = breaks[j] if j < len(breaks) else len(text)
            # A now-word between a hedge and the alarm ends the hedge's reach: "上个月的路灯修好了
            # 谢谢 今天写这个是因为 刚才…" (voice input and hurried typing often carry no marks).
            if self._letter_now is not None:
                for now in self._letter_now.finditer(text, s, start):
                    s = now.end()
            m = self._hedge_sentence.search(text, s, e)
            if m:
                return m.group()
        return None

    def _said_now(self, text: str, start: int, end: int) -> bool:
        """A now-word (现在, 刚才) in the sentence around [start, end)."""
        if self._letter_now is None:
            return False
        return self._letter_now.search(text, *sentence_around(text, start, end)) is not None

    def _negated(self, text: str, at: tuple[int, ...]) -> str | None:
        """A negation right before the alarm word or a situation's state (没冒烟, 狗…不咬人):
        the thing is named as not happening."""
        assert self._negation is not None
        for pos in at:
            m = self._negation.search(text[max(0, pos - self._negation_reach):pos])
            if m:
                return m.group()
        return None


def _known_words(config: Config) -> set[str]:
    """Every word the rules match: homophone typos are mended towards these."""
    section = config.classifier
    words = {w for c in config.categories.values() for w, wt in c.keywords.items() if wt > 0}
    for situation in section.situations:
        words.update(situation.objects, situation.states)
    for a, b in section.urgent_pairs:
        words.update((a, b))
    kinds, hedges = section.kind_words, section.hedges
    words.update(section.urgent_words, kinds.wish, kinds.complaint, kinds.suggestion,
                 (key.partition(":")[2] for key in kinds.weighted),
                 hedges.before, hedges.sentence, hedges.not_urgent)
    return words


def _weight_at(parts: list[Sentence], pos: int) -> float:
    for part in parts:
        if part.start <= pos < part.end:
            return part.weight
    return 1.0


def _substrings(token: str, keywords: Mapping[str, object]) -> list[str]:
    """Keywords inside a token. A one-character keyword counts only as the token's last
    character, where Chinese puts a compound's head (槐树 is a tree; 修好, 火车 and 盖章 are
    not about repairs, fire or building). A longer one counts unless a place word follows it
    (单元门口 is a place by the door, not the door)."""
    n = len(token)
    return [token[i:j] for i in range(n) for j in range(i + 1, n + 1)
            if (i, j) != (0, n) and token[i:j] in keywords
            and (j == n or (j - i > 1 and token[j] not in _PLACE_SUFFIX))]


def _contained(word: str, keywords: Iterable[str]) -> tuple[str, ...]:
    """Keywords inside `word`, in order, leaving out those inside a longer one found there."""
    found = [k for k in keywords if len(k) < len(word) and k in word]
    outer = [k for k in found if not any(k != o and k in o for o in found)]
    return tuple(sorted(outer, key=word.index))
