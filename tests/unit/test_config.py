"""config.toml → a frozen Config; every mistake stops loading with a message naming the file,
the key and what was expected."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import (
    CATEGORY_CODES,
    Config,
    ConfigError,
    build_config,
    load_config,
    parse_duration,
    parse_time_of_day,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "config.toml"
SHIPPED_TEXT = SHIPPED.read_text(encoding="utf-8")
SHIPPED_RAW = tomllib.loads(SHIPPED_TEXT)
SOURCE = "/etc/bot/community.toml"

EXPECT_DURATION = "应为时长"
EXPECT_TIME = "应为一天中的时刻"
UNKNOWN_KEY = "未知的配置项"


def write_variant(tmp_path: Path, old: str, new: str) -> Path:
    """The shipped file with one line replaced, written where load_config can read it."""
    assert SHIPPED_TEXT.count(old) == 1, f"{old!r} must occur exactly once in config.toml"
    path = tmp_path / "variant.toml"
    path.write_text(SHIPPED_TEXT.replace(old, new), encoding="utf-8")
    return path


def file_error(path: Path) -> str:
    """load_config must refuse the file: the ConfigError message, which names the file."""
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    message = str(info.value)
    assert str(path) in message
    return message


def config_error(change: Callable[[dict[str, Any]], None]) -> str:
    """Apply `change` to a copy of the shipped TOML and return the ConfigError message."""
    raw = copy.deepcopy(SHIPPED_RAW)
    change(raw)
    with pytest.raises(ConfigError) as info:
        build_config(raw, {}, SOURCE)
    return str(info.value)


# ---- the shipped file ----------------------------------------------------------------------


def test_shipped_config_loads_with_all_categories_and_the_hx_community(config: Config) -> None:
    assert set(config.categories) == set(CATEGORY_CODES)
    assert len(config.categories) == 13
    assert [c.code for c in config.communities] == ["hx"]
    hx = config.community("hx")
    assert hx is not None
    assert hx.name == "和兴社区"
    assert hx.volunteer_chat_id == -1001234567890
    assert hx.coordinators == (10001, 10002)
    assert [g.code for g in hx.grids] == ["g1", "g2", "g3"]
    assert [b.code for b in hx.buildings()] == ["b1", "b2", "b3", "b5", "b6", "ly", "az1"]
    assert hx.grids[0].leader_id == 10011
    assert hx.grids[2].leader_id is None


def test_shipped_durations_are_timedeltas_and_times_are_times_of_day(config: Config) -> None:
    assert config.followups.sweep_interval == timedelta(seconds=30)
    assert config.followups.accept_timeout == timedelta(hours=2)
    assert config.followups.claim_timeout == timedelta(hours=8)
    assert config.followups.auto_close == timedelta(hours=72)
    assert config.followups.revisit_after == timedelta(days=14)
    assert config.bot.invite_ttl == timedelta(days=7)
    assert config.categories["safety"].time_limit == timedelta(hours=24)
    assert config.categories["greening"].time_limit == timedelta(days=15)
    assert config.classifier.urgent_time_limit == timedelta(hours=2)
    assert config.digest.time == time(8, 30)
    assert isinstance(config.digest.time, time)
    assert config.quiet_hours.start == time(22, 0)
    assert config.quiet_hours.end == time(7, 30)


def test_shipped_config_other_values(config: Config) -> None:
    assert config.bot.timezone == "Asia/Shanghai"
    assert str(config.tz) == "Asia/Shanghai"
    assert config.bot.database_url == "sqlite:///data/bot.db"
    assert config.bot.api_base_url is None
    assert config.bot.default_max_open == 3
    assert config.routing.coordinator_categories == ("other",)
    assert config.routing.open_claim_categories == ()
    assert config.categories["repairs"].name == "设施维修"
    assert all(
        isinstance(weight, float) and weight > 0
        for category in config.categories.values()
        for weight in category.keywords.values()
    )
    assert config.categories["repairs"].keywords  # the classifier has words to work with
    assert all(len(pair) == 2 for pair in config.classifier.urgent_pairs)
    assert any(s.urgent for s in config.classifier.situations)
    assert config.token is None  # loaded with env={}


# ---- durations and times of day ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45s", timedelta(seconds=45)),
        ("10m", timedelta(minutes=10)),
        ("2h", timedelta(hours=2)),
        ("7d", timedelta(days=7)),
        ("90m", timedelta(minutes=90)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["3x", "10", "", "0m", "-5m", "2 hours", "1.5h", 5])
def test_parse_duration_refuses_malformed_values(text: Any) -> None:
    with pytest.raises(ValueError, match=EXPECT_DURATION):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"), [("08:30", time(8, 30)), ("7:05", time(7, 5)), ("23:59", time(23, 59))]
)
def test_parse_time_of_day(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize("text", ["25:00", "8.30", "8:60", "24:00", "", "8", 830])
def test_parse_time_of_day_refuses_malformed_values(text: Any) -> None:
    with pytest.raises(ValueError, match=EXPECT_TIME):
        parse_time_of_day(text)


@pytest.mark.parametrize("value", ["3x", "10", "", "0m", "-5m"])
def test_malformed_duration_in_the_file_names_file_key_and_expectation(
    tmp_path: Path, value: str
) -> None:
    path = write_variant(tmp_path, 'accept_timeout = "2h"', f'accept_timeout = "{value}"')
    message = file_error(path)
    assert "followups.accept_timeout" in message
    assert "时长" in message


def test_duration_written_as_a_bare_number_is_refused(tmp_path: Path) -> None:
    path = write_variant(tmp_path, 'accept_timeout = "2h"', "accept_timeout = 5")
    message = file_error(path)
    assert "followups.accept_timeout" in message
    assert "时长" in message


def test_malformed_category_time_limit_names_the_category() -> None:
    message = config_error(lambda r: r["categories"]["safety"].__setitem__("time_limit", "1w"))
    assert "categories.safety.time_limit" in message
    assert "时长" in message


@pytest.mark.parametrize("value", ["25:00", "8.30", "8:60"])
def test_malformed_time_of_day_in_the_file_names_file_key_and_expectation(
    tmp_path: Path, value: str
) -> None:
    path = write_variant(tmp_path, 'time = "08:30"', f'time = "{value}"')
    message = file_error(path)
    assert "digest.time" in message
    assert "时刻" in message


def test_malformed_quiet_hours_end_names_that_key() -> None:
    message = config_error(lambda r: r["quiet_hours"].__setitem__("end", "7:3"))
    assert "quiet_hours.end" in message
    assert "quiet_hours.start" not in message
    assert "时刻" in message


# ---- unknown keys and wrong types ----------------------------------------------------------


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = tmp_path / "extra.toml"
    path.write_text("databse_url = 'x'\n" + SHIPPED_TEXT, encoding="utf-8")
    message = file_error(path)
    assert "databse_url" in message
    assert UNKNOWN_KEY in message


def test_misspelt_nested_key(tmp_path: Path) -> None:
    path = write_variant(tmp_path, 'accept_timeout = "2h"', 'acept_timeout = "2h"')
    message = file_error(path)
    assert "followups.acept_timeout" in message
    assert UNKNOWN_KEY in message


def test_unknown_key_deep_inside_a_building() -> None:
    message = config_error(
        lambda r: r["communities"][0]["grids"][1]["buildings"][0].__setitem__("nmae", "x")
    )
    assert "communities[0].grids[1].buildings[0].nmae" in message
    assert UNKNOWN_KEY in message


def test_coordinator_that_is_not_a_number() -> None:
    message = config_error(lambda r: r["communities"][0].__setitem__("coordinators", ["abc"]))
    assert SOURCE in message
    assert "communities[0].coordinators[0]" in message
    assert "应为整数" in message


def test_volunteer_chat_id_that_is_a_string(tmp_path: Path) -> None:
    path = write_variant(
        tmp_path, "volunteer_chat_id = -1001234567890", 'volunteer_chat_id = "x"'
    )
    message = file_error(path)
    assert "communities[0].volunteer_chat_id" in message
    assert "应为整数" in message


def test_error_inside_a_community_does_not_claim_the_list_is_empty() -> None:
    message = config_error(lambda r: r["communities"][0].__setitem__("volunteer_chat_id", "x"))
    assert "communities[0].volunteer_chat_id" in message
    assert "不能为空" not in message


def test_keyword_weight_that_is_a_string() -> None:
    message = config_error(
        lambda r: r["categories"]["repairs"].__setitem__("keywords", {"楼道灯": "5"})
    )
    assert SOURCE in message
    assert "categories.repairs.keywords.楼道灯" in message
    assert "应为数字" in message


def test_default_max_open_must_be_a_positive_integer() -> None:
    assert "bot.default_max_open" in config_error(
        lambda r: r["bot"].__setitem__("default_max_open", 0)
    )
    message = config_error(lambda r: r["bot"].__setitem__("default_max_open", "3"))
    assert "bot.default_max_open" in message
    assert "应为整数" in message


def test_several_mistakes_are_all_reported_at_once() -> None:
    def two_mistakes(raw: dict[str, Any]) -> None:
        raw["followups"]["claim_timeout"] = "8 hours"
        raw["digest"]["time"] = "8:60"

    message = config_error(two_mistakes)
    assert "followups.claim_timeout" in message
    assert "digest.time" in message


# ---- cross references ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["coordinator_categories", "open_claim_categories"])
def test_unknown_category_code_in_routing(tmp_path: Path, key: str) -> None:
    old = "coordinator_categories = [\"other\"]" if key == "coordinator_categories" else (
        "open_claim_categories = []"
    )
    path = write_variant(tmp_path, old, f'{key} = ["repairs", "plumbing"]')
    message = file_error(path)
    assert f"routing.{key}" in message
    assert "plumbing" in message
    assert "未知的分类代码" in message


def test_unknown_category_code_in_wish_categories() -> None:
    message = config_error(lambda r: r["classifier"].__setitem__("wish_categories", ["kids"]))
    assert "classifier.wish_categories" in message
    assert "kids" in message


def test_a_missing_category_table_is_named() -> None:
    message = config_error(lambda r: r["categories"].pop("parking"))
    assert SOURCE in message
    assert "缺少分类" in message
    assert "parking" in message


def test_an_unknown_category_table_is_named(tmp_path: Path) -> None:
    path = tmp_path / "foo.toml"
    path.write_text(
        SHIPPED_TEXT + '\n[categories.foo]\nname = "Foo"\ntime_limit = "7d"\n', encoding="utf-8"
    )
    message = file_error(path)
    assert "未知的分类代码" in message
    assert "foo" in message


def test_unknown_timezone(tmp_path: Path) -> None:
    path = write_variant(tmp_path, 'timezone = "Asia/Shanghai"', 'timezone = "Asia/Beijing"')
    message = file_error(path)
    assert "Asia/Beijing" in message
    assert "时区" in message


def test_unknown_timezone_names_the_dotted_key() -> None:
    assert "bot.timezone" in config_error(
        lambda r: r["bot"].__setitem__("timezone", "Asia/Beijing")
    )


def test_duplicate_community_code() -> None:
    def duplicate(raw: dict[str, Any]) -> None:
        second = copy.deepcopy(raw["communities"][0])
        second["name"] = "另一个社区"
        raw["communities"].append(second)

    message = config_error(duplicate)
    assert SOURCE in message
    assert "社区代码 hx 重复" in message


def test_duplicate_building_code_within_a_community() -> None:
    message = config_error(
        lambda r: r["communities"][0]["grids"][2]["buildings"].append(
            {"code": "b1", "name": "又一个1号楼"}
        )
    )
    assert "楼院代码" in message and "重复" in message
    assert "hx" in message


def test_community_code_with_spaces_is_refused() -> None:
    message = config_error(lambda r: r["communities"][0].__setitem__("code", "he xing"))
    assert "communities[0].code" in message


def test_empty_communities_list() -> None:
    message = config_error(lambda r: r.__setitem__("communities", []))
    assert SOURCE in message
    assert "communities" in message
    assert "至少要配置一个" in message


def test_file_without_communities() -> None:
    message = config_error(lambda r: r.pop("communities"))
    assert "communities" in message
    assert "缺少必填项" in message


# ---- the file itself -----------------------------------------------------------------------


def test_token_in_the_file_is_refused_even_when_the_env_has_one(tmp_path: Path) -> None:
    path = tmp_path / "token.toml"
    path.write_text('token = "123456:ABC"\n' + SHIPPED_TEXT, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={"TELEGRAM_BOT_TOKEN": "999:XYZ"})
    message = str(info.value)
    assert str(path) in message
    assert "token" in message
    assert "TELEGRAM_BOT_TOKEN" in message
    assert "123456:ABC" not in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "config.toml"
    message = file_error(path)
    assert "找不到配置文件" in message


def test_file_that_is_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[bot\ntimezone = Asia/Shanghai\n", encoding="utf-8")
    message = file_error(path)
    assert "TOML" in message


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes(SHIPPED_TEXT.encode("gbk", errors="replace"))
    file_error(path)


# ---- environment overrides -----------------------------------------------------------------


def test_environment_overrides_database_api_and_token() -> None:
    config = load_config(
        SHIPPED,
        env={
            "DATABASE_URL": "postgresql://bot@db.internal/bot",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "TELEGRAM_BOT_TOKEN": "123456:ABC-DEF",
        },
    )
    assert config.bot.database_url == "postgresql://bot@db.internal/bot"
    assert config.bot.api_base_url == "http://127.0.0.1:8081/bot"
    assert config.token == "123456:ABC-DEF"
    assert "123456:ABC-DEF" not in repr(config.model_dump())


def test_empty_environment_values_do_not_override() -> None:
    config = load_config(
        SHIPPED, env={"DATABASE_URL": "", "TELEGRAM_API_BASE_URL": "", "TELEGRAM_BOT_TOKEN": ""}
    )
    assert config.bot.database_url == "sqlite:///data/bot.db"
    assert config.bot.api_base_url is None
    assert config.token is None


def test_database_url_override_applies_when_the_file_has_no_bot_section() -> None:
    raw = copy.deepcopy(SHIPPED_RAW)
    del raw["bot"]
    config = build_config(raw, {"DATABASE_URL": "sqlite:///elsewhere.db"}, SOURCE)
    assert config.bot.database_url == "sqlite:///elsewhere.db"
    assert config.bot.timezone == "Asia/Shanghai"


def test_bot_config_env_chooses_the_file_when_no_path_is_given(tmp_path: Path) -> None:
    path = write_variant(tmp_path, 'time = "08:30"', 'time = "07:15"')
    config = load_config(env={"BOT_CONFIG": str(path)})
    assert config.digest.time == time(7, 15)


def test_explicit_path_wins_over_bot_config(tmp_path: Path) -> None:
    path = write_variant(tmp_path, 'time = "08:30"', 'time = "07:15"')
    config = load_config(SHIPPED, env={"BOT_CONFIG": str(path)})
    assert config.digest.time == time(8, 30)


def test_bot_config_pointing_nowhere_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(ConfigError, match="找不到配置文件") as info:
        load_config(env={"BOT_CONFIG": str(missing)})
    assert str(missing) in str(info.value)


def test_without_path_or_bot_config_the_shipped_file_is_read() -> None:
    assert load_config(env={}).community("hx") is not None


# ---- immutability and helpers --------------------------------------------------------------


def test_config_cannot_be_changed_after_loading(config: Config) -> None:
    with pytest.raises(ValueError):
        config.token = "stolen"  # type: ignore[misc]
    with pytest.raises(ValueError):
        config.followups.accept_timeout = timedelta(0)  # type: ignore[misc]
    hx = config.community("hx")
    assert hx is not None
    with pytest.raises(ValueError):
        hx.name = "renamed"  # type: ignore[misc]
    assert isinstance(config.communities, tuple)
    assert isinstance(hx.coordinators, tuple)
    assert isinstance(hx.grids[0].buildings, tuple)
    assert config.token is None
    assert config.followups.accept_timeout == timedelta(hours=2)


def test_community_lookup(config: Config) -> None:
    hx = config.community("hx")
    assert hx is not None and hx.code == "hx"
    assert config.community("nope") is None
    assert config.community(None) is None


def test_building_and_grid_lookup(config: Config) -> None:
    hx = config.community("hx")
    assert hx is not None
    building = hx.building("ly")
    assert building is not None and building.name == "老粮站楼院"
    assert hx.building("b4") is None
    assert hx.building(None) is None
    grid = hx.grid_of("b6")
    assert grid is not None and grid.code == "g2" and grid.leader_id == 10012
    third = hx.grid_of("az1")
    assert third is not None and third.code == "g3" and third.leader_id is None
    assert hx.grid_of("b4") is None
    assert hx.grid_of(None) is None


def test_category_name(config: Config) -> None:
    assert config.category_name("repairs") == "设施维修"
    assert config.category_name("other") == "其他"
    assert config.category_name("unknown") == "unknown"


def test_communities_coordinated_by(config: Config) -> None:
    assert [c.code for c in config.communities_coordinated_by(10001)] == ["hx"]
    assert [c.code for c in config.communities_coordinated_by(10002)] == ["hx"]
    assert config.communities_coordinated_by(10011) == ()  # a grid leader, not a coordinator


def test_coordinator_of_two_communities_gets_both() -> None:
    raw = copy.deepcopy(SHIPPED_RAW)
    second = copy.deepcopy(raw["communities"][0])
    second.update(code="xy", name="新苑社区", coordinators=[10002, 20001])
    for grid in second["grids"]:  # building codes are unique across communities
        for building in grid["buildings"]:
            building["code"] = "xy-" + building["code"]
    raw["communities"].append(second)
    config = build_config(raw, {}, SOURCE)
    assert [c.code for c in config.communities_coordinated_by(10002)] == ["hx", "xy"]
    assert [c.code for c in config.communities_coordinated_by(20001)] == ["xy"]
    assert [c.code for c in config.communities_coordinated_by(10001)] == ["hx"]


def test_the_same_building_code_in_two_communities_is_refused() -> None:
    """A building's QR code carries only its own code, so it must be unique everywhere."""
    raw = copy.deepcopy(SHIPPED_RAW)
    second = copy.deepcopy(raw["communities"][0])
    second.update(code="xy", name="新苑社区")
    raw["communities"].append(second)
    with pytest.raises(ConfigError, match="楼院代码"):
        build_config(raw, {}, SOURCE)


def test_the_web_section_listens_on_this_machine_by_default(config: Config) -> None:
    assert (config.web.host, config.web.port, config.web.public_url) == ("127.0.0.1", 8080, "")


def test_a_web_port_out_of_range_names_the_key() -> None:
    message = config_error(lambda raw: raw["web"].update(port=70000))
    assert "web.port" in message
