"""`python -m bot classify --suggest` reads the corrections stored in the configured database
and prints proposals, each with the accuracy it would give on the labelled set; config.toml
is never touched (issue 11 §3)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot import texts
from bot.app.cli import main
from bot.app.clock import ManualClock
from bot.config import DEFAULT_CONFIG_PATH, Config
from bot.services import office as O
from storage.db import create_schema, make_engine, uow_factory
from tests.factories import COORDINATOR, deps_at, submit

# Three letters about the parcel station (驿站) a coordinator put under 物业服务.
STATION = ("驿站不给取件", "驿站天天关门，取件要跑老远", "楼下驿站的人态度很差")


def test_suggest_proposes_a_keyword_with_its_accuracy(
        tmp_path: Path, config: Config, clock: ManualClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(url)
    create_schema(engine)
    uows = uow_factory(engine)
    for i, text in enumerate(STATION):
        number = submit(uows, config, clock.now(), text=text, category="other",
                        reporter=900 + i).id
        assert number is not None
        O.recategorise(deps_at(uows, config, clock.now()), number, COORDINATOR, "property")
    engine.dispose()
    shipped = DEFAULT_CONFIG_PATH.read_bytes()
    monkeypatch.setenv("DATABASE_URL", url)
    out, err = io.StringIO(), io.StringIO()

    assert main(["classify", "--suggest"], out=out, err=err) == 0, err.getvalue()

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("改类别记录 3 条") and "0/3" in lines[0]
    proposal = next(line for line in lines if "「驿站」" in line)
    assert "物业服务" in proposal and "加关键词" in proposal
    assert "准确率 0." in proposal and "记录分对 3/3" in proposal
    assert lines[-1] == texts.SUGGEST_FOOTER
    assert DEFAULT_CONFIG_PATH.read_bytes() == shipped  # nothing changes by itself


def test_suggest_without_corrections_says_where_they_come_from(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    out = io.StringIO()
    assert main(["classify", "--suggest"], out=out, err=io.StringIO()) == 0
    assert out.getvalue().strip() == texts.SUGGEST_NO_CORRECTIONS


def test_suggest_refuses_a_text_or_file_beside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    assert main(["classify", "--suggest", "楼道灯坏了"], out=io.StringIO(), err=err) == 2
    assert main(["classify", "--labels", "x.jsonl", "楼道灯坏了"], out=io.StringIO(),
                err=err) == 2
