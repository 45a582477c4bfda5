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
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Integer, String, bindparam, exists, func
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


# The statements are built once, with bound parameters: SQLAlchemy then finds the compiled
# form in its cache by a key computed once per statement object, instead of building,
# coercing and keying a fresh statement on every message.
_UID = bindparam("uid", type_=BigInteger)


def _message_statement() -> Any:
    me = select(_UID.label("uid")).subquery()
    newest_open = (
        select(col(Draft.id))
        .where(col(Draft.user_id) == _UID, col(Draft.status) == "open",
               col(Draft.updated_at) >= bindparam("open_since"))
        .order_by(col(Draft.id).desc()).limit(1).scalar_subquery()
    )
    started = (
        select(func.count(col(Draft.id)))
        .where(col(Draft.user_id) == _UID, col(Draft.created_at) > bindparam("started_since"))
        .scalar_subquery()
    )
    blocked = exists().where(col(Block.key_hash) == bindparam("block_hash", type_=String))
    seen = exists().where(col(Draft.source_key) == bindparam("source_key", type_=String))
    # sqlmodel's select() types at most four columns; SQLAlchemy's takes any number.
    return (
        select_many(PendingInput, Resident, Draft, blocked, started, seen)
        .select_from(me)
        .outerjoin(PendingInput, col(PendingInput.user_id) == me.c.uid)
        .outerjoin(Resident, col(Resident.tg_id) == me.c.uid)
        .outerjoin(Draft, col(Draft.id) == newest_open)
    )


_MESSAGE = _message_statement()


def message_context(session: Session, user_id: int, block_hash: str, source_key: str,
                    started_since: datetime, open_since: datetime) -> MessageContext:
    row = session.exec(_MESSAGE, params={
        "uid": user_id, "block_hash": block_hash, "source_key": source_key,
        "started_since": started_since, "open_since": open_since}).one()
    pending, resident, draft, is_blocked, n, was_seen = row
    return MessageContext(pending, resident, bool(is_blocked), int(n or 0), draft,
                          bool(was_seen))


class DraftContext(NamedTuple):
    """Everything submitting a draft is checked against."""

    draft: Draft | None
    resident: Resident | None  # the draft's author, if they are a known resident
    blocked: bool
    submissions: int  # tickets the author submitted since `since` (withdrawn ones too)


def _draft_statement() -> Any:
    submitted = (
        select(func.count(col(Ticket.id)))
        .where(col(Ticket.reporter_id) == col(Resident.id),
               col(Ticket.created_at) > bindparam("since"))
        .correlate(Resident)
        .scalar_subquery()
    )
    blocked = exists().where(col(Block.key_hash) == bindparam("block_hash", type_=String))
    me = select(bindparam("draft_id", type_=Integer).label("id")).subquery()
    return (
        select_many(Draft, Resident, blocked, submitted)
        .select_from(me)
        .outerjoin(Draft, col(Draft.id) == me.c.id)
        .outerjoin(Resident, col(Resident.tg_id) == col(Draft.user_id))
    )


_DRAFT = _draft_statement()


def draft_context(session: Session, draft_id: int, block_hash: str,
                  since: datetime) -> DraftContext:
    row = session.exec(_DRAFT, params={
        "draft_id": draft_id, "block_hash": block_hash, "since": since}).one()
    draft, resident, is_blocked, n = row
    return DraftContext(draft, resident, bool(is_blocked), int(n or 0) if resident else 0)
