"""What a classification says, and why: every number in it comes from a listed Evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from bot import texts

# Evidence.source values.
KEYWORD = "keyword"  # a [categories.X.keywords] word: adds weight × position to category X
SITUATION = "situation"  # a [[classifier.situations]] rule: object + state within a window
# an urgent word (urgent_words): flags "urgent", and adds alarm_weight to alarm_category
ALARM = "alarm"
HEDGE = "hedge"  # a hedge that kept an alarm or urgent situation from flagging the message
KIND = "kind"  # a kind word or weighted kind phrase
REPLACE = "replace"  # a typo or dialect word replaced before matching


class Evidence(NamedTuple):
    """One rule that fired. `target` is a category code, "urgent" or a kind code; `weight` is
    what it added (already multiplied by the position weight of its sentence); `rule` names
    the situation, the hedge's alarm, or the replacement. A tuple: cheap to make per hit."""

    source: str
    word: str
    target: str
    weight: float = 0.0
    rule: str = ""

    def as_dict(self) -> dict[str, object]:
        return dict(self._asdict())


@dataclass(frozen=True)
class Classification:
    category: str
    category_name: str
    kind: str
    urgent: bool
    # Keywords and category situations ("电梯+出不来") in text order, each once.
    matched: tuple[str, ...]
    # Alarm words and urgent situations that flagged the message (empty when not urgent).
    urgent_matched: tuple[str, ...]
    kind_matched: tuple[str, ...]
    scores: dict[str, float] = field(default_factory=dict)
    # A fair second category (the runner-up when close), or None. Never makes a wrong primary right.
    also: str | None = None
    # Alarms a hedge lowered: "去年:着火" (hedge:alarm).
    hedged: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "category": self.category,
            "category_name": self.category_name,
            "also": self.also,
            "kind": self.kind,
            "kind_name": texts.KIND_NAMES.get(self.kind, self.kind),
            "urgent": self.urgent,
            "matched": list(self.matched),
            "urgent_matched": list(self.urgent_matched),
            "kind_matched": list(self.kind_matched),
            "hedged": list(self.hedged),
            "scores": dict(self.scores),
            "evidence": [e.as_dict() for e in self.evidence],
        }
