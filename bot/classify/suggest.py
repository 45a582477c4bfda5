"""Stored corrections → proposed keyword additions and weight changes, each measured.

`python -m bot classify --suggest`: nothing here changes config.toml. Each proposal is
applied to a copy of the configuration in memory and measured on the labelled set (the
accuracy it would give, bot/classify/evaluate.py) and on the corrections themselves (how
many of them the rules would then get right); a person decides and edits the file.

- additions: words (jieba tokens of two or more Chinese characters) found in at least
  `min_support` texts corrected to category X, and in fewer texts labelled or corrected
  otherwise (the labelled set and the other corrections are the "elsewhere");
- weight changes: keywords that still pull a corrected text to the wrong primary category
  (lower them), and keywords of the right category in those texts (raise them).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from statistics import median

from bot.classify.engine import Classifier
from bot.classify.evaluate import Labelled, evaluate
from bot.classify.result import KEYWORD
from bot.config import Config

_WORD = re.compile(r"^[\u4e00-\u9fff]{2,8}$")
ADD, RAISE, LOWER = "add", "raise", "lower"
RAISE_BY = 1.0
LOWER_FACTOR = 0.5


@dataclass(frozen=True)
class Correction:
    text: str
    before: str
    after: str


@dataclass(frozen=True)
class Proposal:
    action: str  # add | raise | lower
    category: str
    word: str
    before: float | None  # the keyword's weight now (None: not a keyword of the category)
    after: float
    support: int  # corrections behind the proposal
    accuracy: float = 0.0  # category accuracy on the labelled set with this change
    fixed: int = 0  # corrections the changed rules classify as the coordinator did


@dataclass(frozen=True)
class Suggestions:
    accuracy: float  # the labelled set as the rules are now
    fixed: int  # corrections the rules already get right
    corrections: int
    proposals: tuple[Proposal, ...]


def suggest(config: Config, corrections: Sequence[Correction], labelled: Sequence[Labelled],
            *, min_support: int = 2, per_category: int = 3, limit: int = 12,
            build: Callable[[Config], Classifier] = Classifier) -> Suggestions:
    usable = [c for c in corrections if c.text.strip() and c.after in config.categories]
    base = build(config)
    candidates = [*_additions(config, base, usable, labelled, min_support, per_category),
                  *_weight_changes(config, base, usable)][:limit]
    measured = tuple(_measure(config, p, usable, labelled, build) for p in candidates)
    return Suggestions(
        accuracy=evaluate(base, labelled).category_accuracy,
        fixed=_fixed(base, usable), corrections=len(usable),
        proposals=tuple(sorted(measured, key=lambda p: (-p.fixed, -p.accuracy))))


def apply(config: Config, proposal: Proposal) -> Config:
    """A copy of `config` with the proposal made (config.toml is not touched)."""
    category = config.categories[proposal.category]
    keywords = {**category.keywords, proposal.word: proposal.after}
    categories = {**config.categories,
                  proposal.category: category.model_copy(update={"keywords": keywords})}
    return config.model_copy(update={"categories": categories})


def _fixed(classifier: Classifier, corrections: Sequence[Correction]) -> int:
    return sum(classifier.classify(c.text).category == c.after for c in corrections)


def _measure(config: Config, proposal: Proposal, corrections: Sequence[Correction],
             labelled: Sequence[Labelled], build: Callable[[Config], Classifier]) -> Proposal:
    changed = build(apply(config, proposal))
    return Proposal(proposal.action, proposal.category, proposal.word, proposal.before,
                    proposal.after, proposal.support,
                    accuracy=evaluate(changed, labelled).category_accuracy,
                    fixed=_fixed(changed, corrections))


def _additions(config: Config, base: Classifier, corrections: Sequence[Correction],
               labelled: Sequence[Labelled], min_support: int,
               per_category: int) -> list[Proposal]:
    found: dict[str, Counter[str]] = {}  # category -> word -> corrected texts holding it
    for c in corrections:
        words = {t for t in base.tokens(c.text) if _WORD.match(t)}
        found.setdefault(c.after, Counter()).update(words)
    elsewhere = [(item.text, {item.category, item.also}) for item in labelled] + \
                [(c.text, {c.after}) for c in corrections]
    proposals = []
    for code, counts in found.items():
        known = config.categories[code].keywords
        weight = _typical_weight(known.values())
        scored = []
        for word, support in counts.items():
            if support < min_support or word in known:
                continue
            other = sum(1 for text, labels in elsewhere if code not in labels and word in text)
            if other < support:  # frequent here, rare elsewhere
                scored.append((support / (1 + other), support, word))
        for _score, support, word in sorted(scored, reverse=True)[:per_category]:
            proposals.append(Proposal(ADD, code, word, None, weight, support))
    return proposals


def _weight_changes(config: Config, base: Classifier,
                    corrections: Sequence[Correction]) -> list[Proposal]:
    lower: Counter[tuple[str, str]] = Counter()
    lift: Counter[tuple[str, str]] = Counter()
    for c in corrections:
        got = base.classify(c.text)
        if got.category == c.after:
            continue
        words = {(e.target, e.word) for e in got.evidence if e.source == KEYWORD}
        lower.update(k for k in words if k[0] == got.category)
        lift.update(k for k in words if k[0] == c.after)
    proposals = []
    for (code, word), n in lower.most_common():
        w = config.categories[code].keywords.get(word)
        if w is not None:
            proposals.append(Proposal(LOWER, code, word, w, round(w * LOWER_FACTOR, 2), n))
    for (code, word), n in lift.most_common():
        w = config.categories[code].keywords.get(word)
        if w is not None:
            proposals.append(Proposal(RAISE, code, word, w, w + RAISE_BY, n))
    return sorted(proposals, key=lambda p: -p.support)


def _typical_weight(weights: Iterable[float]) -> float:
    """A new keyword weighs what the category's keywords usually weigh (to the half)."""
    values = [float(w) for w in weights]
    return round(median(values) * 2) / 2 if values else 1.0
