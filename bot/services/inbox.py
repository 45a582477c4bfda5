"""The inbox's services: store a fetched batch, find what a crash left half-handled, and the
context in which an update's commits mark it done (storage/inbox.py explains the inbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.services.template import Tx, action
from storage.inbox import Stored, handling, purge_done, store_batch, undone_updates

__all__ = ["Stored", "forget_old_updates", "handling", "recover_updates", "store_updates"]

# How long a handled update's id is kept: Telegram redelivers what was not acknowledged within
# moments; a webhook's retries give up within a day.
KEEP_DONE = timedelta(days=2)


@action
def store_updates(tx: Tx, batch: Sequence[Stored],
                  finished: Sequence[tuple[int, bool]] = ()) -> list[int]:
    """Store a fetched batch in one transaction, with the done marks of updates handled since
    that wrote nothing; the batch's update ids still to handle (a redelivered done one is not)."""
    return store_batch(tx.session, batch, tx.now, finished)


@action
def recover_updates(tx: Tx, limit: int = 1000) -> list[tuple[int, dict[str, Any]]]:
    """Updates stored but never done (the process stopped while handling them), oldest first.
    One whose words were erased meanwhile (/forgetme) is only marked done."""
    undone = undone_updates(tx.session, limit)
    store_batch(tx.session, (), tx.now, [(uid, False) for uid, payload in undone if not payload])
    return [(uid, payload) for uid, payload in undone if payload]


@action
def forget_old_updates(tx: Tx) -> int:
    """Drop the ids of updates handled more than KEEP_DONE ago (the sweep does, each pass)."""
    return purge_done(tx.session, tx.now - KEEP_DONE)
