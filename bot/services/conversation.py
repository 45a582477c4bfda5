"""The one question the bot waits for a person's words to answer, and what their next text is.

A wait ends when it is answered, skipped (跳过/取消), replaced by a newer question, or
`[conversation] pending_input_minutes` after it was asked: checked when the next text comes,
with the injected clock (no timer). After that the text is a new message.

Even inside the window, a text that reads as a new matter is never silently taken as the
answer: it is stored first (a draft with status "held", so the words survive whatever the
person does next), then the person is asked which it is, with two buttons that apply it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import texts
from bot.classify import OTHER, Classifier
from bot.config import Config
from bot.domain.errors import DomainError
from bot.services import residents as T
from bot.services import volunteers as V
from bot.services.intake import Incoming, append_text, clean_text, hold_in
from bot.services.invites import update_profile
from bot.services.template import Action, Tx, action
from bot.services.wordless import is_meaningful
from bot.texts.callbacks import encode
from bot.texts.render import Button, Keyboard
from storage.db import Session
from storage.models import Draft, PendingInput, Ticket, Volunteer
from storage.queries import draft_by_source_key

# A text this long is not an answer to any of the bot's questions: they ask for one sentence
# (a Chinese sentence is 10–25 characters), a name or a unit. 50 characters is two or three
# sentences, the length of a complaint with place and detail; every one of the 208 real
# messages of the project's test corpus is longer (shortest tenth: 113 characters and up).
LONG_TEXT = 50


@dataclass(frozen=True)
class Rule:
    """How one kind of question is asked and answered."""

    optional: bool  # the answer may be left out: 跳过 (otherwise 取消 ends the action)
    resident: bool  # a resident answers: a blocked resident is refused
    # Which classifier categories make a text read as a new matter: "any" (not `other`),
    # "foreign" (not `other` nor the ticket's own: describing what is still broken or what
    # was done naturally uses the matter's own words), or "none" (length and urgency only).
    categories: str
    checked: bool = True  # False: any text is the answer (it was asked for a new matter)
    # A long text reads as a new matter: true where the answer asked for is a few words.
    long_is_new: bool = True


RULES: dict[str, Rule] = {
    # After rating nothing of the old matter is left to report but praise or criticism,
    # which rarely uses category words: any category most likely starts a new matter.
    "comment": Rule(optional=True, resident=True, categories="any"),
    "reject_reason": Rule(optional=False, resident=True, categories="foreign"),
    # Volunteers' notes name other trades as a matter of course (已联系物业, 找了电工) and may
    # run long (a careful account of the work); they know how to report a matter of their
    # own, so only urgency counts there.
    "progress": Rule(optional=False, resident=False, categories="none", long_is_new=False),
    "resolve": Rule(optional=False, resident=False, categories="none", long_is_new=False),
    # Units are full of category words (城管执法局, 某物业公司党支部).
    "reg_name": Rule(optional=True, resident=False, categories="none"),
    "reg_unit": Rule(optional=True, resident=False, categories="none"),
    # The bot asked for a description of the matter in the photo: it is always the answer.
    "draft_text": Rule(optional=True, resident=True, categories="none", checked=False),
}


@dataclass(frozen=True)
class Reading:
    """What a text (or a button) turned out to be, with what the reply needs."""

    # new: not an answer, a new message | answered | ask: held, which is it? | empty: not
    # words, still waiting | blocked: a blocked resident | already: this was done before
    how: str
    kind: str = ""
    seq: int = 0  # the question now waiting (after reg_name: the reg_unit question)
    ticket: Ticket | None = None
    volunteer: Volunteer | None = None
    draft: Draft | None = None


@action
def ask(tx: Tx, user_id: int, kind: str, ticket_id: int | None = None,
        draft_id: int | None = None) -> int:
    """Wait for this person's words to answer `kind` (an older question is replaced); the
    question's seq, for its 跳过/取消 button."""
    if kind not in RULES:
        raise ValueError(f"unknown question {kind!r}")
    s, now = tx.session, tx.now
    pending = s.get(PendingInput, user_id) or PendingInput(
        user_id=user_id, kind=kind, created_at=now)
    pending.seq = (pending.seq or 0) + 1
    pending.kind, pending.ticket_id, pending.draft_id = kind, ticket_id, draft_id
    pending.created_at, pending.state, pending.held_draft_id = now, "waiting", None
    s.add(pending)
    return pending.seq


def _expired(config: Config, pending: PendingInput, now: datetime) -> bool:
    limit = timedelta(minutes=config.conversation.pending_input_minutes)
    return now - _aware(pending.created_at, now) >= limit


def _aware(moment: datetime, like: datetime) -> datetime:
    # Both backends give "timestamp without time zone" back naive; the values are UTC.
    return moment.replace(tzinfo=like.tzinfo) if moment.tzinfo is None else moment


def waiting_for(s: Session, config: Config, now: datetime, user_id: int) -> PendingInput | None:
    """The question this person's words answer now, if any (an expired one is marked so)."""
    return still_waiting(s, config, now, s.get(PendingInput, user_id))


def still_waiting(s: Session, config: Config, now: datetime,
                  pending: PendingInput | None) -> PendingInput | None:
    """`pending` if it still waits for words (an expired one is marked so)."""
    if pending is None or pending.state != "waiting" or pending.kind not in RULES:
        return None
    if _expired(config, pending, now):
        pending.state = "expired"
        s.add(pending)
        return None
    return pending


def reads_as_new(rule: Rule, classifier: Classifier, text: str,
                 own_category: str | None, own_urgent: bool = False) -> bool:
    """Does this text read as a new matter rather than the answer to `rule`'s question?
    (`own_category`, `own_urgent`: the matter the question is about, if any.)"""
    if not rule.checked:
        return False
    if rule.long_is_new and len(text) >= LONG_TEXT:
        return True
    found = classifier.classify(text)
    # Taken as a note, an emergency would never alert the coordinators; but a note about an
    # urgent matter naturally repeats its words (煤气味已排查) and is just the note.
    if found.urgent and not own_urgent:
        return True
    if rule.categories == "any":
        return found.category != OTHER
    if rule.categories == "foreign":
        return found.category not in (OTHER, own_category)
    return False


def read_text_in(tx: Tx, msg: Incoming, pending: PendingInput | None,
                 blocked: Callable[[], bool]) -> Reading:
    """A private text: the answer to the waiting question, a text to ask about (kept first),
    or a new message (`new`: the caller treats it as a submission). Inside the caller's
    transaction (bot/services/messages.py, which commits), given the person's question row as
    read. On DomainError the caller rolls back and calls close_refused."""
    s, config, now = tx.session, tx.config, tx.now
    held = pending
    if held is not None and held.state == "holding":
        seen = draft_by_source_key(s, msg.source_key)
        if seen is not None and seen.id == held.held_draft_id:  # redelivered
            return Reading("ask", held.kind, held.seq, draft=seen,
                           ticket=s.get(Ticket, held.ticket_id) if held.ticket_id else None)
    pending = still_waiting(s, config, now, pending)
    if pending is None:
        return Reading("new")  # (an expired wait is marked so: the caller commits it)
    rule = RULES[pending.kind]
    if rule.resident and blocked():
        return Reading("blocked")
    text = clean_text(msg.text)
    if not text or (pending.kind == "draft_text" and not is_meaningful(text)):
        return Reading("empty", pending.kind, pending.seq)
    ticket = s.get(Ticket, pending.ticket_id) if pending.ticket_id else None
    if reads_as_new(rule, tx.classifier, text, ticket.category if ticket else None,
                    bool(ticket and ticket.urgent)):
        draft = hold_in(tx, msg)
        pending.state, pending.held_draft_id = "holding", draft.id
        s.add(pending)
        return Reading("ask", pending.kind, pending.seq, ticket=ticket, draft=draft)
    return _apply(tx, msg.user_id, pending, text)


@action
def close_refused(tx: Tx, user_id: int) -> None:
    """The answer was refused (the ticket moved on meanwhile): end the wait, so the next text
    is not refused again; the refusal itself is shown by the caller."""
    pending = tx.session.get(PendingInput, user_id)
    if pending is not None and pending.state == "waiting":
        pending.state = "refused"
        tx.session.add(pending)


@action
def answer_held(tx: Tx, user_id: int, draft_id: int) -> Reading:
    """这是评价留言 (…的原因, …进展): the kept text answers the question after all."""
    s = tx.session
    draft = s.get(Draft, draft_id)
    if draft is None or draft.user_id != user_id:
        raise DomainError("draft_gone")
    if draft.status == "answer":
        return Reading("already")
    pending = s.get(PendingInput, user_id)
    if (pending is None or pending.state != "holding" or pending.held_draft_id != draft_id
            or draft.status != "held"):
        raise DomainError("question_over")
    reading = _apply(tx, user_id, pending, draft.text)
    draft.status, draft.updated_at = "answer", tx.now
    s.add(draft)
    return reading


@action
def release_held(tx: Tx, user_id: int, draft_id: int) -> tuple[Draft, bool]:
    """这是新问题: the kept text becomes a draft like any new message (the caller shows its
    preview; False: it already was one). The question it interrupted is over."""
    s = tx.session
    draft = s.get(Draft, draft_id)
    if draft is None or draft.user_id != user_id or draft.status not in ("held", "open"):
        raise DomainError("question_over")
    if draft.status == "open":
        return draft, False
    draft.status, draft.updated_at = "open", tx.now
    s.add(draft)
    pending = s.get(PendingInput, user_id)
    if pending is not None and pending.held_draft_id == draft_id and \
            pending.state == "holding":
        pending.state = "answered"
        s.add(pending)
    return draft, True


@action
def end_wait(tx: Tx, user_id: int, seq: int) -> Reading:
    """跳过/取消: the question `seq` is over. `already` when it was no longer waiting (an old
    button): nothing changes. Skipping the name asks for the unit, as answering it would."""
    s = tx.session
    pending = waiting_for(s, tx.config, tx.now, user_id)
    if pending is None or pending.seq != seq:
        return Reading("already")  # (an expired wait is marked so, and kept)
    pending.state = "skipped"
    s.add(pending)
    kind, next_seq, volunteer = pending.kind, 0, None
    if kind == "reg_name":
        next_seq = ask.within(tx, user_id, "reg_unit")
    elif kind == "reg_unit":
        volunteer = update_profile.within(tx, user_id)
    return Reading("answered", kind, next_seq, volunteer=volunteer)


# The answers that are a service's words on a ticket: the service takes them as they are.
TICKET_ANSWERS: dict[str, Action[[int, int, str], Ticket]] = {
    "progress": V.add_progress,
    "resolve": V.resolve_ticket,
    "reject_reason": T.reject_resolution,
    "comment": T.comment_ticket,
}


def _apply(tx: Tx, user_id: int, pending: PendingInput, text: str) -> Reading:
    """Take `text` as the answer to `pending`, inside the caller's transaction: the answer and
    the end of the wait are kept together or not at all."""
    kind, number = pending.kind, pending.ticket_id or 0
    pending.state = "answered"
    tx.session.add(pending)
    if kind in TICKET_ANSWERS:
        return Reading("answered", kind, ticket=TICKET_ANSWERS[kind].within(
            tx, number, user_id, text))
    if kind == "reg_name":
        update_profile.within(tx, user_id, name=text)
        return Reading("answered", kind, ask.within(tx, user_id, "reg_unit"))
    if kind == "reg_unit":
        return Reading("answered", kind, volunteer=update_profile.within(
            tx, user_id, unit=text))
    if kind == "draft_text" and pending.draft_id:
        return Reading("answered", kind, draft=append_text.within(
            tx, pending.draft_id, user_id, text))
    return Reading("new")


def wait_buttons(kind: str, seq: int) -> Keyboard:
    """The 跳过/取消 button under a question: it ends this question (and no later one)."""
    label = texts.BTN_SKIP if RULES[kind].optional else texts.BTN_CANCEL_QUESTION
    return ((Button(label, encode("q.end", seq)),),)


def which_question(kind: str, number: int | None, draft_id: int) -> tuple[str, Keyboard]:
    """Is the kept text the answer, or a new matter? The question and its two buttons."""
    what = texts.WHICH_WHAT.get(kind, "").format(number=number or "")
    buttons = ((Button(texts.BTN_IS_ANSWER.get(kind, ""), encode("q.ans", draft_id)),),
               (Button(texts.BTN_IS_NEW, encode("q.new", draft_id)),))
    return texts.WHICH_IS_IT.format(what=what), buttons


def ended_text(kind: str) -> str:
    return texts.SKIPPED if RULES[kind].optional else texts.QUESTION_CANCELLED
