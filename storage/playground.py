"""Queries for the playground: what happens next in time, and which steps of the loop happened."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine, delete, func
from sqlmodel import Session, col, select

from storage.models import DigestRun, Outbox, SQLModel, Ticket, TicketEvent


def next_due_after(session: Session, now: datetime) -> datetime | None:
    """The earliest moment after `now` at which a follow-up or a held message falls due."""
    ticket_due = session.exec(
        select(func.min(Ticket.next_action_at)).where(col(Ticket.next_action_at) > now)).one()
    held = session.exec(select(func.min(Outbox.not_before)).where(
        Outbox.status == "pending", col(Outbox.not_before) > now)).one()
    moments = [m for m in (ticket_due, held) if m is not None]
    return min(moments) if moments else None


def _has_event(session: Session, *actions: str) -> bool:
    found = session.exec(select(TicketEvent.id).where(
        col(TicketEvent.action).in_(actions)).limit(1)).first()
    return found is not None


def _lapsed_post_sent(session: Session) -> bool:
    lapsed = select(TicketEvent.ticket_id).where(TicketEvent.action == "accept_timeout")
    found = session.exec(select(Outbox.id).where(
        Outbox.notice == "group_post", Outbox.status == "sent",
        col(Outbox.ticket_id).in_(lapsed)).limit(1)).first()
    return found is not None


def owed_now(session: Session, now: datetime) -> int:
    """Messages due by `now` and not yet sent (or given up on)."""
    return session.exec(select(func.count()).select_from(Outbox).where(
        Outbox.status == "pending", col(Outbox.not_before) <= now)).one()


def loop_milestones(session: Session) -> dict[str, bool]:
    """Which steps of 一领四单 have really happened in this database."""
    any_ticket = session.exec(select(Ticket.id).limit(1)).first() is not None
    digest = session.exec(select(Outbox.id).where(
        Outbox.notice == "digest", Outbox.status == "sent").limit(1)).first() is not None
    return {
        "submitted": any_ticket,
        "claimed": _has_event(session, "accept", "claim"),
        "worked": _has_event(session, "resolve"),
        "closed": _has_event(session, "confirm", "auto_close"),
        # Ticked when the group really shows it: the post after a lapsed offer was sent.
        "lapsed": _lapsed_post_sent(session),
        "revisit": _has_event(session, "revisit"),
        "digest": digest,
    }


def mark_digest_sent(session: Session, community: str, day: date, now: datetime) -> None:
    """Record `day`'s digest of `community` as already sent."""
    if session.exec(select(DigestRun.id).where(DigestRun.community == community,
                                               DigestRun.day == day)).first() is None:
        session.add(DigestRun(community=community, day=day, created_at=now))


def erase_everything(engine: Engine) -> None:
    """Empty every table (the playground's 重新开始), children before parents."""
    with Session(engine) as session:
        for table in reversed(SQLModel.metadata.sorted_tables):
            session.execute(delete(table))
        session.commit()
