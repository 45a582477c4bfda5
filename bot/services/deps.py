"""Everything a handler or job needs, built once by bot/app/application.py and passed in (no
globals). The clock and the classifier's source are described by what the services ask of
them; bot/app supplies the real ones (bot/app/clock.py, bot/app/classifier_holder.py)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.classify import Classifier
from bot.config import Config
from bot.services.abuse import BlockKey, draft_tag
from storage.db import UnitOfWork


class Clock(Protocol):
    """Time as a dependency: services receive `now` from a Clock, tests move it by hand."""

    def now(self) -> datetime: ...


class Classifiers(Protocol):
    """Where the current classifier comes from (config.toml's keywords reload while running)."""

    def current(self) -> Classifier: ...


class RecentlyShown:
    """Which messages' previews this process sent lately (a bounded memory, oldest forgotten).

    Telegram delivers an update again only when the bot may not have handled it: after a
    crash or restart, this memory is empty and the preview is sent again (at least once,
    decisions 4); a redelivery to the same running process finds it here and is not answered
    twice. Storing each preview's message id instead would cost every text a transaction."""

    def __init__(self, size: int = 10_000) -> None:
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def add(self, key: str) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self._size:
            self._keys.popitem(last=False)

    def __contains__(self, key: object) -> bool:
        return key in self._keys


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
    previews_shown: RecentlyShown = field(default_factory=RecentlyShown)

    @property
    def classifier(self) -> Classifier:
        """The classifier as config.toml is now (checked at most once a second)."""
        return self.classifiers.current()

    def key(self) -> bytes:
        """The key of the blocked residents' hashes (read or made once)."""
        return self.block_key.get(self.clock.now())

    def draft_tag(self, draft_id: int, user_id: int) -> str:
        """The seal on a draft's 确认提交 button (bot/services/abuse.py, draft_tag)."""
        return draft_tag(self.key(), draft_id, user_id)
