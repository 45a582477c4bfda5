"""Everything a handler or job needs, built once by bot/app.py and passed in (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.abuse import BlockKey
from bot.classify import Classifier
from bot.clock import Clock
from bot.config import Config
from storage.db import UnitOfWork


@dataclass
class Services:
    config: Config
    uows: Callable[[], UnitOfWork]
    clock: Clock
    classifier: Classifier
    block_key: BlockKey
    # Called after a handler committed notices, so the sender looks at once.
    wake_sender: Callable[[], None] = field(default=lambda: None)

    def key(self) -> bytes:
        """The key of the blocked residents' hashes (read or made once)."""
        return self.block_key.get(self.clock.now())
