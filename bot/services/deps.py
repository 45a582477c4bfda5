"""Everything a handler or job needs, built once by bot/app.py and passed in (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.app.classifier_holder import ClassifierHolder
from bot.app.clock import Clock
from bot.classify import Classifier
from bot.config import Config
from bot.services.abuse import BlockKey
from storage.db import UnitOfWork


@dataclass
class Services:
    config: Config
    uows: Callable[[], UnitOfWork]
    clock: Clock
    # The classifier through its holder: config.toml's keywords reload without a restart.
    classifiers: ClassifierHolder
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
