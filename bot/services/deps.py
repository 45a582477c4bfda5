"""Deps: everything a service, handler or job needs, built once by bot/app/application.py and
passed in (no globals). Every service takes it first: bot/services/template.py opens the
service's unit of work from it and reads `now` from its clock. The clock and the classifier's
source are described by what the services ask of them; bot/app supplies the real ones
(bot/app/clock.py, bot/app/classifier_holder.py)."""

from __future__ import annotations

import asyncio
import contextvars
import copy
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import ParamSpec, Protocol, TypeVar

from bot.classify import Classifier
from bot.config import Config
from bot.services.abuse import BlockKey, draft_tag
from bot.services.replies import HeldReplies
from storage.db import UnitOfWork


class Clock(Protocol):
    """Time as a dependency: services receive `now` from a Clock, tests move it by hand."""

    def now(self) -> datetime: ...


class Classifiers(Protocol):
    """Where the current classifier comes from (config.toml's keywords reload while running)."""

    def current(self) -> Classifier: ...


@dataclass(frozen=True)
class StoppedClock:
    """A clock that always says one moment: one sweep's (Deps.at), or a test's."""

    moment: datetime

    def now(self) -> datetime:
        return self.moment


class Unchanging:
    """A classifier that never reloads: the one given, or one built from the config when first
    asked for (the command line and tests; the running bot reloads, bot/app)."""

    def __init__(self, config: Config, classifier: Classifier | None = None) -> None:
        self._config, self._classifier = config, classifier
        self._lock = threading.Lock()

    def current(self) -> Classifier:
        with self._lock:  # built once, even when two threads ask first
            if self._classifier is None:
                self._classifier = Classifier(self._config)
            return self._classifier


P = ParamSpec("P")
R = TypeVar("R")

# Threads the database work of handlers (and the sender's, and chart drawing) runs in, so a
# slow query never stalls every chat on the event loop. Measured (issue 12 §5, bench/intake.py
# and bench/db_offloop.py in session 5): a bounded pool of sync sessions beat aiosqlite on
# SQLite (CPU 1.27× vs 2.2× the loop-only figure, loop lag p99 16 ms vs 694 ms): SQLite
# serialises writers anyway, and the ORM's Python is the cost, not waiting on the file.
DB_THREADS = 4


def db_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=DB_THREADS, thread_name_prefix="db")


class RecentlyShown:
    """Which messages' previews this process sent lately, and the message id of each preview
    (a bounded memory, oldest forgotten), keyed by the draft's first message.

    Telegram delivers an update again only when the bot may not have handled it: after a
    crash or restart, this memory is empty and the preview is sent again (at least once,
    decisions 4); a redelivery to the same running process finds it here and is not answered
    twice. Storing each preview's message id instead would cost every text a transaction.
    More for the same draft (a location after a voice note, words after a photo) edits the
    preview remembered here, so one draft has one live preview with 确认提交."""

    def __init__(self, size: int = 10_000) -> None:
        self._keys: OrderedDict[str, int | None] = OrderedDict()
        self._size = size

    def add(self, key: str, message_id: int | None = None) -> None:
        self._keys[key] = message_id
        self._keys.move_to_end(key)
        while len(self._keys) > self._size:
            self._keys.popitem(last=False)

    def message_id(self, key: str) -> int | None:
        """The preview's message id, when this process sent it lately."""
        return self._keys.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._keys


@dataclass
class Deps:
    config: Config
    uows: Callable[[], UnitOfWork]
    clock: Clock
    # The classifier through its holder: config.toml's keywords reload without a restart.
    # Left out: one built from the config when first asked for (Unchanging).
    classifiers: Classifiers | None = None
    # Left out: the key from the environment or the database (BlockKey).
    block_key: BlockKey | None = None
    # Called after every unit of work of a handler or the sweep: wakes the sender at once
    # when one of its commits queued an outbox row, and costs nothing when none did.
    wake_sender: Callable[[], None] = field(default=lambda: None)
    previews_shown: RecentlyShown = field(default_factory=RecentlyShown)
    # Owed replies their handlers delivered, marked sent in batches (bot/services/replies.py).
    replies: HeldReplies = field(default_factory=HeldReplies)
    pool: ThreadPoolExecutor = field(default_factory=db_pool)

    def __post_init__(self) -> None:
        self._classifiers = self.classifiers or Unchanging(self.config)
        self._block_key = self.block_key or BlockKey(self.config, self.uows)

    def at(self, now: datetime) -> Deps:
        """The same dependencies with the clock stopped at `now`: every action run through
        them sees one moment (a sweep's pass; tests). The key, once read, is shared."""
        stopped = copy.copy(self)
        stopped.clock = StoppedClock(now)
        return stopped

    async def run(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """`fn(*args, **kwargs)` (a service: database work) in the pool, off the event loop.
        It runs in a copy of the caller's context, as it would have run inline."""
        call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self.pool, call)

    @property
    def classifier(self) -> Classifier:
        """The classifier as config.toml is now (checked at most once a second)."""
        return self._classifiers.current()

    def key(self) -> bytes:
        """The key of the blocked residents' hashes (read or made once)."""
        return self._block_key.get(self.clock.now())

    def draft_tag(self, draft_id: int, user_id: int) -> str:
        """The seal on a draft's 确认提交 button (bot/services/abuse.py, draft_tag)."""
        return draft_tag(self.key(), draft_id, user_id)
