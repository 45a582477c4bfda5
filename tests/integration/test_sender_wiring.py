"""How the bot wires its outbox sender: paced by config.toml's [telegram] section, and woken by
commits that queued a message and by nothing else (handlers and the sweep call wake_sender
after every unit of work, most of which owe nobody anything)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from telegram import Bot

from bot.app.application import build_application
from bot.app.clock import ManualClock
from bot.config import Config
from scheduler.dispatch import Dispatcher
from scheduler.pacing import Limits
from storage.db import OwedSignal, UowFactory, uow_factory
from storage.models import Outbox
from storage.outbox import add_outbox
from tests.factories import add_volunteer, submit


@pytest.fixture
def owed() -> OwedSignal:
    return OwedSignal()


@pytest.fixture
def signalled(engine: Engine, owed: OwedSignal) -> Iterator[UowFactory]:
    yield uow_factory(engine, owed)


def test_only_a_commit_that_queued_a_message_raises_the_signal(
        signalled: UowFactory, owed: OwedSignal, config: Config, clock: ManualClock) -> None:
    add_volunteer(signalled, clock.now(), 500)  # a transaction that owes nothing
    assert not owed.take()
    submit(signalled, config, clock.now())  # routed: the volunteer is offered it
    assert owed.take()
    assert not owed.take()  # taken once
    with signalled() as uow:  # queued, then given up: nothing was owed after all
        add_outbox(uow.session, Outbox(chat_id=500, notice="progress", payload={},
                                       created_at=clock.now(), not_before=clock.now()))
        uow.rollback()
    with signalled() as uow:  # ...and the next transaction on a fresh session owes nothing
        uow.commit()
    assert not owed.take()


def test_wake_if_owed_wakes_the_sender_only_after_such_a_commit(
        signalled: UowFactory, owed: OwedSignal, config: Config, clock: ManualClock) -> None:
    sender = Dispatcher(Bot("1:A"), signalled, config, clock, owed=owed)
    add_volunteer(signalled, clock.now(), 500)
    sender.wake_if_owed()
    assert not sender._wake.is_set()
    submit(signalled, config, clock.now())
    sender.wake_if_owed()
    assert sender._wake.is_set()
    sender._wake.clear()
    sender.wake_if_owed()  # nothing new since
    assert not sender._wake.is_set()
    sender.wake()  # an explicit wake still looks at once
    assert sender._wake.is_set()


@pytest.mark.parametrize("pace", [True, False])
def test_the_bot_paces_as_the_telegram_section_says(
        engine: Engine, config: Config, clock: ManualClock, pace: bool) -> None:
    telegram = config.telegram.model_copy(update={"pace": pace, "group_messages_per_minute": 15})
    app = build_application(config.model_copy(update={"token": "1:A", "telegram": telegram}),
                            engine, clock=clock)
    sender: Dispatcher = app.bot_data["dispatcher"]
    assert sender.limits == Limits(group_interval=4.0, paced=pace)
    deps = app.bot_data["deps"]
    assert deps.wake_sender == sender.wake_if_owed
    submit(deps.uows, config, clock.now())  # the bot's own units of work raise the signal
    deps.wake_sender()
    assert sender._wake.is_set()
