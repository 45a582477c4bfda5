"""Emergencies told as situations, in words of this file's own (not from the labelled sets),
one or two per class the shipped config.toml must read; and look-alikes it must leave calm."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.classify import Classifier
from bot.config import load_config


@pytest.fixture(scope="module")
def classifier() -> Iterator[Classifier]:
    yield Classifier(load_config())


URGENT = [
    # shut in a lift
    "电梯停了，我被关在里面半小时了，按警铃没人理",
    "电梯卡在两层之间不上不下，里面有个老人",
    # something about to fall where people walk
    "快来人，五楼阳台上的花架子要掉下来了，下面有小孩在玩",
    "楼上空调外机摇摇欲坠，下面是小区大门",
    "外墙有碎块往下掉，楼下就是幼儿园门口",
    # a person down, not answering
    "楼下有个老爷爷倒在地上，喊他也没反应",
    "我家老伴洗澡时晕在浴室里，叫不醒",
    "对门阿婆三天没出门了，敲门也不应，屋里没动静",
    # a missing elder
    "我爷爷有老年痴呆，早上出去买菜到现在没回家，电话也打不通",
    "我奶奶走失了，穿着红衣服，有认知障碍",
    # gas, fumes, fuel
    "厨房一股臭鸡蛋味，好像是煤气",
    "屋里烧炭取暖，全家人都头晕想吐",
    "加油车在路边漏油，流了一地",
    # sparks, smoke, wires down
    "配电箱在冒烟，还有噼里啪啦的声音",
    "单元门口那棵大树被风吹断了，砸在电线上",
    # water
    "家里水管爆了，水哗哗往外冒，地上全是水",
    "地下室在漏水，水已经没过脚踝了，还在往上涨",
    # a child in danger
    "有个小孩子爬到窗台外面了，就在3栋6楼",
    "河边有个小孩掉水里了",
    "停车场一辆车里锁着个宝宝，车窗全关着",
    # violence, a person at an edge, animals
    "隔壁两口子打起来了，男的拿着菜刀",
    "有人在楼顶要跳楼",
    "一条大狗在小区里追着人咬，已经咬伤一个",
    # a barrier gone where people are now
    "天台的护栏断了，几个孩子还在上面跑",
    # open manhole
    "路口的井盖被偷了，晚上黑乎乎的看不见",
    # dev5's classes (issue 11), in words of their own: a lift that will not stop, gas heard,
    # smoke pouring out, water spraying in, a shock, flapping cladding, a bending roof, a
    # stranger with a child, a swallowed battery, a person who will not wake, things on fire
    "这部梯子一直往上冲停不住，里面有两个学生",
    "燃气罐的阀门坏了，一直在往外呲，屋里全是那个味",
    "后楼平房窗户里一股一股地往外冒黑烟",
    "主水管断了，水喷到二楼人家阳台里去了",
    "扶着小区铁门手一麻，门边上全是水",
    "楼顶的彩钢瓦被大风掀起来了，一直甩，下面是人行道",
    "车棚顶积雪太厚压弯了，还有人在底下取车",
    "一个不认识的女人拽着个小孩往外跑，孩子一直在哭",
    "孙子把一块磁铁吞了",
    "屋里生了炭盆，老人睡着了怎么叫都不醒",
    "对面阳台晾的被子着了",
    "狂风把活动板房的顶掀翻了，里头还有人",
]

CALM = [
    "电梯里头的灯坏了好几天了",
    "电梯里面很闷，空调也不开",
    "电梯里头贴满了小广告",
    "小区积水漫到脚脖了，每次下雨都这样",
    "孩子放学没回家，原来在同学家写作业，已经接回来了",
    "楼顶的太阳能热水器歪了，怕哪天掉下来",
    "孩子在楼顶平台上玩太危险了，建议把门锁上",
    "小区里的井盖丢了一个，已经用锥桶围起来了",
    "电线杆歪了好多年了",
    "老人在屋里出不来，腿脚不好，想请志愿者帮着下楼晒晒太阳",
    "我妈摔了一跤，已经去医院看过了，没事",
    "社区下个月搞电梯困人应急演练，老人要参加吗",
    "看到朋友圈说别的小区有小孩从窗户掉下去了，不知真假",
    "邻居家的狗咬人，上个月咬了我儿子",
    "想给孩子报个防溺水的课",
    "车库的灯坏了好久，里面一股汽油味",
    "楼下奶奶平时天天下楼散步，今天下雨没出来",
    "小孩在楼顶天台玩，家长也不管",
    "我爸昨天在小区摔了一跤，现在在医院",
    "去年冬天有户人家烧炭取暖，全家头晕进了医院",
    "建议在井盖上装防坠网，免得有人掉下去",
    "电梯老是停在两层中间，里面的人出不去，太吓人了",
    "有只狗老是追着人叫，孩子都不敢下楼",
    "河边没有护栏，孩子们经常在那玩，太危险",
    # dev5's classes: already mended, a worry said after the thing, habits, figures of speech,
    # advice, the aftermath, said not to be urgent, a letter written after the fact
    "前两天楼道里闻到煤气味，燃气公司来查过了，是邻居家阀门没关严",
    "电工昨天来把破了的电线包好了，谢谢",
    "阳台的花盆没固定，怕哪天掉下去砸到人",
    "我家老人老爱站椅子上擦窗户，看着就害怕",
    "垃圾站臭得要熏死人",
    "急得我都冒烟了，物业到底管不管",
    "真着起火来，楼道里这些纸箱子谁也跑不了",
    "暖气管子有点渗水，不急，周末来修就行",
    "冬天烧炭取暖要注意通风，社区能不能宣传一下",
    "我家的狗咬了人，人家让我赔钱，怎么办",
    "我家老人有点健忘，想办个防走失手环",
    "楼下饭店油烟太大了",
    ("尊敬的社区领导：您好！我是5号楼的居民，想反映一位独居老人的情况。她八十多岁，最近两个月"
     "明显糊涂了，有一次把锅烧干了，邻居闻到味道才发现；还有一次出门找不到家。她儿子在外地，"
     "一直联系不上。我们邻居能帮的有限，恳请社区了解一下情况，看看能不能安排上门照护或者"
     "养老机构。此致敬礼！"),
]


@pytest.mark.parametrize("text", URGENT)
def test_an_emergency_told_as_a_situation_is_urgent(classifier: Classifier, text: str) -> None:
    got = classifier.classify(text)
    assert got.urgent, got.as_dict()
    assert got.kind == "complaint"


@pytest.mark.parametrize("text", CALM)
def test_a_look_alike_is_not_urgent(classifier: Classifier, text: str) -> None:
    got = classifier.classify(text)
    assert not got.urgent, got.urgent_matched


@pytest.mark.parametrize(("text", "category"), [
    ("楼道里有只死老鼠，味道很大", "sanitation"),
    ("燃气公司通知明天停气检修", "repairs"),
    ("小区门口那家卖烟花爆竹的离楼太近", "safety"),
    ("有人在绿化带旁边用彩钢板圈地", "construction"),
    ("社区的中秋游园会什么时候办", "culture"),
    ("医保在哪里交", "other"),
    ("卫生间的水龙头坏了", "repairs"),
])
def test_everyday_vocabulary_finds_its_category(
        classifier: Classifier, text: str, category: str) -> None:
    assert classifier.classify(text).category == category
