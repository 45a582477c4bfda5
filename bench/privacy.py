"""The cost of masking personal data against plain jieba.lcut on the same messages.

    python bench/privacy.py [--rounds N]

Messages are read at run time from ../shared/corpus/govboard-community.jsonl (208 real, long
messages full of names and numbers); without it the bench says so and exits. Reported: the
time to mask all of them with bot.domain.privacy.mask_personal, and that time ÷ jieba.lcut's time on
the same messages (masking cuts the text with jieba's part-of-speech tagger, which is slower
than plain cutting, and runs its own patterns). Best of N rounds of each, alternating which
goes first. Always exits 0.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jieba  # noqa: E402

from bot.config import load_config  # noqa: E402
from bot.domain.privacy import mask_personal, public_words  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "govboard-community.jsonl"


def time_once(fn: Callable[[str], object], messages: list[str]) -> float:
    start = time.perf_counter()
    for text in messages:
        fn(text)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    args = parser.parse_args(argv)
    if not CORPUS.exists():
        print(f"no corpus at {CORPUS}: nothing to measure")
        return 0
    with CORPUS.open(encoding="utf-8") as lines:
        messages = [json.loads(line)["text"] for line in lines if line.strip()]
    keep = public_words(load_config())
    print(f"{len(messages)} messages, {sum(map(len, messages))} characters, from {CORPUS}")

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    for text in messages:  # warm-up: dictionaries, HMM tables, compiled patterns
        jieba.lcut(text)
        mask_personal(text, keep=keep)

    plain: list[float] = []
    masked: list[float] = []
    pair: list[tuple[list[float], Callable[[str], object]]] = [
        (plain, jieba.lcut), (masked, lambda t: mask_personal(t, keep=keep))]
    for i in range(max(1, args.rounds)):
        for bucket, fn in pair if i % 2 == 0 else list(reversed(pair)):
            bucket.append(time_once(fn, messages))
    print(f"jieba.lcut     {min(plain) * 1000:8.1f} ms for all (best of {len(plain)})")
    print(f"mask_personal  {min(masked) * 1000:8.1f} ms for all (best of {len(masked)}), "
          f"{min(masked) / len(messages) * 1000:.2f} ms a message")
    print(f"ratio mask/lcut = {min(masked) / min(plain):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
