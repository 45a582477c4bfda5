"""Keyword classifier on messages written the way residents write them."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pytest

from bot.classify import Classification, Classifier
from bot.config import CATEGORY_CODES, Config, load_config

W, C, S = "wish", "complaint", "suggestion"

# (message, category, kind, urgent). Colloquial, dialect (俺/咱/咋/啥/嘛), typos (拉圾, 楼道等,
# 下水到), and a few long rambling ones, as residents type them on a phone.
CASES: list[tuple[str, str, str, bool]] = [
    # ---- sanitation 环境卫生
    ("3号楼下面的拉圾好几天没人收了，臭得很", "sanitation", C, False),
    ("俺们楼道里堆满了杂物，纸箱子破烂啥都有，也没人清理", "sanitation", C, False),
    ("垃圾桶都满出来了，苍蝇蚊子乱飞，咋回事嘛", "sanitation", C, False),
    ("化粪池又满了，粪水流到路上，恶臭", "sanitation", C, False),
    ("小区里老鼠太多了，晚上蟑螂到处爬，能不能搞一次消杀", "sanitation", C, False),
    ("单元门口有人乱扔装修垃圾，已经堆了一个礼拜", "sanitation", C, False),
    ("建议每栋楼下多放几个垃圾桶，做好垃圾分类", "sanitation", S, False),
    ("楼梯扶手上全是灰尘，保洁员好久没来打扫了", "sanitation", C, False),
    ("遛狗的不捡狗屎，草地边上全是狗粪，脏死了", "sanitation", C, False),
    # ---- repairs 设施维修
    ("楼道灯坏了好几天了，晚上黑灯瞎火的，老人下楼不方便", "repairs", C, False),
    ("2单元的楼道等不亮了，麻烦来修一下", "repairs", C, False),
    ("俺家厕所下水到堵了，污水往上反，咋整", "repairs", C, False),
    ("今天又停水了，也不提前通知一下，做饭都没水", "repairs", C, False),
    ("暖气一点都不热，屋里才十二度，老人孩子冻得受不了", "repairs", C, False),
    ("电梯又坏了，天天停运，住18楼的爬上去累死", "repairs", C, False),
    ("单元门禁坏了好久，谁都能进来，监控也不亮", "repairs", C, False),
    ("小区门口路面坑坑洼洼的，下雨全是积水", "repairs", C, False),
    ("楼顶漏雨，墙皮都泡掉了，顶楼住户遭罪", "repairs", C, False),
    ("声控灯不灵了，咳嗽半天都不亮", "repairs", C, False),
    ("希望老楼能加装电梯，爬楼太累了", "repairs", W, False),
    # ---- parking 停车交通
    ("消防通道被私家车堵死了，天天有人乱停", "parking", C, False),
    ("小区车位太少，外来车辆随便进，停车难", "parking", C, False),
    ("门口道闸坏了，抬杆一直抬着，谁都能开进来", "parking", C, False),
    ("有人在公共车位上装地锁，占车位不让别人停", "parking", C, False),
    ("建议在东门多建一个电动车棚，再装几个充电桩", "parking", S, False),
    ("僵尸车停了两年了也没人挪车，占着地方", "parking", C, False),
    ("咱小区门口需要一个减速带，车开得太快了", "parking", W, False),
    ("楼下那辆车天天堵门，打电话让挪车也不理", "parking", C, False),
    # ---- safety 安全隐患
    ("有人从五楼窗户飞线给电瓶车充电，电线就挂在半空", "safety", C, False),
    ("电动车推进电梯上楼充电，太危险了", "safety", C, False),
    ("又有人高空抛物了，西瓜皮从楼上扔下来，差点砸到人", "safety", C, False),
    ("楼道里的灭火器都过期了，消防栓也是空的", "safety", C, False),
    ("配电箱门一直开着，里面电线裸露，小孩子经过很危险", "safety", C, False),
    ("电驴在楼道充电，一旦着火后果不堪设想", "safety", C, False),
    ("最近小区里小偷多，好几家电瓶被盗了，治安太差", "safety", C, False),
    ("建议每个楼道都装烟感，老房子电线老化容易起火", "safety", S, False),
    # ---- disputes 邻里纠纷
    ("楼上天天半夜跺脚，吵得俺睡不着", "disputes", C, False),
    ("楼上漏水到我家，墙都泡了，邻居不承认也不管", "disputes", C, False),
    ("对门养的大狗不拴绳，见人就叫，吓死人了", "disputes", C, False),
    ("隔壁天天打麻将到凌晨两点，吵死了", "disputes", C, False),
    ("邻居把鞋柜放在公共区域，霸占了半个楼道", "disputes", C, False),
    ("楼上空调滴水，滴在我家窗台上叮叮当当的", "disputes", C, False),
    ("楼下音响声音开老大，噪音扰民，说了也不听", "disputes", C, False),
    ("有人在楼顶养鸽子，鸽子屎到处都是还有噪声", "disputes", C, False),
    # ---- greening 绿化美化
    ("楼前那棵大树的树枝都伸到窗户里了，能不能修剪一下", "greening", W, False),
    ("有人把绿化带挖了种菜，还浇粪，太不像话", "greening", C, False),
    ("草坪上杂草长得比人还高，好久没除草了", "greening", C, False),
    ("建议在空地上补种一些花草，美化一下环境", "greening", S, False),
    ("花坛里的树都枯死了，也没人管", "greening", C, False),
    ("后院那块菜地占了公共绿地，大家都有意见", "greening", C, False),
    # ---- construction 私搭乱建
    ("一楼住户私搭了个铁皮房，把过道都占了", "construction", C, False),
    ("顶楼那家在楼顶加盖了一层，这不是违建嘛", "construction", C, False),
    ("举报5号楼有人乱搭乱建，院子里圈地搭棚", "construction", C, False),
    ("底商破墙开店，还拆承重墙，大家都害怕", "construction", C, False),
    ("楼下彩钢房越搭越大，城管来了也不拆", "construction", C, False),
    ("有人把自家阳台外面又扩建了一块，违章搭建", "construction", C, False),
    # ---- property 物业服务
    ("物业费年年涨，服务一点没变好，保安天天睡觉", "property", C, False),
    ("咱们小区啥时候能成立业委会？想换物业", "property", W, False),
    ("投诉物业公司，报修三次都推诿，管家电话打不通", "property", C, False),
    ("维修基金怎么用的，账目从来不公示", "property", C, False),
    ("建议物业每季度把公共收益公开一下", "property", S, False),
    ("开发商交房三年了房产证还没办下来", "property", C, False),
    ("俺们是无物业的老旧小区，楼院想成立自管会", "property", W, False),
    # ---- elderly 养老助残
    ("隔壁独居老人腿脚不便，想请志愿者上门理发", "elderly", W, False),
    ("俺爹坐轮椅，出门没有无障碍坡道", "elderly", W, False),
    ("社区能不能办个老年食堂，给老人助餐", "elderly", W, False),
    ("楼里的空巢老人生病了没人陪诊", "elderly", W, False),
    ("王大爷是残疾人，想要一个新拐杖", "elderly", W, False),
    ("我家老太太耳朵背，想申请个助听器", "elderly", W, False),
    ("建议社区开展居家养老服务，给高龄老人送餐", "elderly", S, False),
    # ---- children 儿童关爱
    ("孩子放学没人接，爸妈都上班，希望有个四点半课堂", "children", W, False),
    ("楼上的留守儿童想要一个新书包和文具", "children", W, False),
    ("娃作业不会写，俺们大人也不会，想找个志愿者辅导作业", "children", W, False),
    ("暑假孩子们没地方去，能不能办个托管班", "children", W, False),
    ("单亲妈妈带两个娃，孩子想要几本课外书", "children", W, False),
    ("小区的滑滑梯坏了，孩子玩的时候划破了手", "children", C, False),
    # ---- culture 文体活动
    ("小区的健身器材坏了一半，也没人来修", "culture", C, False),
    ("希望活动室周末也能开门，老人想下棋打乒乓球", "culture", W, False),
    ("广场上能不能多放几个长椅，走累了没地方坐", "culture", W, False),
    ("建议社区办个书法兴趣班", "culture", S, False),
    ("咱们社区啥时候能再放一次露天电影啊，上次的挺好的", "culture", W, False),
    ("想组织一个合唱团，需要一个排练的活动室", "culture", W, False),
    # ---- hardship 困难帮扶
    ("家里是低保户，老公生病住院，医药费实在交不起", "hardship", W, False),
    ("俺下岗好几年了没工作，想参加就业培训", "hardship", W, False),
    ("邻居家孩子得了白血病，家里困难，能不能帮扶一下", "hardship", W, False),
    ("困难家庭冬天没有棉被，希望社区慰问一下", "hardship", W, False),
    ("失业了找工作难，社区有没有公益岗", "hardship", W, False),
    ("建议给特困户多发点米面油", "hardship", S, False),
    # ---- other 其他
    ("你好，请问社区办公室几点下班", "other", W, False),
    ("谢谢你们上次帮忙", "other", S, False),
    ("哈哈哈", "other", C, False),
    ("请问户口迁移去哪里办理", "other", W, False),
    # ---- urgent 紧急
    ("救命！电梯里困了人，按铃没人应", "repairs", C, True),
    ("5号楼电梯卡住了里面有人，快来", "repairs", C, True),
    ("电梯卡住了里面有老人，喊了半天", "repairs", C, True),
    ("俺妈被关在电梯里出不来了", "repairs", C, True),
    ("楼道里一股煤气味，好大的味儿", "safety", C, True),
    ("二单元燃气泄漏了，闻着好冲", "safety", C, True),
    ("厨房天然气管子漏了，有股味", "safety", C, True),
    ("三楼着火了！冒黑烟", "safety", C, True),
    ("楼下车棚起火了，电瓶车烧起来了", "safety", C, True),
    ("楼道配电箱冒火花了，噼里啪啦的", "safety", C, True),
    ("电线杆上的电线打火了", "safety", C, True),
    ("车库顶塌了一块，差点砸着人", "parking", C, True),
    ("小区围墙倒塌了，砖头砸到人了", "safety", C, True),
    ("地下室水管爆了，水哗哗往外喷，都淹了", "repairs", C, True),
    ("楼上水管爆裂，俺家天花板往下灌水", "repairs", C, True),
    ("隔壁独居老人摔倒了起不来，快来人", "elderly", C, True),
    ("王奶奶在楼梯上摔了一跤，起不来了", "elderly", C, True),
    ("楼下有个老人晕倒了，已经打了120", "elderly", C, True),
    ("有人要跳楼，就在6号楼楼顶", "construction", C, True),
    ("电箱冒烟了，一股烧焦味", "safety", C, True),
    ("小孩掉进化粪池了，快来", "sanitation", C, True),
    ("出大事了，地面塌陷出一个大坑", "safety", C, True),
    # ---- look-alikes: not urgent
    ("老人上下楼困难，希望加装电梯", "repairs", W, False),
    ("电梯按钮坏了，关门很慢", "repairs", C, False),
    ("燃气费太贵了，能不能便宜点", "safety", W, False),
    ("建议组织一次消防演练，教大家用灭火器", "safety", S, False),
    ("楼梯结冰了，老人容易摔倒，撒点盐吧", "safety", C, False),
    ("电动车楼道充电，存在火灾隐患", "safety", C, False),
    ("家里困难，孩子被困扰了很久，想找人心理辅导", "children", W, False),
    ("水管有点滴水，不着急，有空来看看", "repairs", C, False),
    ("邻居真缺德，天天把垃圾扔在楼道里", "sanitation", C, False),
    ("楼道里有小孩玩打火机，家长也不管", "children", C, False),
    ("小区里禁止明火，烧纸的人太多了", "safety", C, False),
    ("家里缺个轮椅，老伴腿脚不好", "elderly", W, False),
    ("插座烧黑了，一股焦糊味", "safety", C, True),
    # ---- long, rambling
    (
        "您好社区领导，俺是老粮站楼院的，想反映个事。俺们这院子没有物业，前几年还有个看门的"
        "大爷，现在也没了。垃圾堆在院子角上一个礼拜都没人清运，夏天一到臭得不行，苍蝇老鼠都有"
        "，楼道里也堆满了杂物，谁家的破烂都往那放。俺们几个老街坊也说过好几回，可没人牵头。"
        "麻烦社区给联系一下，看看能不能定期派人来收拉圾，谢谢了。",
        "sanitation", C, False,
    ),
    (
        "领导你好，我家住6号楼3单元顶楼，这几年一下雨屋顶就漏雨，墙皮一块一块往下掉，"
        "找过物业，物业说顶楼防水不归他们管，让找维修基金，维修基金又说要三分之二业主签字，"
        "签了半年也没凑齐，现在卧室墙上全是霉，孩子都过敏了，到底谁来修？",
        "repairs", C, False,
    ),
    (
        "我是双报到的党员，平时在单位上班，周末有空。看到咱们社区有好几位独居老人，"
        "有的腿脚不便，有的耳背，子女都不在身边。我想组织几个志愿者每周上门探访一次，"
        "帮老人理发、陪聊，顺便看看家里水电安全，不知道社区能不能帮忙对接一下名单？",
        "elderly", W, False,
    ),
    (
        "建议：咱们小区电动车越来越多，可只有一个小车棚，很多人只能把电瓶车推上楼，"
        "还有人从窗户拉线充电，真出事就晚了。能不能在北门空地上建个车棚装上充电桩，"
        "按小时收点电费，大家都愿意，也能把楼道清出来。",
        "safety", S, False,
    ),
]


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config()


@pytest.fixture(scope="module")
def classifier(config: Config) -> Iterator[Classifier]:
    yield Classifier(config)


# These cases were written from the first keyword lists, so they measure fit, not generalisation
# (tests/data/classifier does that). Since issue 11 they follow the labelled data's conventions
# (an emergency is a complaint; a question to the office a wish; thanks feedback) and must stay
# mostly right; measured 116 of 124 when the situation rules came in.
MIN_CASES_RIGHT = 0.9


def test_realistic_messages(classifier: Classifier) -> None:
    wrong = []
    for text, category, kind, urgent in CASES:
        got = classifier.classify(text)
        if (got.category, got.kind, got.urgent) != (category, kind, urgent):
            wrong.append((text, (category, kind, urgent), (got.category, got.kind, got.urgent)))
    assert 1 - len(wrong) / len(CASES) >= MIN_CASES_RIGHT, wrong


@pytest.mark.parametrize(
    ("text", "category", "kind", "urgent"),
    [case for case in CASES if case[3]],
    ids=lambda v: v if isinstance(v, str) and len(v) > 5 else "",
)
def test_every_urgent_case_is_flagged(
    classifier: Classifier, text: str, category: str, kind: str, urgent: bool
) -> None:
    assert classifier.classify(text).urgent, text


def test_cases_cover_everything() -> None:
    assert len(CASES) >= 100
    assert {c for _, c, _, _ in CASES} == set(CATEGORY_CODES)
    assert {k for _, _, k, _ in CASES} == {W, C, S}
    assert sum(u for *_, u in CASES) >= 20


@pytest.mark.parametrize("word", ["化粪池", "楼道灯", "消防通道", "高空抛物", "四点半课堂"])
def test_keywords_stay_single_tokens(classifier: Classifier, word: str) -> None:
    assert word in classifier.tokens(f"俺们小区的{word}有问题了")


def test_matched_lists_keywords_in_text_order(classifier: Classifier) -> None:
    got = classifier.classify("化粪池满了，楼道里全是垃圾，化粪池的味道熏人")
    assert got.matched[:2] == ("化粪池", "垃圾")
    assert len(got.matched) == len(set(got.matched))
    assert got.category == "sanitation"
    assert got.scores["sanitation"] > 0


def test_keyword_inside_an_urgent_word_still_counts(classifier: Classifier) -> None:
    # 煤气味 is one dictionary word; the keyword 煤气 inside it must still score.
    got = classifier.classify("一股煤气味")
    assert got.category == "safety"
    assert "煤气" in got.matched
    assert got.urgent


def test_no_keyword_is_other(classifier: Classifier) -> None:
    got = classifier.classify("今天天气不错")
    assert (got.category, got.matched, got.scores) == ("other", (), {})


def test_tie_goes_to_the_topic_named_first(classifier: Classifier, config: Config) -> None:
    # Two keywords of equal weight from different categories: the one named first wins and the
    # other is offered as `also` (a tie used to give "other", which is right for neither).
    weight = config.categories["sanitation"].keywords["化粪池"]
    assert config.categories["parking"].keywords["消防通道"] == weight
    got = classifier.classify("化粪池和消防通道")
    assert got.scores == {"sanitation": weight, "parking": weight}
    assert (got.category, got.also) == ("sanitation", "parking")
    got = classifier.classify("消防通道和化粪池")
    assert (got.category, got.also) == ("parking", "sanitation")


def test_repeats_add_a_small_capped_bonus(classifier: Classifier) -> None:
    once = classifier.classify("化粪池").scores["sanitation"]
    many = classifier.classify("化粪池，化粪池，化粪池，化粪池，化粪池").scores["sanitation"]
    assert once < many <= once * 2


def test_urgent_pairs_are_shown_with_a_plus(classifier: Classifier) -> None:
    got = classifier.classify("电梯里困了人")
    assert "电梯+困" in got.urgent_matched


@pytest.mark.parametrize(
    "text",
    ["万一着火了怎么办", "容易着火", "路滑，老人差点摔倒", "这电梯经常困人", "存在火灾隐患"],
)
def test_hedged_danger_is_not_urgent(classifier: Classifier, text: str) -> None:
    assert not classifier.classify(text).urgent


def test_hedge_does_not_cross_a_clause(classifier: Classifier) -> None:
    assert classifier.classify("好害怕，着火了").urgent


def test_kind_precedence(classifier: Classifier) -> None:
    # Politeness in a problem report is not a wish.
    assert classifier.classify("楼道灯坏了，希望尽快修").kind == C
    # More distinct kind words wins.
    assert classifier.classify("投诉，楼道灯坏了没人管，建议换个灯").kind == C
    # A tie goes to the kind mentioned first.
    assert classifier.classify("建议修一下楼道灯，晚上坏了").kind == S
    # Defaults without any kind word.
    assert classifier.classify("化粪池").kind == C
    assert classifier.classify("独居老人").kind == W


def test_as_dict_is_json_ready(classifier: Classifier) -> None:
    got = classifier.classify("建议多放几个垃圾桶，俺家楼下的拉圾没人收")
    data = got.as_dict()
    json.dumps(data, ensure_ascii=False)
    assert set(data) == {
        "category", "category_name", "also", "kind", "kind_name", "urgent", "matched",
        "urgent_matched", "kind_matched", "hedged", "scores", "evidence",
    }
    assert data["category_name"] == "环境卫生"
    assert data["kind_name"] == "建议"


def test_classification_is_frozen(classifier: Classifier) -> None:
    got = classifier.classify("垃圾")
    assert isinstance(got, Classification)
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.category = "other"  # type: ignore[misc]
