"""A classification's evidence as short plain-Chinese reasons a coordinator can read.

Stored on the draft and the ticket (`matched`), shown on the triage notice and the urgent
alert: "电梯+出不来 → 紧急", "楼道灯 ×2 → 设施维修", "去年…着火 → 不算紧急". Compact on
purpose: a ticket keeps a handful of these, never the scores or the whole evidence.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import texts
from bot.classify.result import ALARM, HEDGE, KEYWORD, SITUATION, Classification

# At most this many reasons are kept per ticket: the strongest first.
MAX_REASONS = 8


def reasons(result: Classification, category_name: Callable[[str], str]) -> tuple[str, ...]:
    """Urgent words first (they decide who is woken), then hedges that kept an alarm from
    flagging, then the words behind each category, the winning category first."""
    urgent: list[str] = []
    hedges: list[str] = []
    # (word, category) -> [count, weight], in text order
    words: dict[tuple[str, str], list[float]] = {}
    for e in result.evidence:
        if e.source in (ALARM, SITUATION) and e.target == "urgent":
            urgent.append(texts.REASON_URGENT.format(word=e.word))
        elif e.source == HEDGE:
            hedges.append(texts.REASON_HEDGED.format(hedge=e.word, word=e.rule))
        elif e.source in (KEYWORD, SITUATION, ALARM) and e.target != "urgent":
            tally = words.setdefault((e.word, e.target), [0, 0.0])
            tally[0] += 1
            tally[1] += e.weight
    order = {code: i for i, code in enumerate(
        sorted(result.scores, key=lambda c: (c != result.category, -result.scores[c])))}
    ranked = sorted(words.items(), key=lambda kv: (order.get(kv[0][1], 99), -kv[1][1]))
    category = [
        texts.REASON_CATEGORY.format(
            word=word, times=texts.REASON_TIMES.format(n=int(n)) if n > 1 else "",
            category=category_name(code))
        for (word, code), (n, _weight) in ranked
    ]
    out = list(dict.fromkeys((*urgent, *hedges[:2], *category)))
    return tuple(out[:MAX_REASONS])
