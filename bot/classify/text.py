"""Before matching: the typo and dialect map, then sentences with position weights."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import Position

# A main-point sentence with at most this many characters after its marker hands its weight on
# to the next sentence, which then says the point.
MAIN_SPILL = 20
_SENTENCE = re.compile(r"[^。！？!?\n；;]+[。！？!?\n；;]*|[。！？!?\n；;]+")


def alternation(words: list[str] | tuple[str, ...] | set[str]) -> re.Pattern[str] | None:
    """One pattern matching any of `words`, the longest where several start at one place
    (煤气泄漏 wins over 煤气). Built as a trie (电(?:梯|线杆?)): the regex engine then tests
    one branch per character instead of every word at every position, which keeps hundreds
    of words as cheap to search as a few."""
    unique = set(filter(None, words))
    if not unique:
        return None
    trie: dict[str, Any] = {}
    for word in unique:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[_END] = True
    return re.compile(_trie_pattern(trie))


_END = ""  # the trie key marking "a word ends here" (no word contains the empty string)


def _trie_pattern(node: dict[str, Any]) -> str:
    # At most one branch can match the next character, so trying the branches greedily before
    # stopping here yields the longest word, as a longest-first alternation does.
    branches = [re.escape(char) + _trie_pattern(child)
                for char, child in sorted(node.items()) if char != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if _END in node:
        return ("(?:" + body + ")?") if len(branches) == 1 else body + "?"
    return body


class Normaliser:
    """Lower-cases Latin letters (LIFT, Lift → lift) and applies the replace map in one pass."""

    def __init__(self, replace: Mapping[str, str]) -> None:
        self._map = {wrong.lower(): right for wrong, right in replace.items()}
        self._re = alternation(list(self._map))

    def __call__(self, text: str) -> tuple[str, tuple[str, ...]]:
        """The normalised text and the replacements made ("电悌→电梯"), each once."""
        text = text.lower()
        if self._re is None:
            return text, ()
        made: dict[str, None] = {}

        def swap(match: re.Match[str]) -> str:
            right = self._map[match.group()]
            made[f"{match.group()}→{right}"] = None
            return right

        return self._re.sub(swap, text), tuple(made)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    weight: float


def sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text)]


class Weigher:
    """Position weights for long letters. A letter that names its main point (今天写信主要是想
    反映…) is about that point; otherwise its title or first real sentence leads. Greetings,
    self-introductions and closings count for nothing; asides (顺便说一下) for less."""

    def __init__(self, position: Position) -> None:
        self._p = position
        self._formal = tuple(position.formal)
        self._main = alternation(position.main_markers)
        self._side = alternation(position.side_markers)
        self._turn = alternation(position.turn_markers)

    def __call__(self, text: str) -> list[Sentence]:
        p = self._p
        if len(text) < p.min_length:
            turn = self._turn.search(text, 1) if self._turn is not None else None
            if turn is None or turn.end() >= len(text):
                return [Sentence(0, len(text), 1.0)]
            return [Sentence(0, turn.start(), p.side_weight),
                    Sentence(turn.start(), len(text), p.first_weight)]
        spans = sentences(text)
        if len(spans) < 2:
            return [Sentence(0, len(text), 1.0)]
        weights: list[float] = []
        for start, end in spans:
            body = text[start:end].strip(" \t，,：:")
            weights.append(0.0 if not body or body.startswith(self._formal) else 1.0)
        mains = [
            i for i, (s, e) in enumerate(spans)
            if weights[i] and self._main is not None and self._main.search(text, s, e)
        ]
        for i in mains:
            weights[i] = p.main_weight
            # The next sentence carries the point only when this one stops at the marker
            # (今天写信，主要是想反映一件事。…); one that goes on to say it is the point itself.
            if i + 1 < len(spans) and weights[i + 1] and \
                    self._says_little(text, spans[i][0], spans[i][1]):
                weights[i + 1] = max(weights[i + 1], p.main_weight)
        for i, (s, e) in enumerate(spans):
            if weights[i] and i not in mains and self._side is not None and \
                    self._side.search(text, s, e):
                weights[i] = min(weights[i], p.side_weight)
        if not mains:
            first = next((i for i, w in enumerate(weights) if w), None)
            if first is not None:
                weights[first] = p.title_weight if first == 0 else p.first_weight
        return [Sentence(s, e, w) for (s, e), w in zip(spans, weights, strict=True)]

    def _says_little(self, text: str, start: int, end: int) -> bool:
        """A main-point sentence that holds little past its marker (…主要想反映一件事：)."""
        assert self._main is not None
        m = self._main.search(text, start, end)
        return m is None or end - m.end() <= MAIN_SPILL
