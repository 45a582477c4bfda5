"""The rule kinds of issue 11, each on a small config so a test names one mechanism."""

from __future__ import annotations

from typing import Any

import pytest

from bot.classify import Classifier
from bot.config import ConfigError, build_config, load_config


def config_with(**classifier: Any) -> Any:
    raw: dict[str, Any] = {
        "classifier": {
            "urgent_words": ["着火"],
            "kind_words": {"wish": ["希望"], "complaint": ["坏了"], "suggestion": ["建议"]},
            **classifier,
        },
        "categories": {
            code: {"name": code, "time_limit": "7d", "keywords": {}}
            for code in load_config().categories
        },
        "communities": [{"code": "c", "name": "c"}],
    }
    raw["categories"]["repairs"]["keywords"] = {"电梯": 3, "楼道灯": 4}
    raw["categories"]["property"]["keywords"] = {"物业": 4}
    raw["categories"]["greening"]["keywords"] = {"树": 2}
    raw["categories"]["repairs"]["keywords"]["修"] = 1
    return raw


LIFT = {"name": "困在电梯里", "objects": ["电梯"], "states": ["出不来", "困"], "window": 8,
        "category": "repairs", "weight": 3, "urgent": True}


def make(**classifier: Any) -> Classifier:
    return Classifier(build_config(config_with(**classifier), {}, "test.toml"))


# ---- co-occurrence ------------------------------------------------------------------------

def test_object_and_state_together_flag_urgent_and_score() -> None:
    got = make(situations=[LIFT]).classify("我在五号楼电梯里出不来了")
    assert got.urgent and got.urgent_matched == ("电梯+出不来",)
    assert got.category == "repairs" and "电梯+出不来" in got.matched
    assert any(e.source == "situation" and e.rule == "困在电梯里" for e in got.evidence)


@pytest.mark.parametrize("text", [
    "电梯旁边的小卖部老板说他今天有事出不来",  # too far apart
    "电梯间很干净。孩子在家出不来",  # another sentence
    "电梯",  # the object alone
    "出不来",  # the state alone
])
def test_situation_needs_both_words_near_in_one_sentence(text: str) -> None:
    assert not make(situations=[LIFT]).classify(text).urgent


# ---- hedges -------------------------------------------------------------------------------

HEDGES = {"before": ["经常", "怕", "万一", "建议"], "sentence": ["去年", "已经修好"]}


@pytest.mark.parametrize("text", [
    "这电梯经常困人", "怕电梯困人", "万一着火了怎么办", "去年有人困在电梯里出不来",
    "电梯困人了，已经修好了", "建议电梯里装个喇叭，困人能喊",
])
def test_hedged_alarm_is_not_urgent_but_is_explained(text: str) -> None:
    got = make(situations=[LIFT], hedges=HEDGES).classify(text)
    assert not got.urgent, text
    assert got.hedged and any(e.source == "hedge" for e in got.evidence)


def test_hedge_stays_in_its_clause_and_sentence() -> None:
    classifier = make(situations=[LIFT], hedges=HEDGES)
    assert classifier.classify("好怕，着火了").urgent
    assert classifier.classify("去年修过一次。现在电梯里困人了").urgent


def test_long_letter_counts_alarms_only_in_its_title() -> None:
    classifier = make(hedges={"letter_length": 60})
    letter = "关于小区物业的意见。" + "物业服务越来越差，" * 5 + "有一回楼道里着火也没人管。"
    assert not classifier.classify(letter).urgent
    assert classifier.classify("楼道里着火了。" + "物业服务越来越差，" * 8).urgent


def test_a_letter_interrupted_by_an_emergency_counts_its_now_sentence() -> None:
    classifier = make(hedges={"letter_length": 60, "letter_now": ["现在"]})
    body = "关于小区物业的意见。" + "物业服务越来越差，" * 5
    assert classifier.classify(body + "写到一半，现在楼道里着火了。").urgent
    assert not classifier.classify(body + "有一回楼道里着火也没人管。").urgent


def test_a_negation_right_before_the_alarm_or_state_is_not_urgent() -> None:
    dog = {"name": "狗咬人", "objects": ["狗"], "states": ["咬人"], "window": 8, "urgent": True}
    classifier = make(situations=[LIFT, dog], hedges={"negation": ["没", "不", "没见"]})
    for text in ("倒没见着火，就是味大", "楼下狗见人就叫，不咬人", "电梯没困人，是空的"):
        got = classifier.classify(text)
        assert not got.urgent, text
        assert any(e.source == "hedge" for e in got.evidence), text
    assert classifier.classify("楼下的狗在咬人").urgent
    assert classifier.classify("着火了，没人管").urgent  # 没 after the alarm negates nothing


def test_an_emergency_that_is_over_is_not_urgent() -> None:
    classifier = make(situations=[LIFT], hedges={"over": ["消防车已经走"]})
    assert not classifier.classify("消防车已经走了。楼道里着火留下的灰谁来扫").urgent
    assert classifier.classify("楼道里着火了，快来").urgent


def test_a_situation_does_not_apply_where_its_unless_word_is() -> None:
    missing = {"name": "老人走失", "objects": ["奶奶"], "states": ["找不到了"], "window": 10,
               "category": "elderly", "weight": 3, "urgent": True, "unless": ["钥匙", "猫"]}
    classifier = make(situations=[missing])
    assert classifier.classify("奶奶找不到了，一早出门没回来").urgent
    for text in ("奶奶的钥匙找不到了", "奶奶养的猫找不到了"):
        got = classifier.classify(text)
        assert not got.urgent and got.category != "elderly", text
    assert classifier.classify("奶奶的猫很乖。奶奶找不到了").urgent  # another sentence


def test_a_now_word_ends_a_hedges_reach() -> None:
    classifier = make(situations=[LIFT], hedges={"sentence": ["修好了"], "letter_now": ["刚才"]})
    assert classifier.classify("上次的灯修好了 谢谢 刚才电梯里困人了").urgent
    assert not classifier.classify("电梯困人了 修好了").urgent


def test_an_urgent_situation_counts_more_towards_its_category() -> None:
    ledge = {"name": "孩子在窗台", "objects": ["孩子"], "states": ["站在窗台"], "window": 8,
             "category": "children", "weight": 2, "urgent": True}
    classifier = make(situations=[ledge], hedges={"sentence": ["去年"]})
    # The emergency is what the message is about, not the tree it happens under...
    got = classifier.classify("树下那栋楼有个孩子站在窗台上")
    assert got.urgent and got.category == "children", got.scores
    # ...but a past one counts once: a tie, and the topic named first wins.
    got = classifier.classify("去年树下那栋楼有个孩子站在窗台上")
    assert not got.urgent and got.category == "greening", got.scores


def test_an_object_inside_a_longer_object_is_still_found() -> None:
    crack = {"name": "裂缝变宽", "objects": ["裂缝"], "states": ["变宽"], "window": 8,
             "category": "repairs", "weight": 3, "urgent": True}
    wall = {"name": "墙上裂", "objects": ["墙上裂"], "states": ["砸了"], "window": 8,
            "category": "construction", "weight": 3, "urgent": True}
    assert make(situations=[wall, crack]).classify("墙上裂缝在变宽").urgent


# ---- typo and dialect map -----------------------------------------------------------------

def test_typos_and_dialect_are_replaced_before_matching() -> None:
    classifier = make(replace={"电悌": "电梯", "楼到": "楼道", "俺": "我"})
    got = classifier.classify("俺家楼到灯坏了")
    assert got.category == "repairs" and "楼道灯" in got.matched
    assert any(e.source == "replace" and e.word == "楼到→楼道" for e in got.evidence)
    assert make(replace={"lift": "电梯"}, situations=[LIFT]).classify("LIFT stuck 困").urgent


# ---- position weighting -------------------------------------------------------------------

POSITION = {"min_length": 40, "main_markers": ["主要是想反映"], "side_markers": ["顺便"],
            "formal": ["尊敬的", "此致"], "main_weight": 3, "side_weight": 0.5}


def test_stated_main_point_outweighs_an_earlier_aside() -> None:
    letter = ("尊敬的领导：您好！先说一件小事，楼道灯坏了。今天写信主要是想反映物业的问题。"
              "物业不公示账目。顺便说一句楼道灯。此致敬礼！")
    got = make(position=POSITION).classify(letter)
    assert got.category == "property", got.scores
    # Without position weighting the repeated 楼道灯 would win.
    assert make().classify(letter).category != "property"


def test_a_main_point_that_is_said_in_its_own_sentence_lends_nothing_to_the_next() -> None:
    said = ("尊敬的领导：您好！今天写信主要是想反映物业不公示账目：小区的广告费收了好几年，"
            "从来没有公布过去向。楼道灯也坏了，楼道灯一直不亮。此致敬礼！")
    assert make(position=POSITION).classify(said).category == "property"
    # A marker sentence that stops at the marker hands its weight to the sentence after it.
    announced = ("尊敬的领导：您好！今天写信主要是想反映一件事。楼道灯坏了好几天，楼道灯一直不亮。"
                 "物业也知道。此致敬礼！")
    assert make(position=POSITION).classify(announced).category == "repairs"


def test_a_short_message_that_turns_to_its_main_point_is_about_that_point() -> None:
    classifier = make(position={"turn_markers": ["主要想说"], "side_weight": 0.5,
                                "first_weight": 1.5})
    got = classifier.classify("物业倒是小事，主要想说楼道灯")
    assert got.category == "repairs" and got.also is None
    assert make().classify("物业倒是小事，主要想说楼道灯").category == "property"


def test_title_counts_more_than_the_body() -> None:
    letter = "楼前的树太高挡光。" + "我们找过物业，" * 2 + "物业也说没办法，请社区帮忙看看。"
    assert make(position={"min_length": 30, "title_weight": 3}).classify(letter).category == (
        "greening")


def test_formal_sentences_count_for_nothing() -> None:
    letter = "尊敬的物业领导：" + "小区的楼道灯一直不亮，晚上看不见路，大家都很不方便。" * 2
    got = make(position={"min_length": 30, "formal": ["尊敬的"]}).classify(letter)
    assert "物业" not in got.matched and got.category == "repairs"


# ---- kind ---------------------------------------------------------------------------------

def test_weighted_kind_phrases_and_the_usual_kind() -> None:
    classifier = make(kind_words={
        "wish": ["希望"], "complaint": ["坏了"], "suggestion": ["建议"],
        "weighted": {"wish:请问": 2, "wish:能不能": 0.4, "suggestion:谢谢": 2},
    })
    assert classifier.classify("请问物业电话多少").kind == "wish"
    assert classifier.classify("电梯能不能修一下").kind == "complaint"  # polite, still a report
    assert classifier.classify("谢谢物业").kind == "suggestion"


def test_an_emergency_is_a_complaint() -> None:
    assert make(situations=[LIFT]).classify("希望快来，电梯里困人了").kind == "complaint"


# ---- config validation --------------------------------------------------------------------

@pytest.mark.parametrize(("situation", "words"), [
    ({**LIFT, "category": "lifts"}, "lifts"),
    ({**LIFT, "weight": 0}, "困在电梯里"),
    ({k: v for k, v in LIFT.items() if k not in ("category", "weight")} | {"urgent": False},
     "困在电梯里"),
    ({**LIFT, "objects": []}, "objects"),
    ({**LIFT, "window": 0}, "window"),
])
def test_bad_situations_are_refused_with_a_clear_message(situation: dict[str, Any],
                                                         words: str) -> None:
    with pytest.raises(ConfigError) as exc:
        build_config(config_with(situations=[situation]), {}, "test.toml")
    assert "classifier.situations[0]" in str(exc.value) and words in str(exc.value)


def test_bad_kind_phrase_is_refused() -> None:
    with pytest.raises(ConfigError, match="wishes:请问"):
        build_config(config_with(kind_words={
            "wish": [], "complaint": [], "suggestion": [], "weighted": {"wishes:请问": 2}}),
            {}, "test.toml")


# ---- keywords inside longer tokens ----------------------------------------------------------

def test_a_one_character_keyword_counts_only_as_a_compounds_head() -> None:
    classifier = make()
    assert "树" in classifier.classify("楼下的大槐树").matched  # 槐树 is a tree
    repaired = classifier.classify("修好了，谢谢")
    assert repaired.category == "other" and not repaired.matched


def test_a_keyword_before_a_place_word_is_the_place_not_the_thing() -> None:
    raw = config_with()
    raw["categories"]["repairs"]["keywords"] = {"单元门": 4}
    raw["categories"]["sanitation"]["keywords"] = {"垃圾桶": 4}
    classifier = Classifier(build_config(raw, {}, "test.toml"))
    assert classifier.classify("单元门口的垃圾桶满了").category == "sanitation"
    assert classifier.classify("单元门坏了").category == "repairs"


# ---- the word patterns --------------------------------------------------------------------

def test_a_word_pattern_takes_the_longest_word_at_each_place() -> None:
    from bot.classify.text import alternation

    pattern = alternation(["电线", "电线杆", "电梯", "煤气", "煤气泄漏", "a.b", "x", ""])
    assert pattern is not None
    text = "电线杆上电线和电梯里煤气泄漏了煤气a.b axb"
    assert [m.group() for m in pattern.finditer(text)] == [
        "电线杆", "电线", "电梯", "煤气泄漏", "煤气", "a.b", "x"]
    assert alternation([]) is None and alternation([""]) is None
