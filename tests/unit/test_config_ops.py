"""[ops] (logs, when /healthz calls the bot stale) and [web]'s metrics_token and WEB_HOST /
WEB_PORT: defaults, and every mistake refused naming the key."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, ConfigError, OpsSection, build_config

SHIPPED_RAW = tomllib.loads(
    (Path(__file__).resolve().parents[2] / "config.toml").read_text(encoding="utf-8"))
SOURCE = "/etc/bot/community.toml"


def load(change: Callable[[dict[str, Any]], object] = lambda raw: None,
         env: dict[str, str] | None = None) -> Config:
    raw = copy.deepcopy(SHIPPED_RAW)
    change(raw)
    return build_config(raw, env or {}, SOURCE)


def refused(change: Callable[[dict[str, Any]], object] = lambda raw: None,
            env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load(change, env)
    message = str(info.value)
    assert SOURCE in message or "WEB_PORT" in message
    return message


def test_shipped_values_are_the_defaults(config: Config) -> None:
    assert config.ops == OpsSection()
    assert (config.ops.log_format, config.ops.log_level) == ("text", "INFO")
    assert config.ops.sweep_stale_after == timedelta(minutes=5)
    assert config.ops.send_stale_after == timedelta(minutes=10)
    assert config.web.metrics_token == ""
    without = load(lambda raw: (raw.pop("ops"), raw["web"].pop("metrics_token")))
    assert without.ops == config.ops and without.web == config.web


def test_json_logs_and_a_level_in_any_case() -> None:
    config = load(lambda raw: raw["ops"].update(log_format="json", log_level="debug"))
    assert (config.ops.log_format, config.ops.log_level) == ("json", "DEBUG")


@pytest.mark.parametrize(("key", "value", "problem"), [
    ("log_format", "xml", "text / json"),
    ("log_format", 1, "应为字符串"),
    ("log_level", "LOUD", "DEBUG / INFO / WARNING / ERROR"),
    ("sweep_stale_after", "soon", "应为时长"),
    ("send_stale_after", 600, "应为时长"),
    ("port", 9100, "未知的配置项"),  # the port is [web]'s (decisions 7)
    ("colour", "blue", "未知的配置项"),
])
def test_mistakes_in_ops_name_the_key(key: str, value: Any, problem: str) -> None:
    message = refused(lambda raw: raw["ops"].update({key: value}))
    assert f"ops.{key}" in message and problem in message


def test_a_sweep_stale_limit_below_two_sweep_intervals_is_refused() -> None:
    message = refused(lambda raw: raw["ops"].update(sweep_stale_after="45s"))
    assert "ops.sweep_stale_after" in message and '"30s"' in message
    message = refused(lambda raw: (raw["followups"].update(sweep_interval="10m"),))
    assert "ops.sweep_stale_after" in message and '"10m"' in message
    assert load(lambda raw: raw["ops"].update(sweep_stale_after="1m")).ops.sweep_stale_after \
        == timedelta(minutes=1)


@pytest.mark.parametrize(("value", "problem"), [
    ("short", "至少要 16 个字符"),
    (" padded-token-of-enough-length ", "前后不能有空格"),
    (12345678901234567, "应为字符串"),
])
def test_a_bad_metrics_token_names_the_key(value: Any, problem: str) -> None:
    message = refused(lambda raw: raw["web"].update(metrics_token=value))
    assert "web.metrics_token" in message and problem in message


def test_a_metrics_token_of_sixteen_characters_is_taken() -> None:
    assert load(lambda raw: raw["web"].update(metrics_token="x" * 16)).web.metrics_token \
        == "x" * 16


def test_an_unknown_web_key_is_named() -> None:
    assert "web.metrics" in refused(lambda raw: raw["web"].update(metrics=True))


def test_web_host_and_port_from_the_environment() -> None:
    config = load(env={"WEB_HOST": "0.0.0.0", "WEB_PORT": "0"})
    assert (config.web.host, config.web.port) == ("0.0.0.0", 0)
    assert load(env={"WEB_PORT": ""}).web.port == 8080
    without = load(lambda raw: raw.pop("web"), env={"WEB_PORT": "9000"})
    assert without.web.port == 9000


@pytest.mark.parametrize("value", ["abc", "-1", "80.5"])
def test_a_web_port_in_the_environment_that_is_no_number_is_named(value: str) -> None:
    message = refused(env={"WEB_PORT": value})
    assert "WEB_PORT" in message and value in message


def test_a_web_port_in_the_environment_out_of_range_names_the_key() -> None:
    assert "web.port" in refused(env={"WEB_PORT": "70000"})
