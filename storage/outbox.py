"""The outbox: owed messages, their leases and results, and the one sender's lease.

A row is owed inside the transaction that made it owed (add_outbox); the sender
(scheduler/dispatch.py) reads what is due, leases one row at a time, and marks it sent,
failed or unreachable. Only one dispatcher per database sends (take_sender_lease).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, bindparam, exists, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.db import mark_owed
from storage.models import Draft, Outbox, SenderLease, Ticket
from storage.writes import columns as _columns
from storage.writes import insert_values

_OUTBOX: Table = Outbox.__table__  # type: ignore[attr-defined]
_EARLIER = _OUTBOX.alias("earlier")  # the same table again, for "an earlier row of this chat"


def add_outbox(session: Session, message: Outbox) -> int:
    """Owe `message` in the session's transaction: inserted now (storage/writes.py says why
    not through the ORM's flush); the object itself stays out of the session. Its row id."""
    row_id = insert_values(session, Outbox, _columns(_OUTBOX, message.__dict__))
    mark_owed(session)  # the commit wakes the sender; a transaction owing nothing does not
    return row_id


def pending_outbox(session: Session, now: datetime, limit: int = 100,
                   skip_chats: Sequence[int] = ()) -> list[Outbox]:
    stmt = select(Outbox).where(Outbox.status == "pending", col(Outbox.not_before) <= now)
    if skip_chats:
        stmt = stmt.where(col(Outbox.chat_id).not_in(skip_chats))
    stmt = stmt.order_by(col(Outbox.urgent).desc(), col(Outbox.id)).limit(limit)
    return list(session.exec(stmt).all())


def failed_sends(session: Session, community: str, start: datetime, end: datetime,
                 limit: int) -> tuple[list[tuple[int, str, str | None]], int]:
    """Owed messages about the community's tickets that Telegram refused in [start, end):
    (ticket number, notice, Telegram's answer) of the first `limit`, and how many in all.
    `start` and `end` are aware UTC (a range scan of ix_outbox_failed)."""
    where = (col(Outbox.failed_at) >= start, col(Outbox.failed_at) < end,
             col(Ticket.community) == community)
    rows = session.exec(
        select(col(Outbox.ticket_id), col(Outbox.notice), col(Outbox.last_error))
        .join(Ticket, col(Ticket.id) == col(Outbox.ticket_id))
        .where(*where)
        .order_by(col(Outbox.failed_at), col(Outbox.id))
        .limit(limit)
    ).all()
    total = session.exec(
        select(func.count()).select_from(Outbox)
        .join(Ticket, col(Ticket.id) == col(Outbox.ticket_id))
        .where(*where)
    ).one()
    return [(int(n or 0), str(notice), error) for n, notice, error in rows], int(total)


def take_sender_lease(session: Session, holder: str, now: datetime, until: datetime) -> bool:
    """Renew our lease, or take it when its holder stopped renewing; False: another sends."""
    stmt = (
        update(SenderLease)
        .where(col(SenderLease.id) == 1,
               (col(SenderLease.holder) == holder) | (col(SenderLease.until) <= now))
        .values(holder=holder, until=until)
    )
    if session.exec(stmt).rowcount == 1:
        return True
    if session.get(SenderLease, 1) is not None:
        return False
    try:
        with session.begin_nested():  # the first dispatcher ever: two may race to insert
            session.add(SenderLease(id=1, holder=holder, until=until))
    except IntegrityError:
        return False
    return True


def release_sender_lease(session: Session, holder: str, now: datetime) -> None:
    """Stopping: another replica (or our restart) may take over at once."""
    session.exec(update(SenderLease).where(col(SenderLease.holder) == holder).values(until=now))


def pending_notice(session: Session, ticket_id: int, notice: str) -> bool:
    """Is a `notice` about this ticket still waiting to be sent?"""
    found = session.exec(select(Outbox.id).where(
        Outbox.ticket_id == ticket_id, Outbox.notice == notice,
        Outbox.status == "pending").limit(1)).first()
    return found is not None


def ever_owed(session: Session, ticket_id: int, notice: str) -> bool:
    """Was a `notice` about this ticket ever owed (sent, waiting, or not delivered)?"""
    found = session.exec(select(Outbox.id).where(
        Outbox.ticket_id == ticket_id, Outbox.notice == notice).limit(1)).first()
    return found is not None


# Built once: the sender runs these for every message it sends, and a statement made anew
# each time costs more Python than the database spends on it. Core statements on the table,
# not the ORM entity, so no ORM bookkeeping either (nothing here is loaded as an object).
_TICKET: Table = Ticket.__table__  # type: ignore[attr-defined]
_LEASE = (
    _OUTBOX.update()
    .where(_OUTBOX.c.id == bindparam("b_row"), _OUTBOX.c.status == "pending",
           or_(_OUTBOX.c.lease_until.is_(None), _OUTBOX.c.lease_until < bindparam("b_now")),
           ~exists().where(_EARLIER.c.chat_id == bindparam("b_chat"),
                           _EARLIER.c.status == "pending",
                           _EARLIER.c.not_before <= bindparam("b_now"),
                           _EARLIER.c.id < bindparam("b_row")))
    .values(lease_until=bindparam("b_until"))
)
_FINISH = (
    _OUTBOX.update()
    .where(_OUTBOX.c.id == bindparam("b_row"))
    .values(status=bindparam("b_status"), last_error=bindparam("b_error"),
            attempts=_OUTBOX.c.attempts + 1, sent_at=bindparam("b_sent_at"),
            failed_at=bindparam("b_failed_at"), sent_message_id=bindparam("b_message"),
            lease_until=None)
)
_GROUP_POST = (
    _TICKET.update()
    .where(_TICKET.c.id == bindparam("b_ticket"))
    .values(group_chat_id=bindparam("b_chat"), group_message_id=bindparam("b_message"))
)


def lease_row(session: Session, row: Outbox, now: datetime, until: datetime) -> bool:
    """Take the row until `until`, unless someone holds it or an earlier due row of the same
    chat is still pending (then that one goes first, whoever sends it)."""
    taken = session.connection().execute(
        _LEASE, {"b_row": row.id, "b_now": now, "b_chat": row.chat_id, "b_until": until})
    return bool(taken.rowcount == 1)


_EXTEND = (
    _OUTBOX.update()
    .where(_OUTBOX.c.id == bindparam("b_row"), _OUTBOX.c.status == "pending")
    .values(lease_until=bindparam("b_until"))
)


# As _FINISH, for rows still pending only: a handler's late mark never overwrites what the
# sender settled meanwhile (sent, failed, unreachable).
_DELIVERED = _FINISH.where(_OUTBOX.c.status == "pending")


def extend_row_lease(session: Session, row_id: int | None, until: datetime) -> None:
    """Keep a row being sent (a long, paced one) ours until `until`."""
    session.connection().execute(_EXTEND, {"b_row": row_id, "b_until": until})


def finish_row(session: Session, row_id: int | None, now: datetime, status: str,
               error: str | None, message_id: int | None) -> None:
    """Settle a leased row: sent or failed, with Telegram's refusal if any. One statement
    rather than load-and-save: this runs for every message sent."""
    session.connection().execute(_FINISH, {
        "b_row": row_id, "b_status": status, "b_error": error,
        "b_sent_at": now if status == "sent" else None,
        # Refused in whole or in part: the digest lists it for the coordinators.
        "b_failed_at": now if status == "failed" or error else None,
        "b_message": message_id,
    })


def mark_delivered(session: Session, delivered: Sequence[tuple[int, int | None]],
                   now: datetime) -> None:
    """Rows their own handler delivered (row id, message id): sent, in one statement."""
    if delivered:
        session.connection().execute(_DELIVERED, [
            {"b_row": row_id, "b_status": "sent", "b_error": None, "b_sent_at": now,
             "b_failed_at": None, "b_message": message_id} for row_id, message_id in delivered])


_RELEASE = (
    _OUTBOX.update()
    .where(_OUTBOX.c.id == bindparam("b_row"), _OUTBOX.c.status == "pending")
    .values(lease_until=None)
)


def release_held(session: Session, row_ids: Sequence[int]) -> None:
    """Rows their own handler could not deliver (Telegram refused or did not answer): the
    sender may take them at once, instead of after the handler's grace. One statement."""
    if row_ids:
        session.connection().execute(_RELEASE, [{"b_row": row_id} for row_id in row_ids])


_DRAFT = Draft.__table__  # type: ignore[attr-defined]
_PREVIEW = (
    _DRAFT.update()
    .where(_DRAFT.c.id == bindparam("b_draft"), _DRAFT.c.status == "open")
    .values(preview_message_id=bindparam("b_message"))
)


def remember_preview(session: Session, draft_id: int, message_id: int) -> None:
    """Where the sender put a draft's preview (its handler could not), so the draft's later
    messages edit it instead of showing another. One statement."""
    session.connection().execute(_PREVIEW, {"b_draft": draft_id, "b_message": message_id})


def remember_group_post(session: Session, ticket_id: int, chat_id: int,
                        message_id: int) -> None:
    """Where a ticket's group post is, so it can be edited when someone claims (not a state
    change: no event). One statement, without loading the ticket."""
    session.connection().execute(
        _GROUP_POST, {"b_ticket": ticket_id, "b_chat": chat_id, "b_message": message_id})


def move_pending(session: Session, chat_id: int, new_chat_id: int) -> None:
    """What is pending for a chat goes to its new id (a group became a supergroup)."""
    session.exec(
        update(Outbox)
        .where(col(Outbox.chat_id) == chat_id, col(Outbox.status) == "pending")
        .values(chat_id=new_chat_id)
    )


def supersede_pending(session: Session, ticket_id: int, notices: Sequence[str]) -> None:
    """Reminders about a ticket still waiting to go out (held by quiet hours) give way to a
    later one: only the latest is sent. Marked superseded, never sent."""
    session.exec(
        update(Outbox)
        .where(col(Outbox.ticket_id) == ticket_id, col(Outbox.status) == "pending",
               col(Outbox.notice).in_(notices))
        .values(status="superseded")
    )


def drop_pending(session: Session, chat_id: int, except_row: int | None, error: str) -> None:
    """Everything else pending for a chat Telegram refuses becomes unreachable too."""
    session.exec(
        update(Outbox)
        .where(col(Outbox.chat_id) == chat_id, col(Outbox.status) == "pending",
               col(Outbox.id) != except_row)
        .values(status="unreachable", last_error=error[:500])
    )
