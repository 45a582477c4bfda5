"""Review (issue 13 §1): a keyword reload's own commit and the update being handled.

The classifier is fetched inside a service's transaction (Tx.classifier, in take_message).
When config.toml changed and the edit is broken, ClassifierHolder._report owes the
coordinators a message in a unit of work of its own, and commits it there and then, in the
update's context: UnitOfWork.commit marks the update being handled done (and writes its
promised reply, if one is waiting) in that transaction, not in the one that stores the
resident's message. A crash, or a failed commit, between the two leaves the update done with
nothing of it stored: it is never replayed.
"""

from __future__ import annotations

from pathlib import Path

from bot.app.classifier_holder import ClassifierHolder
from bot.app.clock import ManualClock
from bot.config import Config
from storage.inbox import Stored, handling, store_batch
from tests.factories import RESIDENT, Uows
from tests.integration.test_classifier_holder import SECOND, _copy, _edit

UPDATE = 4242


def test_a_broken_keyword_edit_does_not_mark_the_update_being_handled_done(
        tmp_path: Path, config: Config, clock: ManualClock, uows: Uows) -> None:
    path = _copy(tmp_path)
    holder = ClassifierHolder(config, path=path, uows=uows, clock=clock)
    holder.current()
    with uows() as uow:  # the poller stored the update before acknowledging it
        store_batch(uow.session, [Stored(UPDATE, RESIDENT, RESIDENT, {"update_id": UPDATE})],
                    clock.now())
        uow.commit()
    _edit(path, "[categories.property.keywords]\n",
          '[categories.property.keywords]\n"驿站" = "很重"\n', 1)
    clock.advance(SECOND)
    with handling(UPDATE, clock.now) as mark:
        assert mark is not None
        holder.current()  # as Tx.classifier does, inside take_message's transaction
        assert not mark.done, "the update was marked done by the reload's commit"
