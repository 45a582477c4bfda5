"""The inbox's services: store a fetched batch, find what a crash left half-handled, and the
context in which an update's commits mark it done (storage/inbox.py explains the inbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.services.template import Tx, action
from storage.inbox import (
    AlreadyHandled,
    Stored,
    claim_undone,
    handling,
    purge_done,
    store_batch,
)

__all__ = ["AlreadyHandled", "Stored", "forget_old_updates", "handling", "recover_updates",
           "store_updates"]

# How long an update recovered by one process is left to it before another may recover it.
RECOVERY_HOLD = timedelta(minutes=10)
# With replicas, an update not done after this long is taken to be a dead replica's: a live
# one handles an update within seconds (a 429 pause may stretch it to a minute or two).
STALE_FOR_REPLICAS = timedelta(minutes=5)
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
def recover_updates(tx: Tx, stale_after: timedelta = timedelta(0), *,
                    one_process: bool = False) -> list[tuple[int, dict[str, Any]]]:
    """Updates stored at least `stale_after` ago and never done (a process stopped while
    handling them), oldest first, held for this process for RECOVERY_HOLD. With one process
    (polling) everything undone is stale at its start; replicas (webhook) leave a live
    replica's updates alone by asking only for old ones (the sweep asks again each pass).
    One whose words were erased meanwhile (/forgetme) is only marked done. `one_process`
    (polling): holds left by its own earlier runs are ignored (a run killed while recovering
    must not leave updates held from the next one)."""
    claimed = claim_undone(tx.session, tx.now, tx.now + RECOVERY_HOLD, tx.now - stale_after,
                           respect_claims=not one_process)
    store_batch(tx.session, (), tx.now, [(uid, False) for uid, payload in claimed if not payload])
    return [(uid, dict(payload)) for uid, payload in claimed if payload]


@action
def forget_old_updates(tx: Tx) -> int:
    """Drop the ids of updates handled more than KEEP_DONE ago (the sweep does, each pass)."""
    return purge_done(tx.session, tx.now - KEEP_DONE)
