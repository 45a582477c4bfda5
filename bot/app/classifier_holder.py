"""The classifier the services use, reloaded when config.toml changes (issue 11 §5, decisions 18).

Each use asks `current()`; at most once per `interval` (by the injected clock) that stats the
file, and when its mtime or size moved, reads it once, hashes the bytes and validates them
(bot.config.parse_config). A valid file replaces the rules of the [classifier] section and the
categories' keywords; every other section, category names and time limits included, keeps
what the process started with until a restart (logged, and said in the README). A broken edit
keeps the old rules and tells the coordinators why, once per file content: a ConfigProblem row
keyed by the content hash is inserted in the same transaction as the owed messages, so a
second replica, or this one checking again, finds it and owes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from bot import texts
from bot.app.clock import SystemClock
from bot.classify import Classifier
from bot.config import Config, ConfigError, parse_config
from bot.services.deps import Clock
from bot.services.notices import owe
from storage.db import IntegrityError, SQLAlchemyError, UnitOfWork
from storage.inbox import handling
from storage.models import ConfigProblem

log = logging.getLogger(__name__)

CHECK_INTERVAL = timedelta(seconds=1)
# The error as the coordinators read it: pydantic can list many keys; the first ones suffice.
MAX_ERROR = 1500
# What reloads; the rest of the file needs a restart.
RELOADED = ("classifier", "categories")
_NOT_COMPARED = (*RELOADED, "token", "block_key")


class ClassifierHolder:
    """Holds one Classifier; `current()` gives the one built from config.toml as it is now."""

    def __init__(self, config: Config, classifier: Classifier | None = None, *,
                 path: str | Path | None = None,
                 uows: Callable[[], UnitOfWork] | None = None,
                 clock: Clock | None = None, env: Mapping[str, str] | None = None,
                 build: Callable[[Config], Classifier] = Classifier,
                 interval: timedelta = CHECK_INTERVAL) -> None:
        self._config = config
        self._classifier = classifier or build(config)
        self._path = Path(path) if path is not None else None
        self._uows = uows
        self._clock = clock or SystemClock()
        self._env = os.environ if env is None else env
        self._build = build
        self._interval = interval
        self._checked_at: datetime | None = None
        self._stamp = self._stat()
        self._seen_hash: str | None = None  # content last examined (None: as started)
        self._lock = threading.Lock()
        # Called after a problem was owed, so the sender looks at once (bot/app/application.py).
        self.on_owed: Callable[[], None] = lambda: None

    def current(self) -> Classifier:
        if self._path is not None:
            self.check()
        return self._classifier

    def check(self) -> bool:
        """Look at the file if `interval` passed since the last look; True when reloaded."""
        now = self._clock.now()
        if self._checked_at is not None and now - self._checked_at < self._interval:
            return False
        if not self._lock.acquire(blocking=False):
            return False  # another thread is reloading: the old rules serve meanwhile
        try:
            self._checked_at = now
            stamp = self._stat()
            if stamp == self._stamp:
                return False
            self._stamp = stamp
            return self._reload(now)
        finally:
            self._lock.release()

    def _stat(self) -> tuple[int, int] | None:
        if self._path is None:
            return None
        try:
            st = os.stat(self._path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def _reload(self, now: datetime) -> bool:
        assert self._path is not None
        try:
            data: bytes | None = self._path.read_bytes()
        except OSError:
            data = None
        digest = hashlib.sha256(b"\0missing" if data is None else data).hexdigest()
        if digest == self._seen_hash:
            return False  # touched, not changed
        self._seen_hash = digest
        try:
            if data is None:
                raise ConfigError(texts.CONFIG_NOT_FOUND.format(path=self._path))
            fresh = parse_config(data, self._path, self._env)
            config = self._config.model_copy(
                update={name: getattr(fresh, name) for name in RELOADED})
            classifier = self._build(config)
        except Exception as exc:  # whatever the edit broke, the old rules stay
            log.warning("config.toml changed but cannot be used; keeping the previous "
                        "classifier rules: %s", exc)
            self._report(digest, str(exc), now)
            return False
        self._classifier = classifier
        others = [name for name in type(fresh).model_fields if name not in _NOT_COMPARED
                  and getattr(fresh, name) != getattr(self._config, name)]
        log.info("classifier rules reloaded from %s%s", self._path,
                 f"; changed sections {', '.join(others)} take effect after a restart"
                 if others else "")
        return True

    def _report(self, digest: str, error: str, now: datetime) -> None:
        """Owe every coordinator one message about this file content, unless one was owed."""
        if self._uows is None:
            return
        chats = sorted({c for community in self._config.communities
                        for c in community.coordinators})
        try:
            # Its own transaction, whatever update's handling found the edit: outside that
            # update's inbox mark (its done mark and promised reply go with its own commit).
            with handling(None, lambda: now), self._uows() as uow:
                s = uow.session
                if s.get(ConfigProblem, digest) is not None:
                    return
                s.add(ConfigProblem(content_hash=digest, created_at=now))
                s.flush()  # the key first: a replica that got here first makes this fail
                for chat in chats:
                    owe(s, self._config, now, chat, "config_problem", None, quiet=False,
                        error=error[:MAX_ERROR])
                uow.commit()
        except IntegrityError:
            return  # another replica owed it at the same moment
        except SQLAlchemyError:
            log.exception("could not owe the coordinators the config problem")
            return
        self.on_owed()
