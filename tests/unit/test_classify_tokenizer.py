"""The classifier's faster segmentation gives exactly jieba's words (lcut with HMM=False)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.classify import Classifier
from bot.classify.tokenizer import Tokenizer
from bot.config import load_config

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [ROOT.parent / "shared/corpus/govboard-community.jsonl",
         *(ROOT / "tests/data/classifier" / name for name in ("dev.jsonl", "dev2.jsonl"))]

EDGES = [
    "", " ", "\r\n\r\n", "ab", "3号楼A座\r\n电梯 lift坏了 x1y2 ，。 ", "WiFi密码123456",
    "３号楼２单元", "电梯\t里 面", "🙂楼道灯不亮🙂", "化粪池化粪池化粪池", "a", "楼",
    "1.5米宽的路，停了2辆车", "ＡＢＣ小区", "co2报警器响了", "___", "楼道灯楼到灯电悌",
]


@pytest.fixture(scope="module")
def tokenizer() -> Iterator[Tokenizer]:
    # The classifier's own tokenizer: its keywords joined the dictionary.
    yield Classifier(load_config())._tokenizer


def _texts() -> list[str]:
    texts = list(EDGES)
    for path in TEXTS:
        if path.is_file():
            with path.open(encoding="utf-8") as fh:
                texts += [json.loads(line)["text"] for line in fh if line.strip()]
    return texts


def test_words_are_jiebas(tokenizer: Tokenizer) -> None:
    texts = _texts()
    assert len(texts) > 600
    differ = [t for t in texts if tokenizer.words(t) != tokenizer.lcut(t, HMM=False)]
    assert differ == []


def test_a_word_added_later_counts_at_once() -> None:
    tokenizer = Tokenizer()
    tokenizer.initialize()
    text = "小区的楼到灯坏了"
    assert "楼到灯" not in tokenizer.words(text)  # fragments' probabilities are cached now
    tokenizer.add_word("楼到灯", freq=5000)
    assert "楼到灯" in tokenizer.words(text)
    tokenizer.del_word("楼到灯")
    assert tokenizer.words(text) == tokenizer.lcut(text, HMM=False)
