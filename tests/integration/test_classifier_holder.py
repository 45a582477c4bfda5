"""Keywords change without a restart (issue 11 §5, decisions.md 18): config.toml is checked by
mtime at most once a second (the injected clock), validated before use; a broken edit keeps
the old rules and is told to the coordinators once per file content, however often and by
however many holders (replicas) it is checked."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from bot.app.classifier_holder import ClassifierHolder
from bot.app.clock import ManualClock
from bot.classify import Classifier
from bot.config import Config, load_config
from bot.services.owed import render_owed
from storage.models import Outbox
from tests.factories import Uows

ROOT = Path(__file__).resolve().parents[2]
SECOND = timedelta(seconds=1)
NEW_WORD = "驿站"  # a word no category lists: "驿站不给取件" is `other` with the shipped rules


def _copy(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text((ROOT / "config.toml").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def _edit(path: Path, old: str, new: str, bump: int) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    # A later mtime whatever the filesystem's timestamp resolution.
    stamp = path.stat().st_mtime_ns + bump * 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


def _add_keyword(path: Path, bump: int = 1) -> None:
    _edit(path, "[categories.property.keywords]\n",
          f'[categories.property.keywords]\n"{NEW_WORD}" = 3\n', bump)


def _problems(uows: Uows) -> list[Outbox]:
    with uows() as uow:
        return list(uow.session.exec(select(Outbox).where(Outbox.notice == "config_problem")))


def test_a_new_keyword_takes_effect_on_the_next_check(
        tmp_path: Path, config: Config, clock: ManualClock, uows: Uows) -> None:
    path = _copy(tmp_path)
    holder = ClassifierHolder(config, path=path, uows=uows, clock=clock)
    assert holder.current().classify("驿站不给取件").category == "other"
    _add_keyword(path)
    # Checked at most once a second: within the same second the old rules still answer.
    clock.advance(SECOND / 2)
    holder.current()
    clock.advance(SECOND / 4)
    assert holder.current().classify("驿站不给取件").category == "other"
    clock.advance(SECOND)
    got = holder.current().classify("驿站不给取件")
    assert got.category == "property" and NEW_WORD in got.matched
    assert _problems(uows) == []


def test_a_broken_edit_keeps_the_old_rules_and_is_told_once(
        tmp_path: Path, config: Config, clock: ManualClock, uows: Uows) -> None:
    path = _copy(tmp_path)
    replicas = [ClassifierHolder(config, path=path, uows=uows, clock=clock) for _ in range(2)]
    before = [holder.current() for holder in replicas]
    _edit(path, "[categories.property.keywords]\n",
          '[categories.property.keywords]\n"驿站" = "很重"\n', 1)
    for _ in range(5):
        clock.advance(SECOND)
        for holder, old in zip(replicas, before, strict=True):
            assert holder.current() is old  # the old rules still serve
            assert holder.current().classify("驿站不给取件").category == "other"
    problems = _problems(uows)
    coordinators = sorted(c for community in config.communities for c in community.coordinators)
    # Exactly one owed message per coordinator, naming the key that is wrong.
    assert sorted(p.chat_id for p in problems) == coordinators
    with uows() as uow:
        shown = render_owed(uow.session, config, problems[0])
    assert len(shown) == 1 and "categories.property.keywords" in shown[0].text

    # Fixed: the next check uses the new rules, and owes nothing more.
    _edit(path, '"驿站" = "很重"', '"驿站" = 3', 2)
    clock.advance(SECOND)
    assert all(h.current().classify("驿站不给取件").category == "property" for h in replicas)
    assert len(_problems(uows)) == len(coordinators)

    # The same broken content again (undone and redone) is not told a second time.
    _edit(path, '"驿站" = 3', '"驿站" = "很重"', 3)
    clock.advance(SECOND)
    assert all(h.current().classify("驿站不给取件").category == "property" for h in replicas)
    assert len(_problems(uows)) == len(coordinators)


def test_a_file_that_is_not_toml_is_reported_and_changes_nothing(
        tmp_path: Path, config: Config, clock: ManualClock, uows: Uows) -> None:
    path = _copy(tmp_path)
    holder = ClassifierHolder(config, path=path, uows=uows, clock=clock)
    old = holder.current()
    _edit(path, "[categories.property.keywords]\n", "[categories.property.keywords\n", 1)
    clock.advance(SECOND)
    assert holder.current() is old
    assert len(_problems(uows)) == 2


def test_other_sections_wait_for_a_restart(tmp_path: Path, config: Config,
                                           clock: ManualClock) -> None:
    path = _copy(tmp_path)
    holder = ClassifierHolder(config, path=path, clock=clock)
    _add_keyword(path)
    _edit(path, 'name = "和兴社区"', 'name = "新名字"', 2)
    clock.advance(SECOND)
    reloaded: Classifier = holder.current()
    assert reloaded.classify("驿站不给取件").category == "property"
    # The classifier's own config carries only the reloaded sections.
    assert reloaded._config.communities == config.communities
    assert load_config(path, env={}).communities != config.communities
