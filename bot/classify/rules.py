"""Situations compiled: an object and a state near each other, in one sentence."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from bot.classify.text import alternation
from bot.config import Situation

SENTENCE_BREAK = re.compile(r"[。！？；!?;\n]")


@dataclass(frozen=True)
class Rule:
    """A compiled situation."""

    name: str
    objects: tuple[str, ...]
    states: tuple[str, ...]
    objects_re: re.Pattern[str]
    states_re: re.Pattern[str]
    window: int
    category: str | None
    weight: float
    urgent: bool
    unless_re: re.Pattern[str] | None = None

    @classmethod
    def of(cls, s: Situation) -> Rule:
        objects_re = alternation(s.objects)
        states_re = alternation(s.states)
        assert objects_re is not None and states_re is not None  # config forbids empty lists
        return cls(s.name, tuple(s.objects), tuple(s.states), objects_re, states_re, s.window,
                   s.category, s.weight, s.urgent, alternation(s.unless))

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, "object+state") of each object with a state near it, in text order."""
        # The states' pattern is a trie (text.alternation): one scan costs less than testing
        # each state word with `in`, and the caller already knows an object is present.
        states = [(m.start(), m.end(), m.group()) for m in self.states_re.finditer(text)]
        if not states:
            return []
        starts = [st for st, _, _ in states]
        ends = [en for _, en, _ in states]  # finditer's matches do not overlap: sorted too
        found = []
        for m in self.objects_re.finditer(text):
            a, b = m.start(), m.end()
            # The nearest state starting at or after the object's end, then the nearest one
            # ending at or before its start: the closest on each side is the only one to test.
            options = []
            i = bisect_left(starts, b)
            if i < len(states) and starts[i] - b <= self.window:
                options.append(states[i])
            j = bisect_right(ends, a) - 1
            if j >= 0 and a - ends[j] <= self.window:
                options.append(states[j])
            for s_start, s_end, state in options:
                lo, hi = (b, s_start) if s_start >= b else (s_end, a)
                if not SENTENCE_BREAK.search(text, lo, hi):
                    start, end = min(a, s_start), max(b, s_end)
                    if self.unless_re is None or not self._excepted(text, start, end):
                        found.append((start, end, f"{m.group()}+{state}"))
                    break
        return found

    def _excepted(self, text: str, start: int, end: int) -> bool:
        """An `unless` word in the sentence around [start, end)."""
        assert self.unless_re is not None
        return self.unless_re.search(text, *sentence_around(text, start, end)) is not None


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence holding [start, end): after the last sentence mark before
    it, up to the first one after it."""
    lo = max((m.end() for m in SENTENCE_BREAK.finditer(text, 0, start)), default=0)
    hi = SENTENCE_BREAK.search(text, end)
    return lo, hi.start() if hi else len(text)
