"""How long something took or waited, said one way everywhere (reminders, 督办, the lists)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.texts.render import describe_span


@pytest.mark.parametrize(("span", "words"), [
    (timedelta(0), "1分钟"),  # never "0分钟": something is waiting
    (timedelta(minutes=45), "45分钟"),
    (timedelta(hours=1), "1小时"),
    (timedelta(hours=47, minutes=59), "47小时"),  # two days read better in hours
    (timedelta(days=2), "2天"),
    (timedelta(days=7, hours=23, minutes=30), "7天23小时"),
])
def test_a_span_in_words(span: timedelta, words: str) -> None:
    assert describe_span(span) == words
