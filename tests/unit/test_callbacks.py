"""Button data never exceeds Telegram's 64 bytes: the largest arguments every action takes
still fit, and anything longer is refused before it could reach Telegram."""

from __future__ import annotations

import pytest

from bot.texts import fit
from bot.texts.callbacks import ACTIONS, MAX_BYTES, encode, parse

LARGEST = {"n": 10**15 - 1, "c": "x" * 32, "s": "x" * 8}  # the most parse accepts of each


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_the_largest_arguments_of_every_action_fit(action: str) -> None:
    data = encode(action, *(LARGEST[kind] for kind in ACTIONS[action]))
    assert len(data.encode()) <= MAX_BYTES == fit.DATA_LIMIT
    press = parse(data)
    assert press is not None and press.action == action


def test_longer_data_is_refused_when_made_and_when_read() -> None:
    with pytest.raises(ValueError):
        encode("d.setcat", 1, "x" * 60)  # 71 bytes
    with pytest.raises(ValueError):
        encode("t.tri", 1, "类别")  # not a code: would be multi-byte
    assert parse("d.setcat:1:" + "x" * 60) is None
    assert parse("t.acc:" + "1" * 70) is None
