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
    hold_longer,
    purge_done,
    store_batch,
)

__all__ = ["AlreadyHandled", "Stored", "forget_old_updates", "handling", "keep_holding",
           "recover_updates", "store_updates"]

# How long an update recovered by one process is left to it before another may recover it.
RECOVERY_HOLD = timedelta(minutes=10)
# Webhook replicas: an update a replica stored (or recovered) is claimed by it for this long,
# the claim renewed every few seconds while it handles it (bot/app/webhook.py). A replica that
# dies stops renewing, and a live one takes the update over once the claim has run out: the
# same failover as the outbox sender's (issue 13 §1).
HANDLING_HOLD = timedelta(seconds=15)
# With replicas, an update never claimed (stored by a poller, or by a release before the
# claims) and not done after this long is taken to be a dead process's: a live one handles an
# update within seconds (a 429 pause may stretch it to a minute or two).
STALE_FOR_REPLICAS = timedelta(minutes=5)
# How long a handled update's id is kept: Telegram redelivers what was not acknowledged within
# moments; a webhook's retries give up within a day.
KEEP_DONE = timedelta(days=2)


@action
def store_updates(tx: Tx, batch: Sequence[Stored], finished: Sequence[tuple[int, bool]] = (),
                  hold: timedelta | None = None) -> list[int]:
    """Store a fetched batch in one transaction, with the done marks of updates handled since
    that wrote nothing; the batch's update ids still to handle (a redelivered done one is not).
    `hold`: claimed by this process for that long (webhook replicas: HANDLING_HOLD)."""
    return store_batch(tx.session, batch, tx.now, finished,
                       tx.now + hold if hold is not None else None)


@action
def keep_holding(tx: Tx, update_ids: Sequence[int]) -> list[int]:
    """Renew this replica's claim on the updates it is handling, for HANDLING_HOLD more; the
    ids still not done."""
    return hold_longer(tx.session, update_ids, tx.now + HANDLING_HOLD)


@action
def recover_updates(tx: Tx, stale_after: timedelta = timedelta(0), *,
                    one_process: bool = False,
                    hold: timedelta = RECOVERY_HOLD) -> list[tuple[int, dict[str, Any]]]:
    """Updates never done (a process stopped while handling them) whose claim ran out, or
    never claimed and stored at least `stale_after` ago, oldest first, held for this process
    for `hold`. With one process (polling) everything undone is stale at its start; replicas
    (webhook) leave a live replica's updates alone: it renews its claims (keep_holding), and
    they look again every few seconds. One whose words were erased meanwhile (/forgetme) is
    only marked done. `one_process` (polling): holds left by its own earlier runs are ignored
    (a run killed while recovering must not leave updates held from the next one)."""
    claimed = claim_undone(tx.session, tx.now, tx.now + hold, tx.now - stale_after,
                           respect_claims=not one_process)
    store_batch(tx.session, (), tx.now, [(uid, False) for uid, payload in claimed if not payload])
    return [(uid, dict(payload)) for uid, payload in claimed if payload]


@action
def forget_old_updates(tx: Tx) -> int:
    """Drop the ids of updates handled more than KEEP_DONE ago (the sweep does, each pass)."""
    return purge_done(tx.session, tx.now - KEEP_DONE)
