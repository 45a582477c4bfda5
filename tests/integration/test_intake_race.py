"""Two processes handle the same message at once (replicas, or a restart while the old process
still runs): both look for its draft, find none, and both insert. The second insert breaks
the unique source key; that must read as "already stored", never as an error."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session, select

from bot.app.clock import ManualClock
from bot.classify import Classifier
from bot.config import Config
from bot.services.intake import Incoming, Received
from bot.services.messages import take_message
from storage.db import UnitOfWork, session_factory
from storage.models import Draft
from tests.factories import RESIDENT, Uows, deps_at

RACERS = 2
MESSAGE = Incoming(user_id=RESIDENT, user_name="张", source_key=f"m:{RESIDENT}:7",
                   text="1号楼楼道灯坏了三天了")


@pytest.fixture(scope="module")
def classifier(config: Config) -> Classifier:
    return Classifier(config)


def racing(engine: Engine, met: threading.Barrier, waited: list[str]) -> Uows:
    """Units of work whose first look-up of a draft by its message waits, once answered, until
    every racer has made its own: so all of them pass the "seen?" check before any of them
    inserts, on every run, whatever the machine's speed. One call per racer (thread)."""
    looked = threading.Event()

    def wait_after_lookup(state: ORMExecuteState) -> Any:
        result = state.invoke_statement().freeze()
        if not looked.is_set() and "draft.source_key =" in str(state.statement):
            looked.set()
            waited.append(threading.current_thread().name)
            met.wait(timeout=60)
        return result()

    make_session = session_factory(engine)

    def session() -> Session:
        made = make_session()
        event.listen(made, "do_orm_execute", wait_after_lookup)
        return made

    return lambda: UnitOfWork(session)


@pytest.fixture
def met() -> Iterator[threading.Barrier]:
    barrier = threading.Barrier(RACERS)
    yield barrier
    barrier.abort()  # a failed racer must not leave the other waiting


def test_the_same_message_stored_by_two_processes_at_once_is_one_draft(
        engine: Engine, uows: Uows, config: Config, classifier: Classifier, clock: ManualClock,
        met: threading.Barrier) -> None:
    waited: list[str] = []

    def receive(_: int) -> Received:
        taken = take_message(deps_at(racing(engine, met, waited), config, clock.now(),
                                     classifier),
                             MESSAGE, may_answer=True)
        assert taken.received is not None, taken
        return taken.received

    with ThreadPoolExecutor(RACERS) as pool:
        results = list(pool.map(receive, range(RACERS)))

    assert not met.broken, "the racers never met: the race was not reproduced"
    assert len(waited) == RACERS, "a racer never looked its draft up: no race"
    assert sorted(r.how for r in results) == ["duplicate", "new"]
    assert len({r.draft.id for r in results}) == 1  # the loser is handed the winner's draft
    with uows() as uow:
        stored = uow.session.exec(select(Draft)).all()
    assert [(d.source_key, d.text, d.category) for d in stored] == [
        (MESSAGE.source_key, MESSAGE.text, "repairs")]
