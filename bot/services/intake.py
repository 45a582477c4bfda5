"""A resident's messages become a draft, the draft becomes a ticket when they press 确认提交.

Drafts live in the database keyed by the message that started them, so a redelivered update
finds the same draft, and an album's photos (one message each) gather into one draft.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.classify import Classifier
from bot.classify.explain import reasons
from bot.config import Config
from bot.domain.buildings import named_building, spellings
from bot.domain.errors import DomainError
from bot.services.abuse import hold_until, resident_hash
from bot.services.notices import owe_submitted
from bot.services.people import offer_phone_once
from bot.services.residents import NewTicket, submit_ticket
from bot.services.template import Tx, action, query
from storage.contexts import MessageContext, draft_context
from storage.db import Session
from storage.models import Draft as Draft  # handlers name the draft they show (re-exported)
from storage.models import Resident, Ticket, new_row
from storage.queries import (
    album_draft,
    draft_by_source_key,
    resident_by_tg,
    submissions_since,
)
from storage.writes import insert_now, update_now

ATTACH_WINDOW = timedelta(minutes=30)
MAX_TEXT = 4096
_PICTOGRAPH = "\u2600-\u27bf\U0001f000-\U0001faff"
# A joiner between two pictographs (skin tones are pictographs here; ❤️ ends in U+FE0F).
_EMOJI_JOINER = re.compile(f"(?<=[{_PICTOGRAPH}\ufe0f])\u200d(?=[{_PICTOGRAPH}])")


@dataclass(frozen=True)
class Incoming:
    user_id: int
    user_name: str
    source_key: str
    text: str = ""
    photo_file_id: str | None = None
    photo_unique_id: str | None = None
    media_group_id: str | None = None
    location: tuple[float, float] | None = None
    voice_file_id: str | None = None

    @property
    def is_text(self) -> bool:
        """Words only: no photo, location or voice note that would carry the message."""
        return not (self.photo_file_id or self.location or self.voice_file_id)


@dataclass(frozen=True)
class Received:
    draft: Draft
    # new: a fresh draft; added: joined an open draft; album: one more photo of an album;
    # duplicate: this very message was handled before
    how: str
    text_changed: bool = False


@dataclass(frozen=True)
class Confirmed:
    ticket: Ticket | None = None
    # When the draft cannot be submitted yet, what must be asked first
    ask: str | None = None  # community | building
    options: list[tuple[str, str]] = field(default_factory=list)
    ask_phone: bool = False  # first submission of a resident never asked for a phone
    already: bool = False  # submitted by an earlier press: nothing new happened
    # Over [abuse] max_submissions: not submitted; the resident may press again then.
    until: datetime | None = None
    receipt: int | None = None  # the outbox row of the receipt, owed with the ticket


def clean_text(text: str) -> str:
    """Drop control characters (keep line breaks and tabs) and cap the length.

    Invisible characters go: C0/C1 controls, zero-width spaces and joiners, bidi overrides
    (they make a text read differently from what is stored) and lone surrogates (no database
    can store them). A zero-width joiner inside an emoji (👨‍👩‍👧) is part of that emoji and stays;
    anywhere else it could hide a phone number from the masking (139\u200d1234...).
    """
    joiners = {m.start() for m in _EMOJI_JOINER.finditer(text)}
    kept = "".join(
        ch for i, ch in enumerate(text)
        if ch in "\n\t" or i in joiners
        or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )
    return kept.strip()[:MAX_TEXT]


def _classify_into(draft: Draft, classifier: Classifier) -> None:
    result = classifier.classify(draft.text)
    draft.category, draft.kind, draft.urgent = result.category, result.kind, result.urgent
    # What decided it, in words a coordinator reads on the triage notice and urgent alert.
    draft.matched = list(reasons(result, classifier.category_name))


def _building_from_text(config: Config, draft: Draft, text: str) -> None:
    """A building of the draft's community named in the resident's words is where the matter
    is (a resident of 1号楼 writes 3号楼门口的下水道堵了): it replaces the saved one."""
    community = config.community(draft.community)
    if community is None:
        return
    code = named_building(((b.code, spellings(b.name, b.aliases))
                           for b in community.buildings()), text)
    if code is not None:
        draft.building = code


def _add_media(draft: Draft, msg: Incoming) -> None:
    if msg.photo_file_id and msg.photo_unique_id not in draft.photo_unique_ids:
        draft.photo_file_ids = [*draft.photo_file_ids, msg.photo_file_id]
        draft.photo_unique_ids = [*draft.photo_unique_ids, msg.photo_unique_id or ""]
    if msg.location:
        draft.location_lat, draft.location_lon = msg.location
    if msg.voice_file_id:
        draft.voice_file_id = msg.voice_file_id


@query
def stored_copy(tx: Tx, msg: Incoming) -> Received | None:
    """After an IntegrityError on the draft's insert: two processes (replicas, or a restart
    while the old one still ran) handled the same update, both saw no draft for it, the other
    one's insert won. It is already stored (None: it is not; some other constraint failed)."""
    seen = draft_by_source_key(tx.session, msg.source_key)
    return Received(seen, "duplicate") if seen is not None else None


def receive_in(tx: Tx, msg: Incoming, ctx: MessageContext, join_open: bool) -> Received:
    """Store what the resident sent, inside the caller's transaction (bot/services/messages.py),
    with what `ctx` already read: a new draft, or more material for their open draft.
    `join_open`: a text too joins the open draft (a flood of texts, bot/services/abuse.py)."""
    s, config, now = tx.session, tx.config, tx.now
    if ctx.seen:
        seen = draft_by_source_key(s, msg.source_key)
        if seen is not None:
            return Received(seen, "duplicate")
    text = clean_text(msg.text)
    target, how = None, "new"
    if msg.media_group_id:
        target = album_draft(s, msg.user_id, msg.media_group_id)
        how = "album"
    if target is None and (not text or join_open):
        target, how = ctx.open_draft, "added"
    if target is None and text and ctx.open_draft is not None and not ctx.open_draft.text:
        # Words after a photo, a location or a voice note describe them: one matter, not
        # a second draft beside a draft with nothing written in it.
        target, how = ctx.open_draft, "added"
    if target is None:
        target, how = _new_draft(config, now, msg, ctx.resident), "new"
    text_changed = bool(text) and not target.text
    if text_changed:
        target.text = text
    elif text and how != "new":
        target.text = f"{target.text}\n{text}"[:MAX_TEXT]
        text_changed = True
    _add_media(target, msg)
    if text_changed or how == "new":
        _classify_into(target, tx.classifier)
    if text:
        _building_from_text(config, target, text)
    target.updated_at = now
    if target.id is None:
        insert_now(s, target)  # now: the draft's number goes on its preview's buttons
    else:
        s.add(target)
    return Received(target, how, text_changed)


def _new_draft(config: Config, now: datetime, msg: Incoming,
               resident: Resident | None) -> Draft:
    community = resident.community if resident else None
    if community is None and len(config.communities) == 1:
        community = config.communities[0].code
    return new_row(
        Draft, source_key=msg.source_key, user_id=msg.user_id, user_name=msg.user_name,
        media_group_id=msg.media_group_id, community=community,
        building=resident.building if resident and resident.community == community else None,
        created_at=now, updated_at=now,
    )


@action
def append_text(tx: Tx, draft_id: int, user_id: int, text: str) -> Draft:
    """The resident answered "please describe it in words" for a photo or location."""
    draft = _own_open_draft(tx.session.get(Draft, draft_id), user_id)
    draft.text = f"{draft.text}\n{clean_text(text)}".strip()[:MAX_TEXT]
    _classify_into(draft, tx.classifier)
    _building_from_text(tx.config, draft, clean_text(text))
    draft.updated_at = tx.now
    tx.session.add(draft)
    return draft


def _own_open_draft(draft: Draft | None, user_id: int) -> Draft:
    if draft is None or draft.user_id != user_id:
        raise DomainError("draft_gone")
    if draft.status == "submitted":
        raise DomainError("draft_submitted", number=draft.ticket_id)
    if draft.status != "open":
        raise DomainError("draft_gone")
    return draft


@action
def update_draft(tx: Tx, draft_id: int, user_id: int, *, category: str | None = None,
                 community: str | None = None, building: str | None = None,
                 preview_message_id: int | None = None) -> Draft:
    """Change what the resident may change before submitting: category, community, building."""
    config = tx.config
    draft = _own_open_draft(tx.session.get(Draft, draft_id), user_id)
    if category is not None:
        if category not in config.categories:
            raise DomainError("bad_category", code=category)
        draft.category = category
    if community is not None:
        if config.community(community) is None:
            raise DomainError("wrong_community")
        draft.community, draft.building = community, None
    if building is not None:
        _set_building(config, draft, building)
    if preview_message_id is not None:
        draft.preview_message_id = preview_message_id
    draft.updated_at = tx.now
    tx.session.add(draft)
    return draft


def _set_building(config: Config, draft: Draft, building: str) -> None:
    chosen = config.community(draft.community)
    if chosen is None or chosen.building(building) is None:
        raise DomainError("bad_building")
    draft.building = building


@action
def discard_draft(tx: Tx, draft_id: int, user_id: int) -> Draft:
    draft = _own_open_draft(tx.session.get(Draft, draft_id), user_id)
    draft.status, draft.updated_at = "discarded", tx.now
    tx.session.add(draft)
    return draft


@action
def confirm_draft(tx: Tx, draft_id: int, user_id: int, *,
                  building: str | None = None, message_id: int | None = None) -> Confirmed:
    """Submit the draft as a ticket in one transaction; pressing twice gives the same ticket.

    `building`: picked on the way (the building buttons carry the draft: the 确认提交 press
    before them writes nothing). A blocked resident is refused, and one over `[abuse]
    max_submissions` is told when they may press again (the draft stays open, with the
    building they picked), all in the same transaction.

    The new ticket's receipt is owed to the resident in this same transaction: a crash after
    the commit still tells them (issue 13 §1). It edits `message_id`, the preview they
    pressed on, when known; the caller delivers it and says so (bot/services/notices.py).
    """
    s, config, now = tx.session, tx.config, tx.now
    ctx = draft_context(s, draft_id, resident_hash(tx.key, user_id), now - config.abuse.window)
    if ctx.blocked:
        raise DomainError("blocked")
    draft = ctx.draft
    if draft is not None and draft.status == "submitted" and draft.user_id == user_id:
        return Confirmed(ticket=s.get(Ticket, draft.ticket_id), already=True)
    draft = _own_open_draft(draft, user_id)
    community = config.community(draft.community)
    if community is None:
        return Confirmed(ask="community",
                         options=[(c.code, c.name) for c in config.communities])
    if building is not None and community.building(building) is None:
        raise DomainError("bad_building")
    # The draft is written once, at the end: an earlier change would be flushed (an
    # UPDATE) before the ticket's INSERT and the draft written twice.
    building = building or draft.building
    if building is None and community.buildings():
        return Confirmed(ask="building",
                         options=[(b.code, b.name) for b in community.buildings()])
    # Urgent matters are never held back: a gas leak reported once too often must still
    # reach the coordinators.
    if not draft.urgent and ctx.submissions >= config.abuse.max_submissions:
        until = hold_until(config, now, submissions_since(
            s, user_id, now - config.abuse.window))
        if until is not None:
            draft.building, draft.updated_at = building, now
            s.add(draft)  # the building they picked is kept
            return Confirmed(until=until)
    new = NewTicket(
        text=draft.text, kind=draft.kind, category=draft.category, urgent=draft.urgent,
        community=community.code, building=building, matched=tuple(draft.matched),
        location=(draft.location_lat, draft.location_lon)
        if draft.location_lat is not None and draft.location_lon is not None else None,
        photo_file_ids=tuple(draft.photo_file_ids), voice_file_id=draft.voice_file_id,
        source_key=f"draft:{draft.id}",
    )
    reporter = ctx.resident or Resident(tg_id=user_id, name=draft.user_name, created_at=now)
    # Decided before the reporter is written, so they are written once.
    ask_phone = offer_phone_once(reporter, now)
    stored = draft
    receipt: list[int] = []
    made: list[Ticket] = []

    def mark_submitted(session: Session, ticket: Ticket) -> None:
        made.append(ticket)
        update_now(session, stored, status="submitted", ticket_id=ticket.id, updated_at=now,
                   building=building)
        # What the resident is told, in the same transaction as the ticket it tells of.
        receipt.append(owe_submitted(session, config, now, user_id, ticket, message_id))

    # The draft was open in this transaction: no ticket has its key yet (a second
    # process submitting it at the same moment is caught by the unique key).
    ticket = submit_ticket.within(tx, user_id, new, draft.user_name, also=mark_submitted,
                                  resident=reporter, fresh_key=True)
    # Not a ticket another process stored first (its commit won the unique key: ours rolled
    # back, and submit_ticket gave back the winner's).
    mine = bool(made) and ticket is made[-1]
    return Confirmed(ticket=ticket, ask_phone=ask_phone and mine,
                     receipt=receipt[-1] if receipt and mine else None)


def hold_in(tx: Tx, msg: Incoming) -> Draft:
    """Keep a text that may be a new matter or an answer (bot/services/conversation.py) as a draft
    nobody is shown yet: the person's words are stored before they are asked which it is."""
    draft = _new_draft(tx.config, tx.now, msg, resident_by_tg(tx.session, msg.user_id))
    draft.text, draft.status = clean_text(msg.text), "held"
    _classify_into(draft, tx.classifier)
    tx.session.add(draft)
    tx.session.flush()
    return draft
