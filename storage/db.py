"""Engine creation and the unit of work (one transaction; rolls back unless committed).

The rest of the code names the database through this module only: the Session a unit of
work holds, the Engine, UowFactory, and the errors a caller may catch (IntegrityError when
a unique key refused a second copy, SQLAlchemyError for any database failure). Queries
live in storage/ alone (import-linter contract "SQL only in storage").
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, create_engine

from storage import models
from storage.inbox import current_mark, mark_done_now
from storage.writes import INSERTED_NOW, columns, forget_inserted, insert_values


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for SQLite (file created on first use) or PostgreSQL. A failed statement's
    error names the statement, never its parameters: they may be a resident's words, name or
    phone number, and errors end up in the logs (decisions 14)."""
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(False))
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_schema(engine: Engine) -> None:
    """Bring the database to the code's schema by its Alembic revisions (storage/schema.py):
    create it when empty, adopt one a release before Alembic made, run what an older one
    lacks. For tests, tools and the playground (an empty SQLite database gets a copy of one
    migrated once per process: storage.schema.build_schema); `python -m bot run` only creates
    an empty database and refuses one behind the code (storage.schema.ensure_schema)."""
    from storage.schema import build_schema

    build_schema(engine)


_OWED = "queued_outbox"  # session.info key: this transaction queued an outbox row


_OUTBOX = models.Outbox.__table__  # type: ignore[attr-defined]


def mark_owed(session: Session) -> None:
    """This transaction queues an owed message: its commit raises the OwedSignal, if any."""
    session.info[_OWED] = True


class OwedSignal:
    """Raised by every commit that queued an outbox row, from any thread; the sender takes it
    when asked to wake, so transactions that queued nothing never wake it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._raised = False

    def set(self) -> None:
        with self._lock:
            self._raised = True

    def take(self) -> bool:
        """Was a row queued since the last take? (and lower it)."""
        with self._lock:
            raised, self._raised = self._raised, False
            return raised


class UnitOfWork:
    """`with uow:` opens a session; nothing is kept unless `uow.commit()` is called."""

    session: Session

    def __init__(self, session_factory: Callable[[], Session],
                 owed: OwedSignal | None = None) -> None:
        self._session_factory = session_factory
        self._owed = owed

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Detach first so objects handed back to the caller keep their loaded values
        # instead of being expired by the rollback.
        self.session.expunge_all()
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        # An update being handled is marked done in the transaction of its effects
        # (storage/inbox.py): a crash before this commit replays it, one after never does.
        mark = current_mark()
        reply_row = None
        if mark is not None:
            if not mark.done:
                mark_done_now(self.session, mark)
            if mark.reply is not None:  # the handler's reply, owed with these effects
                reply_row = insert_values(self.session, models.Outbox,
                                          columns(_OUTBOX, mark.reply.__dict__))
                mark_owed(self.session)
        self.session.commit()
        self.session.info.pop(INSERTED_NOW, None)  # stored for good now
        if mark is not None:
            # A promise is for the next commit only (bot/services/replies.py).
            mark.done, mark.reply, mark.reply_for = True, None, None
            if reply_row is not None:
                mark.reply_row = reply_row
        if self.session.info.pop(_OWED, False) and self._owed is not None:
            self._owed.set()

    def rollback(self) -> None:
        self.session.rollback()
        forget_inserted(self.session)
        self.session.info.pop(_OWED, None)


def session_factory(engine: Engine) -> Callable[[], Session]:
    def factory() -> Session:
        return Session(engine, expire_on_commit=False)

    return factory


UowFactory = Callable[[], UnitOfWork]


def uow_factory(engine: Engine, owed: OwedSignal | None = None) -> UowFactory:
    """What services receive: each call gives a fresh unit of work on this engine. `owed` is
    raised by each commit that queued an outbox row (the sender's wake-up, bot/app)."""
    make_session = session_factory(engine)
    return lambda: UnitOfWork(make_session, owed)


__all__ = [
    "Engine",
    "IntegrityError",
    "OwedSignal",
    "SQLAlchemyError",
    "Session",
    "UnitOfWork",
    "UowFactory",
    "create_schema",
    "make_engine",
    "mark_owed",
    "session_factory",
    "uow_factory",
]
