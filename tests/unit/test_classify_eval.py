"""Issue 11's figures, measured on the labelled data (tests/data/classifier) and the corpus."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.classify import Classifier
from bot.classify.evaluate import Report, evaluate, load_labelled, render
from bot.config import load_config

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "classifier"
CORPUS = REPO.parent / "shared" / "corpus" / "govboard-community.jsonl"


@pytest.fixture(scope="module")
def classifier() -> Iterator[Classifier]:
    yield Classifier(load_config())


# dev2 was written by a second writer blind to the rules. Measured before any tuning on it
# (the rules of commit a332050): category 0.761, kind 0.842, urgent recall 0.492 (59 of 120),
# precision 0.908. Its misses, read by class (lifts told as "门不开/不上不下", things giving way
# over people, elders not seen for days, fumes, dogs, manholes, everyday category words), are
# what the rules learnt from it; the figures here are no longer unseen.
@pytest.mark.parametrize(("files", "n"), [
    (("dev.jsonl",), 293),
    (("dev2.jsonl",), 355),
    (("dev.jsonl", "dev2.jsonl"), 648),
], ids=["dev", "dev2", "dev+dev2"])
def test_dev_sets_meet_the_targets(classifier: Classifier, files: tuple[str, ...],
                                   n: int) -> None:
    rows = [row for name in files for row in load_labelled(DATA / name)]
    report = evaluate(classifier, rows)
    summary = "\n".join(render(report, "+".join(files)))
    assert report.n == n
    assert report.category_accuracy >= 0.90, summary
    assert report.kind_accuracy >= 0.85, summary
    assert report.urgent_recall == 1.0, summary
    assert (report.urgent_precision or 0) >= 0.90, summary


@pytest.mark.parametrize(("name", "n", "category", "recall", "precision"), [
    # Tuned on: the floors sit just under what the shipped rules give, so an edit that breaks
    # what was learnt from them fails here. Before any tuning on them (their first, honest
    # measurement): dev3 category 0.800, urgent recall 0.503, precision 0.859; dev4 category
    # 0.812 (emergencies and look-alikes) and 0.760 (everyday), recall 0.700, precision 0.949.
    ("dev3", 596, 0.91, 0.98, 0.98),
    ("dev4", 360, 0.87, 0.98, 0.92),
])
def test_later_dev_sets_stay_where_tuning_left_them(
        classifier: Classifier, name: str, n: int, category: float, recall: float,
        precision: float) -> None:
    report = evaluate(classifier, load_labelled(DATA / f"{name}.jsonl"))
    summary = "\n".join(render(report, name))
    assert report.n == n
    assert report.category_accuracy >= category, summary
    assert report.kind_accuracy >= 0.80, summary
    assert (report.urgent_recall or 0) >= recall, summary
    assert (report.urgent_precision or 0) >= precision, summary


def test_test_split_stays_above_a_floor(classifier: Classifier) -> None:
    # Measured three times, never tuned on (its misses are not printed here or anywhere):
    # at the end of the first rule work (commit 40a3115) category 0.784, kind 0.869, urgent
    # recall 0.579 (22 of 38), precision 0.815; after dev2 (session 4) 0.835 / 0.864 / 0.763 /
    # 0.806; after dev3, dev4 and the homophone rules (session 5) 0.864 / 0.881 / 0.842 (32 of
    # 38) / 0.821. Still below the targets (0.90 / 0.85 / 1.00 / 0.90): the rules fit
    # what they were tuned on better than unseen messages. The floors sit just under the last
    # figures so that an edit that loses generalisation fails here. Never tune on this split;
    # raise the floors only after a new honest measurement.
    report = evaluate(classifier, load_labelled(DATA / "test.jsonl"))
    summary = "\n".join(render(report, "test")[:7])  # the figures, not the misses
    assert report.category_accuracy >= 0.84, summary
    assert report.kind_accuracy >= 0.86, summary
    assert (report.urgent_recall or 0) >= 0.78, summary
    assert (report.urgent_precision or 0) >= 0.78, summary


def test_corpus_labels_meet_the_targets(classifier: Classifier) -> None:
    if not CORPUS.is_file():
        pytest.skip(f"corpus not found at {CORPUS} (the shared/ folder sits beside the repo)")
    report = evaluate(classifier, load_labelled(DATA / "corpus_labels.jsonl", CORPUS))
    summary = "\n".join(render(report, "corpus"))
    assert report.n == 208
    assert report.category_accuracy >= 0.80, summary
    assert report.urgent_share <= 0.01, summary


def test_report_counts(classifier: Classifier, tmp_path: Path) -> None:
    labels = tmp_path / "l.jsonl"
    rows = [
        {"text": "楼道灯坏了", "category": "repairs", "kind": "complaint", "urgent": False},
        {"text": "楼道灯坏了", "category": "parking", "also": "repairs", "kind": "wish",
         "urgent": False},
        {"text": "电梯里困了人出不来", "category": "repairs", "kind": "complaint",
         "urgent": True},
        {"text": "化粪池满了", "category": "parking", "kind": "complaint", "urgent": True},
    ]
    labels.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows),
                      encoding="utf-8")
    report: Report = evaluate(classifier, load_labelled(labels))
    assert (report.n, report.category_right, report.kind_right) == (4, 3, 3)
    assert (report.urgent_recall, report.urgent_precision) == (0.5, 1.0)
    assert report.confusion[("parking", "sanitation")] == 1


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_eval_joins_labels_with_texts(tmp_path: Path) -> None:
    texts_file = tmp_path / "corpus.jsonl"
    texts_file.write_text(json.dumps({"id": "7", "text": "小区垃圾没人清运，臭气熏天"},
                                     ensure_ascii=False), encoding="utf-8")
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"id": "7", "category": "sanitation", "kind": "complaint",
                                  "urgent": False}), encoding="utf-8")
    code, out, _ = run("classify", "--eval", str(labels), "--texts", str(texts_file))
    assert code == 0
    assert "1/1 = 1.000" in out and "sanitation" in out


def test_cli_eval_refuses_a_label_without_text(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"id": "9", "category": "sanitation", "kind": "complaint",
                                  "urgent": False}), encoding="utf-8")
    code, _, err = run("classify", "--eval", str(labels))
    assert code == 2 and "「9」" in err
    assert run("classify", "--texts", str(labels), "x")[0] == 2


def test_jsonl_output_keeps_its_shape_with_also_and_matched(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"text": "电悌里困了人出不来"}, ensure_ascii=False),
                      encoding="utf-8")
    code, out, _ = run("classify", "--jsonl", str(source))
    assert code == 0
    item = json.loads(out)
    assert {"category", "kind", "urgent", "also", "matched"} <= set(item)
    assert item["urgent"] and "电梯" in item["matched"]
