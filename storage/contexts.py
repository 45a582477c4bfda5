"""What handling one resident's message or press needs to know, read in one statement.

A submission is three updates (the text, 确认提交, the building) and issue 12 allows it two
transactions and twelve statements in all (decisions 2). Asking "is a question waiting? is
this person blocked? how many drafts did they start? which draft is open? who are they?" one
query at a time costs five round trips before anything is written; these queries ask them
together. Entities they return are in the session's identity map, so a later
`session.get()` of the same row costs nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import BigInteger, Integer, String, exists, func, literal
from sqlalchemy import select as select_many
from sqlmodel import Session, col, select

from storage.models import Block, Draft, PendingInput, Resident, Ticket


class MessageContext(NamedTuple):
    """Everything a private message is checked against."""

    pending: PendingInput | None  # the question the bot last asked this person, if any
    resident: Resident | None
    blocked: bool
    drafts_started: int  # drafts begun since `started_since` (each one a preview message)
    open_draft: Draft | None  # the newest open draft touched since `open_since`
    seen: bool  # this very message (its source key) was stored before: a redelivery


def message_context(session: Session, user_id: int, block_hash: str, source_key: str,
                    started_since: datetime, open_since: datetime) -> MessageContext:
    me = select(literal(user_id, BigInteger).label("uid")).subquery()
    newest_open = (
        select(col(Draft.id))
        .where(Draft.user_id == user_id, Draft.status == "open",
               col(Draft.updated_at) >= open_since)
        .order_by(col(Draft.id).desc()).limit(1).scalar_subquery()
    )
    started = (
        select(func.count(col(Draft.id)))
        .where(Draft.user_id == user_id, col(Draft.created_at) > started_since)
        .scalar_subquery()
    )
    blocked = exists().where(col(Block.key_hash) == literal(block_hash, String))
    seen = exists().where(col(Draft.source_key) == literal(source_key, String))
    # sqlmodel's select() types at most four columns; SQLAlchemy's takes any number.
    stmt = (
        select_many(PendingInput, Resident, Draft, blocked, started, seen)
        .select_from(me)
        .outerjoin(PendingInput, col(PendingInput.user_id) == me.c.uid)
        .outerjoin(Resident, col(Resident.tg_id) == me.c.uid)
        .outerjoin(Draft, col(Draft.id) == newest_open)
    )
    row = session.exec(stmt).one()  # type: ignore[call-overload]
    pending, resident, draft, is_blocked, n, was_seen = row
    return MessageContext(pending, resident, bool(is_blocked), int(n or 0), draft,
                          bool(was_seen))


class DraftContext(NamedTuple):
    """Everything submitting a draft is checked against."""

    draft: Draft | None
    resident: Resident | None  # the draft's author, if they are a known resident
    blocked: bool
    submissions: int  # tickets the author submitted since `since` (withdrawn ones too)


def draft_context(session: Session, draft_id: int, block_hash: str,
                  since: datetime) -> DraftContext:
    submitted = (
        select(func.count(col(Ticket.id)))
        .where(col(Ticket.reporter_id) == col(Resident.id), col(Ticket.created_at) > since)
        .correlate(Resident)
        .scalar_subquery()
    )
    blocked = exists().where(col(Block.key_hash) == literal(block_hash, String))
    me = select(literal(draft_id, Integer).label("id")).subquery()
    stmt = (
        select(Draft, Resident, blocked, submitted)
        .select_from(me)
        .outerjoin(Draft, col(Draft.id) == me.c.id)
        .outerjoin(Resident, col(Resident.tg_id) == col(Draft.user_id))
    )
    draft, resident, is_blocked, n = session.exec(stmt).one()
    return DraftContext(draft, resident, bool(is_blocked), int(n or 0) if resident else 0)
