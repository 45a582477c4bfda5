"""The failure classes session clf7 found by probing the classifier in fresh words (issue 11):
emergencies told loosely or in words no rule had, look-alikes it flagged (also in the bodies of
real letters), an alarm's own lean to safety, and two kind classes. One or two messages of
each class, written for this file (none is in a labelled set)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.classify import Classifier
from bot.classify.result import ALARM
from bot.config import load_config


@pytest.fixture(scope="module")
def classifier() -> Iterator[Classifier]:
    yield Classifier(load_config())


URGENT = [
    # a burning or rotten-egg smell told with 的/像, not as one word
    "我闻到楼道里有烧焦的味道，越来越浓，好像是从四楼出来的",
    "刚下班回来一开门满屋子都是那个味道，像臭鸡蛋，我不敢开灯",
    # a person falling from a height
    "隔壁那家装修的工人从窗户外面的架子上掉下去了，躺在下面",
    # a bang and what it did; things blown apart or burning by themselves
    "刚才一声巨响，楼都晃了，对面楼有一户窗户炸飞了",
    "电动车在楼道里自燃了",
    # a lift stopped midway with someone inside
    "我婆婆坐电梯下楼，电梯半道停了，她在电话里说里面黑乎乎的",
    # a child by open electrical equipment; 闺女 as a child; a child gone
    "两个小孩在变电箱那边玩，门开着，里面嗡嗡响",
    "有个男的一直跟着我家闺女，从学校跟到小区里，现在在楼下转",
    "我家娃从学校出来就没影了，到现在两个小时了",
    # an elder gone: not found, out past dark with the phone off
    "我妈有点痴呆，刚才开门自己走了，找了一圈没找到",
    "我爷爷中午出门说去公园，现在天都黑了，手机关机，他有点糊涂",
    # pills by the handful; someone on a window ledge or a roof walking to the edge
    "孩子把妈妈的降压药吃了好几片",
    "十楼窗台上站着个人",
    "二单元天台上有人在哭，一直往外边走",
    # half a body outside; a fit with fever; a beating; a break-in now; a scald
    "有个老奶奶在窗户外面晾衣服的架子上，半个人在外面",
    "我家宝宝高烧抽过去了，眼睛往上翻",
    "刚才有人在楼下对着一个老太太拳打脚踢",
    "我一个人在家，听见有人在撬我家门",
    "孩子在家里碰翻了热水壶，烫伤了一大片",
    # fire told as 冒出火; smoke rising; a boiler spewing steam; 着伙 typed for 着火
    "电动车充电时候冒出火了，在楼道里",
    "地下室有人在烧东西取暖，烟一直往上冒，楼道里好呛",
    "锅炉房往外喷蒸汽，旁边有人",
    "楼到里着伙了",
    # fuel in a puddle; someone slipping into water; a car sunk with people inside
    "停车场那边有辆车一直在漏油，地上一大滩，还有人在旁边抽烟",
    "有个老人在小区池塘边滑下去了，抓着边上的草",
    "二号楼后面的小河涨水了，一个老人的电动三轮被冲进水里，人还在里面",
    # water into a lamp; blood under someone lying there; a child shut out on a balcony
    "另外现在我家楼上在往下渗水，越来越多，顺着电灯往下流，灯一闪一闪的",
    "我们楼下 有个人 趴在地上 好像是喝多了 但是 头底下有血",
    "隔壁单元有个孩子被关在阳台上，外面下着大雨，家里没人",
    # gas in English
    "hello 我是3栋1202的租客，厨房gas味道很重，我不会关阀门",
    # found by a last blind probe: breath failing told other ways, a strong fuel smell, vomiting on
    "我外婆一个人在家，刚才打电话说上不来气",
    "车库里一股很冲的汽油味，有人在里面",
    "我爸刚才头疼，站都站不稳，一直在吐",
]

CALM = [
    # past experience told with 过, counts of times, 前天, 后来 and outcomes
    "电梯半路停过好几次，物业说修了",
    "前天夜里对面楼着火了，消防车来了好几辆，今天楼道还是一股味",
    "昨天下午有个老人在小区门口晕倒，后来家属接走了",
    "昨晚暴雨，小区门口积水到小腿，今天退了",
    "电梯困人那次物业处理得挺快，点个赞",
    # hearsay
    "孩子说学校有同学打架流血了，家长群里都在说",
    # nuisance smoke and sparks
    "有人在楼下烧树叶，烟好大，呛人",
    "工地晚上施工，电焊火花乱溅，吵得睡不着",
    "楼下烤串的炭火烟太大了，熏得不能开窗",
    # service and what-to-do questions
    "电瓶车电池鼓包了，能去哪换",
    "老人摔倒了社区有什么上门服务吗",
    "我想问问，家里着火了应该先干什么",
    "我们楼的消防通道锁着，着火了怎么逃",
    "河边的护栏坏了一截，小孩子掉下去怎么办",
    "隔壁装修把承重墙砸了，不知道有没有问题",
    # a blocked drain overflowing; said not to be serious
    "下水道堵了，水漫到厨房地上了",
    "我家下水管裂了一道缝，往外渗水，不严重",
    # an injury healing; a wish for somewhere cool
    "我爸摔伤了腿在家休养，想请社区帮忙买菜",
    "天太热了，老人在家中暑了怎么办，社区有没有避暑的地方",
    # a rant; a stove's flame colour; a device named after a fall
    "救命啊，物业费又涨了，还让不让人活了",
    "家里的煤气灶火苗发黄，是不是要清理了",
    "社区有没有那种老人摔倒报警的手环",
    # found in real letters' bodies: figurative, A-not-A, now and then, the rainy season
    "开发商就是往死里宰业主，证件不齐就通知收房",
    "爷爷奶奶去接送孩子认不认得路也不知道",
    "南风季节油脂厂方向时有一股怪味吹来，让人恶心",
    "这边地势低洼，雨季则臭水倒灌，夏季则臭气四溢",
    # cooking explains a burning smell; a crooked queue
    "楼道里一股焦糊的味道，下去一看是一楼在炒辣椒",
    "排队处没有栏杆隔离，排的队歪歪斜斜、混乱无比",
]


@pytest.mark.parametrize("text", URGENT)
def test_emergency_is_urgent(classifier: Classifier, text: str) -> None:
    got = classifier.classify(text)
    assert got.urgent, (text, got.hedged, got.scores)


@pytest.mark.parametrize("text", CALM)
def test_look_alike_is_not_urgent(classifier: Classifier, text: str) -> None:
    got = classifier.classify(text)
    assert not got.urgent, (text, got.urgent_matched)


@pytest.mark.parametrize(("text", "category"), [
    # told only as the danger: safety, not other or the object named in passing
    ("后坡的泥石流冲下来了，泥浆往一楼屋里灌", "safety"),
    ("楼顶边上坐着一个小伙子，腿搭在外面晃", "safety"),
    # a named thing still decides
    ("电梯卡在七楼八楼之间，我和我闺女在里面，按了对讲没人理", "repairs"),
    ("我爸有阿尔茨海默，下午出去到现在没回来", "elderly"),
])
def test_alarm_leans_to_safety(classifier: Classifier, text: str, category: str) -> None:
    got = classifier.classify(text)
    assert got.urgent
    assert got.category == category, got.scores


def test_alarm_category_evidence(classifier: Classifier) -> None:
    got = classifier.classify("后坡的泥石流冲下来了")
    leaning = [e for e in got.evidence if e.source == ALARM and e.target == "safety"]
    assert [e.word for e in leaning] == ["泥石流"]
    assert "泥石流" not in got.matched  # matched keeps keywords and category situations


@pytest.mark.parametrize(("text", "kind"), [
    ("周末的亲子活动太棒了，孩子玩得可开心了", "suggestion"),
    ("今晚的社区联欢会太精彩了", "suggestion"),
    ("周六能盖章不？", "wish"),
    ("楼道里那个坏灯修了没？", "wish"),
])
def test_kind_classes(classifier: Classifier, text: str, kind: str) -> None:
    assert classifier.classify(text).kind == kind
