"""Which building a resident's text names (bot/domain/buildings.py)."""

from __future__ import annotations

import pytest

from bot.config import load_config
from bot.domain.buildings import named_building, spellings


def _named(text: str) -> str | None:
    community = load_config().communities[0]
    return named_building(((b.code, spellings(b.name, b.aliases))
                           for b in community.buildings()), text)


@pytest.mark.parametrize(("text", "code"), [
    ("3号楼门口的下水道堵了", "b3"),
    ("我们3栋的楼道灯坏了", "b3"),
    ("三号楼后面的垃圾没人收", "b3"),
    ("5幢一单元的门禁坏了", "b5"),
    ("六栋楼下有人乱停车", "b6"),
    ("老粮站那边的路灯不亮", "ly"),
    ("老粮站楼院的水管漏了", "ly"),
    ("安置小区A座电梯又停了", "az1"),
    ("1号楼和2号楼中间的路坑坑洼洼", None),  # two buildings: the resident picks
    ("13号楼的灯坏了", None),  # not 3号楼
    ("十三号楼的灯坏了", None),  # not 三号楼
    ("楼下的路灯不亮了", None),
    ("住3楼，楼道灯坏了", None),  # a floor, not a building
])
def test_the_building_a_text_names(text: str, code: str | None) -> None:
    assert _named(text) == code


def test_spellings_of_a_numbered_building() -> None:
    assert set(spellings("12号楼")) >= {"12号楼", "12栋", "12幢", "十二号楼", "十二栋"}
    assert set(spellings("10号楼")) >= {"十号楼"}
    assert set(spellings("30号楼")) >= {"三十号楼"}
    assert spellings("老粮站楼院", ("老粮站",)) == ("老粮站楼院", "老粮站")
