"""A person's private message, handled in one transaction from the first read to the commit.

A text may answer the question the bot is waiting on (bot/services/conversation.py); if not,
or for a photo, a location or a voice note, it is a resident's new matter or more of their
open draft (bot/services/intake.py). Whether they are blocked, how many drafts they started
(a flood), which draft is open and who they are is read once, in one statement
(storage/contexts.py), and what they said is stored before anything is answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain.errors import DomainError
from bot.services.abuse import draft_tag, preview_cap, resident_hash
from bot.services.conversation import Reading, ask, close_refused, read_text_in
from bot.services.intake import (
    ATTACH_WINDOW,
    Incoming,
    Received,
    clean_text,
    receive_in,
    stored_copy,
)
from bot.services.notices import owe_preview
from bot.services.template import Tx, action
from bot.services.wordless import is_meaningful
from storage.contexts import message_context
from storage.db import IntegrityError

if TYPE_CHECKING:
    from bot.services.deps import Deps


@dataclass(frozen=True)
class Taken:
    """What became of the message; exactly one of these describes it."""

    reading: Reading | None = None  # it answered (or may answer) the waiting question
    received: Received | None = None  # stored as a draft, or as more of one
    blocked: bool = False  # a blocked resident: nothing stored, one kind reply
    meaningless: bool = False  # no words (emoji, dots): nothing stored, asked for words
    flood: bool = False  # a text of a flood: joined the newest open draft (no new preview)
    asked_for_words: int | None = None  # a photo without words: the question's seq
    # Keep the id of the preview about to be sent: later messages will edit it in place (an
    # album's next photos; flood texts, which join the last draft before the cap). Any other
    # preview is found from its buttons' presses: storing its id would cost a transaction.
    remember_preview: bool = False
    # The new draft's preview, owed with it (bot/services/replies.py): its outbox row.
    preview_row: int | None = None


def take_message(deps: Deps, msg: Incoming, may_answer: bool) -> Taken:
    """Store and read one private message. `may_answer`: a plain text, which may answer the
    question the bot is waiting on (a photo or a location never does). Hand-written around
    one transaction: a refused answer ends the wait in a second one (close_refused), a lost
    insert race is answered from a second one (stored_copy)."""
    try:
        return _take(deps, msg, may_answer)
    except DomainError:
        if may_answer:
            close_refused(deps, msg.user_id)
        raise
    except IntegrityError:
        seen = stored_copy(deps, msg)
        if seen is None:
            raise  # some other constraint: not the redelivery race
        return Taken(received=seen)


@action
def _take(tx: Tx, msg: Incoming, may_answer: bool) -> Taken:
    s, config, now = tx.session, tx.config, tx.now
    ctx = message_context(s, msg.user_id, resident_hash(tx.key, msg.user_id), msg.source_key,
                          now - config.abuse.window, now - ATTACH_WINDOW)
    if may_answer:
        reading = read_text_in(tx, msg, ctx.pending, lambda: ctx.blocked)
        if reading.how != "new":
            return Taken(reading=reading)
    if ctx.blocked:  # nothing stored: nobody would read it (bot/services/abuse.py)
        return Taken(blocked=True)  # (an expired question is marked so, and kept)
    if msg.is_text and not is_meaningful(clean_text(msg.text)):
        return Taken(meaningless=True)
    # Texts alone are capped loosely (bot/services/abuse.py): beyond the cap a text joins
    # the newest open draft instead of making one more preview.
    cap = preview_cap(config)
    flood = ctx.drafts_started >= cap
    received = receive_in(tx, msg, ctx, join_open=flood)
    draft = received.draft
    asked = None
    if received.how == "new" and not draft.text and not draft.voice_file_id:
        # A photo or a location alone: ask what it is about, in the same transaction.
        asked = ask.within(tx, msg.user_id, "draft_text", draft_id=draft.id)
    remember = received.how == "new" and (
        msg.media_group_id is not None or ctx.drafts_started + 1 >= cap)
    owed = None
    if received.how == "new":  # shown at once by the handler; by the sender after a crash
        draft_id = draft.id or 0
        owed = owe_preview(s, config, now, msg.user_id, draft_id,
                           draft_tag(tx.key, draft_id, msg.user_id))
    return Taken(received=received, flood=flood, asked_for_words=asked,
                 remember_preview=remember, preview_row=owed)
