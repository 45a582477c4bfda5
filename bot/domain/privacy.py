"""What a group chat or a digest may see of a resident's words: no names, phones, door
numbers, ID cards, WeChat / QQ ids, e-mail addresses or car plates, in whatever form they
are written. Buildings from the config, category words, times and quantities stay.

`mask_personal` is the one entry point; the finders live in bot.domain.privacy_numbers
and bot.domain.privacy_names and return spans, decided here: where two overlap the longer wins, and
none may touch a word the caller keeps (the community's building names).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.domain.privacy_names import name_spans, pos_tokenizer
from bot.domain.privacy_numbers import Span, number_spans

if TYPE_CHECKING:  # only its type: the caller hands the config in
    from bot.config import Config

SUMMARY_LIMIT = 80


def _keep_ranges(text: str, keep: Iterable[str]) -> list[tuple[int, int]]:
    ranges = []
    for word in keep:
        if not word:
            continue
        start = text.find(word)
        while start >= 0:
            ranges.append((start, start + len(word)))
            start = text.find(word, start + 1)
    return ranges


def _apply(text: str, spans: list[Span], keep: Iterable[str] = ()) -> str:
    kept = _keep_ranges(text, keep)
    chosen: list[Span] = []
    # Longest first; among equals the finder listed first wins (phones before doors).
    for span in sorted(spans, key=lambda s: s[0] - s[1]):
        start, end, _ = span
        if end <= start:
            continue
        if any(start < e and s < end for s, e, _ in chosen):
            continue
        if any(start < e and s < end for s, e in kept):
            continue
        chosen.append(span)
    out, pos = [], 0
    for start, end, replacement in sorted(chosen):
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def mask_personal(text: str, *, names: Iterable[str] = (), keep: Iterable[str] = ()) -> str:
    """`text` with every personal detail masked: names → 某某 / 某阿姨 / 姓某, phones →
    138****5678, door, ID and account numbers → ***. `names` are the resident's own names
    (e.g. the Telegram full name), `keep` words that must stay readable (building names)."""
    if not text:
        return text
    return _apply(text, [*number_spans(text), *name_spans(text, names)], keep)


def own_summary(text: str | None, limit: int = SUMMARY_LIMIT) -> str:
    """A short summary of the resident's text for the resident themself (/my), unmasked like
    their preview: it is their own chat, where their message stands just above; masking is
    for what other people read (group posts, decisions and domain.md's privacy)."""
    plain = " ".join((text or "").split())
    return plain if len(plain) <= limit else plain[: limit - 1] + "…"


def public_summary(text: str | None, limit: int = SUMMARY_LIMIT, *, names: Iterable[str] = (),
                   keep: Iterable[str] = ()) -> str:
    """A short, masked summary of the resident's text, safe for the volunteers' group.
    Masked before it is cut, so a cut never leaves half a phone number readable."""
    masked = " ".join(mask_personal(text or "", names=names, keep=keep).split())
    return masked if len(masked) <= limit else masked[: limit - 1] + "…"


def public_words(config: Config) -> tuple[str, ...]:
    """Names from the config that group posts must show as they are: buildings, grids and
    communities are the point of a post, even where they look like a name or a number."""
    words: list[str] = []
    for community in config.communities:
        words.append(community.name)
        for grid in community.grids:
            words.append(grid.name)
            words.extend(b.name for b in grid.buildings)
    return tuple(words)


def prepare() -> None:
    """Load the name tagger's dictionary now (about a second) rather than on the first post."""
    pos_tokenizer()
