"""Everything a handler or job needs, built once by bot/app/application.py and passed in (no
globals). The clock and the classifier's source are described by what the services ask of
them; bot/app supplies the real ones (bot/app/clock.py, bot/app/classifier_holder.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.classify import Classifier
from bot.config import Config
from bot.services.abuse import BlockKey
from storage.db import UnitOfWork


class Clock(Protocol):
    """Time as a dependency: services receive `now` from a Clock, tests move it by hand."""

    def now(self) -> datetime: ...


class Classifiers(Protocol):
    """Where the current classifier comes from (config.toml's keywords reload while running)."""

    def current(self) -> Classifier: ...


@dataclass
class Services:
    config: Config
    uows: Callable[[], UnitOfWork]
    clock: Clock
    # The classifier through its holder: config.toml's keywords reload without a restart.
    classifiers: Classifiers
    block_key: BlockKey
    # Called after a handler committed notices, so the sender looks at once.
    wake_sender: Callable[[], None] = field(default=lambda: None)

    @property
    def classifier(self) -> Classifier:
        """The classifier as config.toml is now (checked at most once a second)."""
        return self.classifiers.current()

    def key(self) -> bytes:
        """The key of the blocked residents' hashes (read or made once)."""
        return self.block_key.get(self.clock.now())
