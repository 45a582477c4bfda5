"""The [telegram] section: Telegram's send limits by default, validation naming the key, and
the one function that turns it into the sender's Limits."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, ConfigError, TelegramSection, build_config
from scheduler.pacing import Limits

SHIPPED_RAW = tomllib.loads(
    (Path(__file__).resolve().parents[2] / "config.toml").read_text(encoding="utf-8"))
SOURCE = "/etc/bot/community.toml"


def load(telegram: Any) -> Config:
    raw = copy.deepcopy(SHIPPED_RAW)
    raw["telegram"] = telegram
    return build_config(raw, {}, SOURCE)


def test_shipped_values_are_telegrams_and_the_defaults(config: Config) -> None:
    assert config.telegram == TelegramSection(
        pace=True, messages_per_second=30, group_messages_per_minute=20,
        private_messages_per_second=1, private_burst=2)
    without = copy.deepcopy(SHIPPED_RAW)
    del without["telegram"]
    assert build_config(without, {}, SOURCE).telegram == config.telegram


def test_the_shipped_section_gives_the_limits_the_sender_always_had(config: Config) -> None:
    assert Limits.from_config(config.telegram) == Limits()
    limits = Limits.from_config(config.telegram)
    assert (limits.per_second, limits.group_interval, limits.private_interval) == (30, 3, 1)


def test_rates_become_intervals_and_pace_false_lifts_them() -> None:
    limits = Limits.from_config(load({"messages_per_second": 25, "group_messages_per_minute": 12,
                                      "private_messages_per_second": 0.5,
                                      "private_burst": 0}).telegram)
    assert (limits.per_second, limits.group_interval, limits.private_interval) == (25, 5, 2)
    assert limits.private_burst == 0
    assert limits.paced
    assert not Limits.from_config(load({"pace": False}).telegram).paced


@pytest.mark.parametrize(("telegram", "key", "problem"), [
    ({"pace": "false"}, "telegram.pace", "应为 true 或 false"),
    ({"pace": 0}, "telegram.pace", "应为 true 或 false"),
    ({"messages_per_second": -30}, "telegram.messages_per_second", "应大于 0"),
    ({"messages_per_second": 0}, "telegram.messages_per_second", "应大于 0"),
    ({"messages_per_second": "30"}, "telegram.messages_per_second", "应为数字"),
    ({"messages_per_second": float("inf")}, "telegram.messages_per_second", "有限"),
    ({"group_messages_per_minute": -1}, "telegram.group_messages_per_minute", "应大于 0"),
    ({"group_messages_per_minute": True}, "telegram.group_messages_per_minute", "应为数字"),
    ({"private_messages_per_second": 0}, "telegram.private_messages_per_second", "应大于 0"),
    ({"private_burst": -1}, "telegram.private_burst", "数值太小"),
    ({"private_burst": 1.5}, "telegram.private_burst", "应为整数"),
    ({"retry_after_floor": 1}, "telegram.retry_after_floor", "未知的配置项"),
    ("fast", "telegram", "应为表"),
])
def test_mistakes_name_the_key(telegram: Any, key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(telegram)
    assert f"{SOURCE} 中的 {key}" in str(info.value) and problem in str(info.value)
