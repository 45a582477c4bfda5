"""Log lines that say which update, chat and ticket they belong to, as text or as JSON.

One place sets the context: the update processor (handlers/ordering.py) opens `log_context`
around each update, with its update_id and chat; a service that comes to know the ticket adds
it with `note(ticket=…)` (bot/services/moves.py). The context is a mutable mapping held in a
context variable: Deps.run copies the context into its worker thread, so a number noted there
is seen by the lines logged on the event loop afterwards too.

What goes into a line is what the code logs: numbers, codes and Telegram's answers. Never a
resident's words, names or phone numbers (the database engine hides statement parameters,
storage/db.py, so a failed INSERT does not log the text it carried).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

_context: ContextVar[dict[str, Any] | None] = ContextVar("bot_log_context", default=None)
# The keys a line may carry, in this order.
FIELDS = ("update_id", "chat", "ticket")


@contextmanager
def log_context(**fields: Any) -> Iterator[dict[str, Any]]:
    """Every line logged inside carries `fields` (None values left out), and what `note` adds."""
    current = {k: v for k, v in fields.items() if v is not None}
    token = _context.set(current)
    try:
        yield current
    finally:
        _context.reset(token)


def note(**fields: Any) -> None:
    """Add to the context of the update being handled (nothing outside one)."""
    current = _context.get()
    if current is not None:
        current.update({k: v for k, v in fields.items() if v is not None})


def context_fields() -> dict[str, Any]:
    current = _context.get()
    return dict(current) if current else {}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the context's
    update_id / chat / ticket where known, and the traceback as `exc` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(context_fields())
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_handler(log_format: str = "text", stream: TextIO | None = None) -> logging.Handler:
    """A handler writing to `stream` (stderr) in the format [ops] log_format names."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json"
                         else logging.Formatter(TEXT_FORMAT))
    return handler
