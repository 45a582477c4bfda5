"""A labelled set through the classifier: the figures issue 11 is judged by.

Right (decisions.md 1): the primary category equals the label's category or its `also`; the
classifier's own `also` never rescues a wrong primary (how often it gives one is reported).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot import texts
from bot.classify.engine import Classifier
from bot.classify.result import Classification
from bot.config import CATEGORY_CODES


class LabelsError(ValueError):
    """A labels file line cannot be used; the message names the file and the line."""


@dataclass(frozen=True)
class Labelled:
    id: str
    text: str
    category: str
    kind: str
    urgent: bool
    also: str | None = None


def load_labelled(path: str | Path, texts_path: str | Path | None = None) -> list[Labelled]:
    """Lines with text, category, kind, urgent (optional id, also). With `texts_path`, a line
    without text takes it from the texts file's line with the same id: labels of a corpus
    kept elsewhere (ids and labels only) join their texts here."""
    bodies: dict[str, str] = {}
    if texts_path is not None:
        for item in _jsonl(texts_path):
            bodies[str(item.get("id"))] = str(item.get("text", ""))
    items = []
    for number, item in enumerate(_jsonl(path), start=1):
        ident = str(item.get("id", number))
        text = item.get("text")
        if text is None:
            text = bodies.get(ident)
        if not isinstance(text, str):
            raise LabelsError(texts.CLI_EVAL_NO_TEXT.format(path=path, line=number, id=ident))
        try:
            category, kind, urgent = item["category"], item["kind"], item["urgent"]
            also = item.get("also")
            if category not in CATEGORY_CODES or (also is not None and also not in CATEGORY_CODES):
                raise ValueError(f"category {category!r} / also {also!r}")
            if kind not in ("wish", "complaint", "suggestion") or not isinstance(urgent, bool):
                raise ValueError(f"kind {kind!r} / urgent {urgent!r}")
        except (KeyError, ValueError) as exc:
            raise LabelsError(
                texts.CLI_EVAL_BAD_LINE.format(path=path, line=number, error=exc)) from None
        items.append(Labelled(ident, text, category, kind, urgent, also))
    return items


def _jsonl(path: str | Path) -> Iterable[dict[str, object]]:
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise LabelsError(
                    texts.CLI_EVAL_BAD_LINE.format(path=path, line=number, error=exc)) from None
            if not isinstance(item, dict):
                raise LabelsError(texts.CLI_EVAL_BAD_LINE.format(
                    path=path, line=number, error="not a JSON object"))
            yield item


@dataclass
class Report:
    n: int = 0
    category_right: int = 0
    kind_right: int = 0
    also_given: int = 0
    urgent_labelled: int = 0
    urgent_flagged: int = 0
    urgent_hit: int = 0
    # (label, got) -> count; labels are the items' categories, got the primary category.
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)
    # per category: [true positives, predicted, labelled]
    per_category: dict[str, list[int]] = field(default_factory=dict)
    misses: list[tuple[str, Labelled, Classification]] = field(default_factory=list)

    @property
    def category_accuracy(self) -> float:
        return self.category_right / self.n if self.n else 0.0

    @property
    def kind_accuracy(self) -> float:
        return self.kind_right / self.n if self.n else 0.0

    @property
    def urgent_recall(self) -> float | None:
        return self.urgent_hit / self.urgent_labelled if self.urgent_labelled else None

    @property
    def urgent_precision(self) -> float | None:
        return self.urgent_hit / self.urgent_flagged if self.urgent_flagged else None

    @property
    def urgent_share(self) -> float:
        return self.urgent_flagged / self.n if self.n else 0.0


def evaluate(classifier: Classifier, items: Iterable[Labelled]) -> Report:
    report = Report(per_category={code: [0, 0, 0] for code in CATEGORY_CODES})
    for item in items:
        got = classifier.classify(item.text)
        report.n += 1
        right = got.category in (item.category, item.also)
        report.category_right += right
        report.kind_right += got.kind == item.kind
        report.also_given += got.also is not None
        report.urgent_labelled += item.urgent
        report.urgent_flagged += got.urgent
        report.urgent_hit += item.urgent and got.urgent
        # Per category: a right answer counts for the category it named (label or also).
        named = got.category if right else item.category
        key = (named, got.category)
        report.confusion[key] = report.confusion.get(key, 0) + 1
        report.per_category[named][2] += 1
        report.per_category[got.category][1] += 1
        report.per_category[named][0] += right
        if not right:
            report.misses.append((texts.EVAL_MISS_CATEGORY, item, got))
        if got.kind != item.kind:
            report.misses.append((texts.EVAL_MISS_KIND, item, got))
        if item.urgent and not got.urgent:
            report.misses.append((texts.EVAL_MISS_URGENT_MISSED, item, got))
        if got.urgent and not item.urgent:
            report.misses.append((texts.EVAL_MISS_URGENT_FALSE, item, got))
    return report


def _share(value: float | None) -> str:
    return texts.EVAL_NOT_AVAILABLE if value is None else f"{value:.3f}"


def render(report: Report, source: str, excerpt: int = 60) -> list[str]:
    n = report.n or 1
    lines = [
        texts.EVAL_HEADER.format(path=source, n=report.n),
        texts.EVAL_CATEGORY.format(right=report.category_right, n=report.n,
                                   share=report.category_accuracy),
        texts.EVAL_ALSO_GIVEN.format(given=report.also_given, n=report.n,
                                     share=report.also_given / n),
        texts.EVAL_KIND.format(right=report.kind_right, n=report.n, share=report.kind_accuracy),
        texts.EVAL_URGENT.format(
            recall=_share(report.urgent_recall), precision=_share(report.urgent_precision),
            labelled=report.urgent_labelled, flagged=report.urgent_flagged,
            hit=report.urgent_hit),
        texts.EVAL_URGENT_SHARE.format(flagged=report.urgent_flagged, n=report.n,
                                       share=report.urgent_share),
        "",
        texts.EVAL_PER_CATEGORY,
    ]
    for code, (tp, predicted, labelled) in report.per_category.items():
        if predicted or labelled:
            lines.append(texts.EVAL_CATEGORY_LINE.format(
                code=code, precision=_share(tp / predicted if predicted else None),
                recall=_share(tp / labelled if labelled else None), support=labelled))
    codes = [c for c in CATEGORY_CODES if any(c in key for key in report.confusion)]
    short = {c: c[:5] for c in codes}
    lines += ["", texts.EVAL_CONFUSION,
              " " * 15 + "".join(f"{short[c]:>6}" for c in codes)]
    for row in codes:
        cells = "".join(f"{report.confusion.get((row, col), 0) or '.':>6}" for col in codes)
        lines.append(f"  {row:<13}{cells}")
    lines += ["", texts.EVAL_MISSES.format(n=len(report.misses))]
    for what, item, got in report.misses:
        if what == texts.EVAL_MISS_CATEGORY:
            want, have = "/".join(filter(None, (item.category, item.also))), got.category
        elif what == texts.EVAL_MISS_KIND:
            want, have = item.kind, got.kind
        else:
            want, have = str(item.urgent), ",".join(got.urgent_matched) or str(got.urgent)
        text = " ".join(item.text.split())
        lines.append(texts.EVAL_MISS_LINE.format(
            what=what, id=item.id, want=want, got=have,
            text=text[:excerpt] + ("…" if len(text) > excerpt else "")))
    return lines
