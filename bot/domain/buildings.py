"""Which of a community's buildings a resident's text names (3号楼门口的下水道堵了).

A resident is saved with the building they live in, but a matter may be at another one: the
building the text names is the draft's. Each building is named by its configured name, its
aliases, and for names like 3号楼 the ways people write them (3栋, 3幢, 三号楼, 三栋). A number
inside a longer one does not count (3号楼 is not in 13号楼); a text naming two buildings names
none (which one is the matter's is for the resident to pick).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NUMBERED = re.compile(r"^(\d{1,2})(?:号楼|栋|幢|号)$")
_DIGITS = "零一二三四五六七八九"
_NUMERALS = frozenset("零一二三四五六七八九十两")


def spellings(name: str, aliases: Iterable[str] = ()) -> tuple[str, ...]:
    """The ways a text may name the building called `name`."""
    found = [name, *aliases]
    for written in list(found):
        m = _NUMBERED.match(written)
        if m:
            n = int(m.group(1))
            for number in (str(n), _chinese(n)):
                found += [f"{number}号楼", f"{number}栋", f"{number}幢"]
    return tuple(dict.fromkeys(w for w in found if w))


def named_building(buildings: Iterable[tuple[str, Iterable[str]]], text: str) -> str | None:
    """The code of the one building `text` names ((code, spellings) pairs), or None when it
    names none or more than one."""
    named: set[str] = set()
    for code, words in buildings:
        if any(_occurs(word, text) for word in words):
            named.add(code)
    return named.pop() if len(named) == 1 else None


def _occurs(word: str, text: str) -> bool:
    start = text.find(word)
    while start >= 0:
        before = text[start - 1] if start else ""
        if not (word[0].isdigit() and before.isdigit()) and \
                not (word[0] in _NUMERALS and before in _NUMERALS):
            return True
        start = text.find(word, start + 1)
    return False


def _chinese(n: int) -> str:
    """1–99 in Chinese numerals: 3 → 三, 10 → 十, 13 → 十三, 30 → 三十, 35 → 三十五."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return f"{head}十{_DIGITS[ones] if ones else ''}"
