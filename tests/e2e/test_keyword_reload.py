"""Keywords change without a restart, end to end (issue 11 §5): the running bot, started with
a copy of config.toml, classifies the next message by an edited keyword list; a broken edit
leaves the old rules working and reaches each coordinator once."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.clock import ManualClock
from bot.classify import Classifier
from bot.config import Config
from bot.localapi import LocalBotApi
from tests.e2e.conftest import COORDINATORS, Harness, start_harness

ROOT = Path(__file__).resolve().parents[2]
RESIDENT = 900
STATION = "驿站不给取件"  # `other` with the shipped rules: no category lists 驿站


@pytest.fixture
async def live(fake_api: LocalBotApi, config: Config, classifier: Classifier, tmp_path: Path,
               clock: ManualClock) -> AsyncIterator[tuple[Harness, Path]]:
    path = tmp_path / "config.toml"
    path.write_bytes((ROOT / "config.toml").read_bytes())
    async for harness in start_harness(fake_api, config, classifier, tmp_path / "bot.db", clock,
                                       config_path=path):
        yield harness, path


def _edit(path: Path, old: str, new: str, bump: int) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    stamp = path.stat().st_mtime_ns + bump * 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


async def _category_of(bot: Harness, user: int, text: str) -> str:
    since = time.monotonic()
    await bot.send_text(user, text)
    preview = await bot.reply_to(user, "确认提交", since=since)
    return next(line for line in preview.params["text"].splitlines()
                if line.startswith("类别："))


async def test_an_edited_keyword_classifies_the_next_message(
        live: tuple[Harness, Path]) -> None:
    bot, path = live
    assert "其他" in await _category_of(bot, RESIDENT, STATION)
    _edit(path, "[categories.property.keywords]\n",
          '[categories.property.keywords]\n"驿站" = 3\n', 1)
    bot.clock.advance(timedelta(seconds=1))
    assert "物业服务" in await _category_of(bot, RESIDENT + 1, STATION)


async def test_a_broken_edit_keeps_the_rules_and_tells_each_coordinator_once(
        live: tuple[Harness, Path]) -> None:
    bot, path = live
    since = time.monotonic()
    _edit(path, "[categories.property.keywords]\n",
          '[categories.property.keywords]\n"驿站" = "很重"\n', 1)
    for i in range(3):  # three messages, three checks: still one notice each
        bot.clock.advance(timedelta(seconds=1))
        assert "设施维修" in await _category_of(bot, RESIDENT + i, "1号楼楼道灯坏了")
    for coordinator in COORDINATORS:
        told = await bot.reply_to(coordinator, "config.toml", since=since)
        assert "categories.property.keywords" in told.params["text"]
    await bot.settled()
    for coordinator in COORDINATORS:
        assert len([c for c in bot.api.calls("sendMessage") if c.chat_id == coordinator
                    and c.time >= since and "config.toml" in c.params.get("text", "")]) == 1
