"""Reproduce the one-time dev/test split of messages.jsonl.

Procedure (run once on 2026-12-07; the test split is frozen):
  1. Read messages.jsonl in file order.
  2. Group the messages into strata by (category, urgent).
  3. One random.Random(20261207); visit the strata in sorted order of
     (category, urgent); within each stratum shuffle the messages (file order
     first) with that generator and put the first round(0.55 * n) into dev,
     the rest into test.
  4. Write dev.jsonl and test.jsonl in id order, each line the same object as in
     messages.jsonl.
A later fix to a message's category or urgency records the old pair in STRATUM_AT_SPLIT,
so rerunning this script carries the fix into the split file without moving anything.

    python tests/data/classifier/split.py          # rewrite dev.jsonl / test.jsonl
    python tests/data/classifier/split.py --check  # exit 1 if the files differ
"""
from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261207
DEV_SHARE = 0.55

# Label fixes made after the split that change a message's category or urgency: id ->
# (category, urgent) as it was on 2026-12-07, so the strata (and so the frozen membership)
# stay as they were. Empty: no such fix yet.
STRATUM_AT_SPLIT: dict[str, tuple[str, bool]] = {}


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def split(messages: list[dict]) -> tuple[list[dict], list[dict]]:
    strata: dict[tuple[str, bool], list[dict]] = defaultdict(list)
    for m in messages:
        key = STRATUM_AT_SPLIT.get(m["id"], (m["category"], bool(m["urgent"])))
        strata[key].append(m)
    rng = random.Random(SEED)
    dev_ids: set[str] = set()
    for key in sorted(strata):
        group = list(strata[key])
        rng.shuffle(group)
        n_dev = round(DEV_SHARE * len(group))
        dev_ids.update(m["id"] for m in group[:n_dev])
    ordered = sorted(messages, key=lambda m: m["id"])
    dev = [m for m in ordered if m["id"] in dev_ids]
    test = [m for m in ordered if m["id"] not in dev_ids]
    return dev, test


def dumps(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main(argv: list[str]) -> int:
    dev, test = split(load(HERE / "messages.jsonl"))
    want = {"dev.jsonl": dumps(dev), "test.jsonl": dumps(test)}
    if "--check" in argv:
        bad = [name for name, text in want.items()
               if not (HERE / name).exists() or (HERE / name).read_text(encoding="utf-8") != text]
        if bad:
            print("differs from split.py:", ", ".join(bad))
            return 1
        print(f"ok: dev {len(dev)}, test {len(test)}")
        return 0
    for name, text in want.items():
        (HERE / name).write_text(text, encoding="utf-8")
    print(f"wrote dev {len(dev)}, test {len(test)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
