"""Personal data never reaches a group or a digest, whatever form it is written in; ordinary
words, buildings, times and quantities stay readable.

One table of (what a resident writes, what the group sees), positive and negative cases side
by side, grouped by the form the detail takes.
"""

from __future__ import annotations

import pytest

from bot.config import Config
from bot.domain.privacy import mask_personal, own_summary, public_summary, public_words
from bot.domain.privacy_names import MASK_NAME, MASK_SURNAME, pos_tokenizer
from bot.domain.privacy_numbers import MASK_NUMBER

N, S, X = MASK_NAME, MASK_SURNAME, MASK_NUMBER

MASKED: list[tuple[str, str]] = [
    # ---- names: jieba's names, a surname with a form of address, 姓X, 我是X / 我叫X / 找X
    ("楼上的王秀英天天半夜跺脚", f"楼上的{N}天天半夜跺脚"),
    ("王建国和李红梅又吵架了", f"{N}和{N}又吵架了"),
    ("隔壁李红梅家的狗天天叫", f"隔壁{N}家的狗天天叫"),
    ("我叫张三，住5号楼", f"我叫{N}，住5号楼"),
    ("我叫刘德华", f"我叫{N}"),
    ("我是王秀英，想给老伴申请轮椅", f"我是{N}，想给老伴申请轮椅"),
    ("联系人：李明", f"联系人：{N}"),
    ("找李明帮忙修一下", f"找{N}帮忙修一下"),
    ("我是王阿姨，楼道灯坏了", f"我是{S}阿姨，楼道灯坏了"),
    ("张师傅来修过一次", f"{S}师傅来修过一次"),
    ("欧阳先生说楼道灯坏了", f"{S}先生说楼道灯坏了"),
    ("门口的高大爷摔倒了", f"门口的{S}大爷摔倒了"),
    ("邓厅长您好", f"{S}厅长您好"),
    ("二单元五楼左边那户，姓刘，天天往楼下扔垃圾", f"二单元{X}，姓{S}，天天往楼下扔垃圾"),
    ("免贵姓王", f"免贵姓{S}"),
    ("我姓欧阳", f"我姓{S}"),
    ("刘家的孩子在楼道里玩火", f"{S}家的孩子在楼道里玩火"),
    ("老王家的空调滴水", f"老{S}家的空调滴水"),
    ("小张说下周来修", f"小{S}说下周来修"),
    ("老刘说要修", f"老{S}说要修"),
    ("欧阳娜娜反映楼道灯坏了", f"{N}反映楼道灯坏了"),
    ("本人李建国，住6号楼", f"本人{N}，住6号楼"),
    ("张秀兰老人独居，想请人上门理发", f"{N}老人独居，想请人上门理发"),
    ("王女士 13812345678", f"{S}女士 138****5678"),
    # ---- door and household numbers, Arabic or Chinese numerals; building and unit stay
    ("501室漏水", f"{X}室漏水"),
    ("1102号房的空调外机响", f"{X}号房的空调外机响"),
    ("3单元502楼道灯坏了", f"3单元{X}楼道灯坏了"),
    ("住2-3-501，楼道灯坏了", f"住2-3-{X}，楼道灯坏了"),
    ("2-501室门口堆满纸箱", f"2-{X}室门口堆满纸箱"),
    ("2#501的狗没拴绳", f"2#{X}的狗没拴绳"),
    ("楼上1102天天装修", f"楼上{X}天天装修"),
    ("五零二的空调滴水到我家", f"{X}的空调滴水到我家"),
    ("一一零二室漏水", f"{X}室漏水"),
    ("三楼东户天天吵", f"{X}天天吵"),
    ("二楼的那家养了十几只猫", f"{X}养了十几只猫"),
    ("我家住5楼，楼道灯不亮", f"我家住{X}，楼道灯不亮"),
    ("3单元5楼楼道灯坏了", f"3单元{X}楼道灯坏了"),
    ("502那户天天吵", f"{X}那户天天吵"),
    ("1102的业主在装修", f"{X}的业主在装修"),
    # ---- phones in any spacing, separators or numerals; landlines
    ("电话13912345678", "电话139****5678"),
    ("电话 139 1234 5678", "电话 139****5678"),
    ("电话139-1234-5678", "电话139****5678"),
    ("手机：1 3 9 1 2 3 4 5 6 7 8", "手机：139****5678"),
    ("+86 139 1234 5678", "+86 139****5678"),
    ("１３９１２３４５６７８", "139****5678"),
    ("幺三八一二三四五六七八", "138****5678"),
    ("一三八 一二三四 五六七八", "138****5678"),
    ("幺三八一二三四5678", "138****5678"),
    ("座机0731-84567890", "座机0731-****7890"),
    ("(0731)84567890", "(0731)****7890"),
    ("家里电话：8456 7890", "家里电话：****7890"),
    # ---- ID cards, accounts, WeChat / QQ, e-mail, car plates
    ("身份证430102199003071234", f"身份证{X}"),
    ("身份证号43010219900307123X", f"身份证号{X}"),
    ("银行卡6222021234567890123", f"银行卡{X}"),
    ("银行卡 6222 0212 3456 7890", f"银行卡 {X}"),
    ("身份证 430102 19900307 1234", f"身份证 {X}"),
    ("微信号 abc_12345", f"微信号 {X}"),
    ("加我威信：zhangsan_88", f"加我威信：{X}"),
    ("vx:zhang_san99", f"vx:{X}"),
    ("QQ 12345678", f"QQ {X}"),
    ("QQ号：123456", f"QQ号：{X}"),
    ("邮箱 zhang.san@qq.com", f"邮箱 {X}@qq.com"),
    ("京A12345堵了消防通道", f"京A{X}堵了消防通道"),
    ("粤B·D12345天天停在车棚门口", f"粤B{X}天天停在车棚门口"),
    ("川A 1234学占了车位", f"川A{X}占了车位"),
    # ---- several at once
    ("我是王秀英，住3单元502，电话幺三九 1234 5678，楼上李大爷家漏水",
     f"我是{N}，住3单元{X}，电话139****5678，楼上{S}大爷家漏水"),
    ("5号楼1102的刘桂芳车牌京A12345，微信liugf_1960",
     f"5号楼{X}的{N}车牌京A{X}，微信{X}"),
]

UNCHANGED: list[str] = [
    # words that begin with a surname, or that jieba's dictionary tags as a name
    "王府井",
    "刘家巷口的路灯坏了",
    "社区张贴的通知看不清",
    "黄色的垃圾桶满了",
    "周末有人在马路上摆摊",
    "白天方便的时候来看看",
    "大家都很高兴",
    "江边的金属栏杆生锈了",
    "石头砸坏了车棚",
    "万一有人摔倒怎么办",
    "余下的钱退给大家",
    "马路边倒垃圾",
    "严格执行垃圾分类",
    "金龙公司的车天天停在门口",
    "施工噪音太大",
    "老毛病又犯了",
    "小黄车乱停乱放",
    "小区里小孩很多",
    "老百姓高兴",
    "请填写姓名和电话",
    "微信群里说停水",
    # 高大爷们: 高大 + 爷们 (tall guys), or several old men; not one person
    "高大爷们天天在楼下下棋",
    # a job before a form of address is not a surname
    "音乐老师在活动室上课",
    "门卫大爷人很好",
    "保安大叔不让外卖进",
    "环卫阿姨辛苦了",
    # buildings, units and floors without a household; times, dates and quantities
    "楼道灯坏了3天了",
    "5号楼门口垃圾很多",
    "2号楼3单元的楼道灯不亮",
    "5楼楼道灯不亮",
    "1楼户外的水管破了",
    "约100户居民停水",
    "有100家的店关门了",
    "物业费一年100元",
    "离大门20米有个坑",
    "收费50-100元",
    "2023-10-12停水",
    "2019 2020 2021 2022 年年都漏水",
    "10-12点停水",
    "二零二三年修的路",
    "三四个人一起",
    "七七八八的东西堆满楼道",
    "502胶水粘不住",
    # service numbers and street or document numbers
    "打12345没人管",
    "打110报警了",
    "一一零来过了",
    "新开铺路579号门口",
    "第030号文件",
    "按（2016）680号文件执行",
    # the community's own names from config.toml
    "老粮站楼院的路灯坏了",
    "安置小区A栋门口积水",
    "和兴社区第一网格",
]

# (the resident's Telegram names, what they write, what the group sees)
OWN_NAMES: list[tuple[tuple[str, ...], str, str]] = [
    (("王秀英",), "王秀英反映楼道灯坏了", f"{N}反映楼道灯坏了"),
    (("王秀英",), "秀英在家等师傅", f"{N}在家等师傅"),
    (("秀英 王",), "我是王秀英", f"我是{N}"),
    (("Anna Wang",), "Anna说楼道灯坏了", f"{N}说楼道灯坏了"),
    (("Anna Wang",), "找 anna wang 就行", f"找 {N} 就行"),
    (("Li",), "Li说楼道灯坏了", "Li说楼道灯坏了"),  # too short to tell from other words
    (("张",), "社区张贴的通知看不清", "社区张贴的通知看不清"),
    (("马路",), "马路上有个坑", f"{N}上有个坑"),  # whatever the resident is called
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_personal_details_are_masked(text: str, expected: str) -> None:
    assert mask_personal(text) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_ordinary_words_buildings_times_and_quantities_stay(text: str, config: Config) -> None:
    assert mask_personal(text, keep=public_words(config)) == text


@pytest.mark.parametrize(("names", "text", "expected"), OWN_NAMES)
def test_the_residents_own_telegram_names_are_masked(names: tuple[str, ...], text: str,
                                                     expected: str) -> None:
    assert mask_personal(text, names=names) == expected


def test_kept_words_stay_even_where_they_look_personal() -> None:
    text = "老王家大院门口积水"
    assert mask_personal(text) == f"老{S}家大院门口积水"
    assert mask_personal(text, keep=("老王家大院",)) == text


def test_the_community_names_from_config_are_kept(config: Config) -> None:
    words = public_words(config)
    assert "老粮站楼院" in words and "1号楼" in words and "和兴社区" in words


def test_a_summary_is_masked_before_it_is_cut() -> None:
    text = "楼道灯坏了" * 3 + "请打13912345678"
    summary = public_summary(text, limit=24)
    assert summary.endswith("…") and len(summary) == 24
    assert "1391234" not in summary and "139*" in summary


def test_a_summary_names_nobody(config: Config) -> None:
    summary = public_summary("我是王秀英，住老粮站楼院3单元502，电话13912345678",
                             names=("王秀英",), keep=public_words(config))
    assert summary == f"我是{N}，住老粮站楼院3单元{X}，电话139****5678"


def test_the_residents_own_summary_is_not_masked() -> None:
    # Their own chat (/my, the preview): they typed it, and they check the number they left.
    assert own_summary("我是王秀英，电话139 1234 5678") == "我是王秀英，电话139 1234 5678"
    assert own_summary("漏水\n\n三楼，电话13912345678", limit=10) == "漏水 三楼，电话1…"


def test_one_tagger_per_process() -> None:
    assert pos_tokenizer() is pos_tokenizer()


def test_the_table_is_large_enough() -> None:
    assert len(MASKED) + len(UNCHANGED) + len(OWN_NAMES) >= 80
