"""Updates a stopped process left undone in the inbox, handled again (issue 13 §1).

At start (bot/app/polling.py, bot/app/webhook.py) and, with webhook replicas, every few
seconds (bot/app/webhook.py): a replica that died leaves its half-handled updates to the
others. Which ones, and that two replicas never take the same one: bot/services/inbox.py,
recover_updates.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update
from telegram.ext import Application

from bot.services.deps import Deps
from bot.services.inbox import RECOVERY_HOLD, recover_updates

log = logging.getLogger(__name__)


async def queue_recovered(app: Application, deps: Deps,
                          stale_after: timedelta = timedelta(0), *,
                          one_process: bool = False,
                          hold: timedelta = RECOVERY_HOLD) -> list[int]:
    """Queue for handling the updates a stopped process left undone (recover_updates says
    which), held for this process for `hold`; their ids."""
    recovered = await deps.run(recover_updates, deps, stale_after, one_process=one_process,
                               hold=hold)
    queued = []
    for update_id, payload in recovered:
        update = Update.de_json(payload, app.bot)
        if update is not None:
            log.info("update %s was stored but not handled before the last stop: "
                     "handling it now", update_id)
            await app.update_queue.put(update)
            queued.append(update_id)
    return queued
