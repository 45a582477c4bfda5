"""The failure classes dev6.jsonl showed (issue 11), each in words of this file's own (not from
the labelled sets): emergencies the rules missed, look-alikes they flagged, and two reading
mistakes (a homophone mended across a word the rules know, 消防通道口 read as a doorway)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.classify import Classifier
from bot.config import load_config


@pytest.fixture(scope="module")
def classifier() -> Iterator[Classifier]:
    yield Classifier(load_config())


URGENT = [
    # someone down whom the helper cannot lift
    "我妈从沙发上滑到地上了，我一个人扶不动她",
    "老爸在卫生间昏过去了，怎么叫都没用",
    # smoke seeping in or coming out, told plainly
    "走廊里不知道谁家在烧东西，烟从门缝里往屋里钻",
    "对门屋里有烟出来，敲门没人开",
    # a lift running with its doors open
    "三号楼的电梯开着门就往下走，里面还站着人",
    # a child who has not come home, a child on electrical equipment
    "儿子补习班六点就下课了，现在九点了还没到家，电话关机",
    "小区东门有个男孩爬到变压器上面去了",
    # a crack with a bang, tools as weapons, a head bleeding
    "楼梯间墙上那道缝刚才咔嚓一声，整栋楼都震了一下",
    "两个司机吵架，一个拎着扳手要砸人",
    "楼下打架了，有个人头上出血了",
    # alarms named in English
    "301 smoke alarm响个不停，楼道里有焦味",
    # found by probing after dev6: half-answers, a confused elder, chemicals swallowed,
    # someone inside what was crushed, a cry for help, a threat with gas, a hand in a machine
    "我爸刚才吐了一地，现在叫他也不太应",
    "有个老爷爷在超市门口站了半天，问他住哪都说不清",
    "孩子误喝了洗衣粉泡的水",
    "广告牌砸在一辆面包车上，车里好像有人",
    "楼下传来呼救声，是个老人的声音",
    "我弟把自己关在屋里说要开煤气",
    "小孩的手卷进搅拌机里了",
    "我奶奶哮喘犯了，喷雾用完了",
    "有个小伙在湖里抽筋了在喊",
    "三楼的老大爷从楼梯上滚下来了",
    "车库有辆车一直发动着，里面的人敲车窗也没反应",
    "地下车库的水没过膝盖了",
    "隔壁单元楼着了，火贼大",
    "断了的电线掉在水坑里，边上有孩子",
    "我被锁在楼顶平台上下不来了",
    "风把楼上的瓦吹下来了，下面有人在走",
]

CALM = [
    # a device named after the hazard it warns of
    "燃气泄漏报警器多少钱一个，社区统一装吗",
    # a thing broken by dropping it
    "我爸把手机摔坏了，想找人教他用新手机",
    # flue back-draught and sewage spill: nuisances
    "厨房烟道总倒灌，一做饭满屋油烟味",
    "化粪池满了，污水漫到人行道上，太臭了",
    # pests killed
    "家里蟑螂太多，昨晚打死好几只",
    # the outcome told: over
    "前晚车棚着火了，消防来得快，没人受伤，就是车棚烧黑了",
    # is this normal?
    "热水器打火的时候有点煤气味，过一会就没有了，这样正常吗",
    # a smoke alarm chirping for its battery
    "烟感一直滴滴响，是不是要换电池了",
    # illness and falls told as past or as worry
    "我爸前年中风了，现在恢复得不错，想参加老年大学",
    "怕孩子哪天从阳台掉下去，想装个防护网",
    "去年隔壁楼着了一回，现在楼道还是黑的",
    "钥匙锁在屋里了，进不去，想找个开锁的",
]


@pytest.mark.parametrize("text", URGENT)
def test_emergencies_of_the_dev6_classes_are_urgent(classifier: Classifier, text: str) -> None:
    assert classifier.classify(text).urgent, text


@pytest.mark.parametrize("text", CALM)
def test_look_alikes_of_the_dev6_classes_are_calm(classifier: Classifier, text: str) -> None:
    result = classifier.classify(text)
    assert not result.urgent, (text, result.urgent_matched)


def test_a_word_the_rules_know_keeps_a_homophone_from_being_mended(
        classifier: Classifier) -> None:
    """交防溺水承诺书: 防溺水 is a word the rules know, so 交防 is not 交房 mistyped."""
    text, rewrites = classifier.normalise("学校让交防溺水承诺书")
    assert "防溺水" in text and not rewrites


def test_a_passage_before_kou_is_still_the_passage(classifier: Classifier) -> None:
    """Only a door followed by 口 is a place (单元门口); 消防通道口 is still the fire lane."""
    assert classifier.classify("有辆车天天停在消防通道口").category == "parking"


@pytest.mark.parametrize(("text", "kind"), [
    ("残疾证年审怎么申请", "wish"),
    ("老年证办理要带什么材料", "wish"),
    ("暖气费交到哪天截止", "wish"),
])
def test_questions_to_the_office_are_wishes(classifier: Classifier, text: str,
                                            kind: str) -> None:
    assert classifier.classify(text).kind == kind


@pytest.mark.parametrize(("text", "category"), [
    ("想报个剪纸班", "culture"),
    ("接到电话说我儿子出车祸了让我转钱", "other"),
    ("有人把自行车棚改成了小卖部", "construction"),
])
def test_categories_of_the_dev6_classes(classifier: Classifier, text: str,
                                        category: str) -> None:
    assert classifier.classify(text).category == category
