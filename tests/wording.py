"""Find the bot's messages by their wording without copying it into tests.

`part(template)` is the longest fixed piece of a texts.py template (the text between its
{placeholders}, line by line) that no other string of texts.py contains, so waiting for a
message "containing part(texts.X)" finds an X and nothing else, whatever X says today.
"""

from __future__ import annotations

import re
from functools import cache

from bot import texts


@cache
def _all_strings() -> tuple[str, ...]:
    found: list[str] = []
    for value in vars(texts).values():
        items = value.values() if isinstance(value, dict) else \
            value if isinstance(value, (tuple, list)) else (value,)
        for item in items:
            if isinstance(item, str):
                found.append(item)
            elif isinstance(item, tuple):
                found += [x for x in item if isinstance(x, str)]
    return tuple(found)


def part(template: str) -> str:
    """The longest piece of `template` found in no other texts.py string."""
    pieces = [p for chunk in re.split(r"\{[^{}]*\}", template) for p in chunk.split("\n")]
    others = [s for s in _all_strings() if s != template]
    for piece in sorted({p for p in pieces if p.strip()}, key=len, reverse=True):
        if not any(piece in other for other in others):
            return piece
    raise AssertionError(f"no piece of {template!r} is its own")
