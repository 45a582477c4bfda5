"""Everything a handler or job needs, built once by bot/app.py and passed in (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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
    # Called after a handler committed notices, so the sender looks at once.
    wake_sender: Callable[[], None] = field(default=lambda: None)
