"""The [conversation] and [abuse] sections and BOT_BLOCK_KEY: shipped defaults, validation
naming the key, and the key read from the environment only."""

from __future__ import annotations

import copy
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, ConfigError, build_config

SHIPPED_RAW = tomllib.loads(
    (Path(__file__).resolve().parents[2] / "config.toml").read_text(encoding="utf-8"))
SOURCE = "/etc/bot/community.toml"


def load(change: dict[str, dict[str, Any]], env: dict[str, str] | None = None) -> Config:
    raw = copy.deepcopy(SHIPPED_RAW)
    for section, values in change.items():
        raw.setdefault(section, {}).update(values)
    return build_config(raw, env or {}, SOURCE)


def test_shipped_values_are_the_documented_defaults(config: Config) -> None:
    assert config.conversation.pending_input_minutes == 30
    assert (config.abuse.max_submissions, config.abuse.window) == (5, timedelta(minutes=10))
    assert config.block_key is None
    without = copy.deepcopy(SHIPPED_RAW)
    del without["conversation"], without["abuse"]
    defaults = build_config(without, {}, SOURCE)
    assert defaults.conversation == config.conversation and defaults.abuse == config.abuse


@pytest.mark.parametrize(("change", "key", "problem"), [
    ({"conversation": {"pending_input_minutes": 0}}, "conversation.pending_input_minutes",
     "数值太小"),
    ({"conversation": {"pending_input_minutes": "30m"}}, "conversation.pending_input_minutes",
     "应为整数"),
    ({"abuse": {"max_submissions": 0}}, "abuse.max_submissions", "数值太小"),
    ({"abuse": {"window": "ten minutes"}}, "abuse.window", "应为时长"),
    ({"abuse": {"windw": "10m"}}, "abuse.windw", "未知的配置项"),
])
def test_mistakes_name_the_key(change: dict[str, dict[str, Any]], key: str,
                               problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(change)
    assert f"{SOURCE} 中的 {key}" in str(info.value) and problem in str(info.value)


def test_the_block_key_comes_from_the_environment_only() -> None:
    assert load({}, {"BOT_BLOCK_KEY": "s3cret"}).block_key == "s3cret"
    raw = copy.deepcopy(SHIPPED_RAW)
    raw["block_key"] = "in the file"
    with pytest.raises(ConfigError) as info:
        build_config(raw, {"BOT_BLOCK_KEY": "s3cret"}, SOURCE)
    assert "BOT_BLOCK_KEY" in str(info.value)
    assert "s3cret" not in load({}, {"BOT_BLOCK_KEY": "s3cret"}).model_dump_json()
