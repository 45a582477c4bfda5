"""A facility named generically, split from the compound keyword the rules know (楼道灯 →
楼道里的灯, 单元门 → 单元门口的门), with a broken state near it, is a repair. Sentences of this
file's own, not from the labelled sets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.classify import Classifier
from bot.config import load_config


@pytest.fixture(scope="module")
def classifier() -> Iterator[Classifier]:
    yield Classifier(load_config())


REPAIRS = [
    # a generic object + a broken state, close together
    "楼道里的灯坏了",
    "楼道里的灯坏了好几天了，晚上黑乎乎的",
    "三楼拐角的灯坏了一个礼拜了，晚上上楼摸黑",
    "车库入口的灯不亮了",
    "单元门口的灯一闪一闪的",
    "家门口的锁坏了，钥匙插不进去",
    "我们单元的门锁不上了",
    "楼下的水管漏了，地上全是水",
    "院子里的水管冻裂了",
    "厨房外面那根管子堵了，水下不去",
    "二楼的窗户玻璃裂了",
    "楼梯上的扶手松了，老人不敢扶",
    "路口的井盖松了，一踩就响",
    "小区门口的栏杆断了一截",
    "活动室的灯管不亮",
    "水房的龙头关不紧，一直滴",
    "地下室的排水管堵了",
    "走廊尽头的窗关不上，风呼呼往里灌",
    "院里的路灯杆上那盏灯掉了",
    "一楼大厅的开关失灵了",
    "单元的对讲门坏了好几天",
    # a location + 的 + the object, with the fault told in other words
    "五号楼楼梯间的灯天天黑着",
    "老楼后面的下水管又堵上了",
]

# The same objects without a fault, or a fault of something that is no facility: not a repair
# by these words alone.
NOT_REPAIRS = [
    ("门口的垃圾堆了好几天没人收", "sanitation"),
    ("楼下的狗叫了一晚上", "disputes"),
    ("我家门口的鞋柜被邻居扔了", None),
]


@pytest.mark.parametrize("text", REPAIRS)
def test_a_split_facility_with_a_fault_is_a_repair(classifier: Classifier, text: str) -> None:
    result = classifier.classify(text)
    assert result.category == "repairs", (text, result.scores)


@pytest.mark.parametrize(("text", "expected"), NOT_REPAIRS)
def test_a_facility_word_alone_does_not_make_a_repair(
        classifier: Classifier, text: str, expected: str | None) -> None:
    result = classifier.classify(text)
    if expected is not None:
        assert result.category == expected, (text, result.scores)
    else:
        assert result.category != "repairs" or result.scores.get("repairs", 0) < 3, \
            (text, result.scores)
