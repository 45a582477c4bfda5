"""Small builders for test data, so tests read as the situation they set up."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, tzinfo

from sqlalchemy import Connection, Engine
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from bot.classify import Classifier
from bot.config import Config
from bot.services.deps import Deps, StoppedClock, Unchanging
from bot.services.residents import NewTicket, submit_ticket
from storage.db import UnitOfWork
from storage.models import Outbox, Tally, Ticket, TicketEvent, Volunteer
from storage.tallies import rebuild_tallies

Uows = Callable[[], UnitOfWork]
RESIDENT = 900
OTHER_RESIDENT = 901
COORDINATOR = 10001
GRID_LEADER_G1 = 10011


def deps_at(uows: Uows, config: Config, now: datetime,
            classifier: Classifier | None = None) -> Deps:
    """What a service needs, with the clock stopped at `now`: a test says when each action
    happens. The classifier: the one given, or one built from `config` if a service asks."""
    return Deps(config, uows, StoppedClock(now), classifiers=Unchanging(config, classifier))


def add_volunteer(
    uows: Uows,
    now: datetime,
    tg_id: int,
    name: str = "",
    categories: Sequence[str] = ("repairs",),
    buildings: Sequence[str] = (),
    community: str = "hx",
    max_open: int = 3,
    active: bool = True,
    last_assigned_at: datetime | None = None,
) -> Volunteer:
    with uows() as uow:
        volunteer = Volunteer(
            tg_id=tg_id, name=name or f"志愿者{tg_id}", unit="区税务局", community=community,
            categories=list(categories), buildings=list(buildings), max_open=max_open,
            active=active, last_assigned_at=last_assigned_at, created_at=now, updated_at=now,
        )
        uow.session.add(volunteer)
        uow.commit()
        return volunteer


def submit(
    uows: Uows,
    config: Config,
    now: datetime,
    text: str = "3号楼楼道灯坏了",
    category: str = "repairs",
    building: str | None = "b1",
    reporter: int = RESIDENT,
    urgent: bool = False,
    kind: str = "complaint",
    **extra: object,
) -> Ticket:
    new = NewTicket(
        text=text, kind=kind, category=category, urgent=urgent, community="hx",
        building=building, **extra,  # type: ignore[arg-type]
    )
    return submit_ticket(deps_at(uows, config, now), reporter, new, reporter_name="王阿姨")


def reload(uows: Uows, number: int) -> Ticket:
    with uows() as uow:
        ticket = uow.session.get(Ticket, number)
        assert ticket is not None
        return ticket


def events(uows: Uows, number: int) -> list[tuple[str, str | None, str | None]]:
    with uows() as uow:
        rows = uow.session.exec(
            select(TicketEvent).where(TicketEvent.ticket_id == number).order_by(TicketEvent.id)
        ).all()
        return [(e.action, e.from_status, e.to_status) for e in rows]


def outbox(uows: Uows, number: int | None = None) -> list[tuple[int, str]]:
    """(chat id, notice) of every queued message, optionally for one ticket, in order."""
    with uows() as uow:
        stmt = select(Outbox).order_by(Outbox.id)
        if number is not None:
            stmt = stmt.where(Outbox.ticket_id == number)
        return [(o.chat_id, o.notice) for o in uow.session.exec(stmt).all()]


def store(uows: Uows, *batches: Iterable[SQLModel]) -> None:
    """Put rows in by hand, in one transaction; each batch is flushed before the next, so a
    later batch may refer to the ids of an earlier one (volunteers, then tickets, then events)."""
    with uows() as uow:
        for batch in batches:
            uow.session.add_all(batch)
            uow.session.flush()
        uow.commit()


def recount_tallies(uows: Uows, tz: tzinfo, now: datetime) -> None:
    """Count the digest's tallies from tickets put in by hand (services keep them as they go)."""
    with uows() as uow:
        rebuild_tallies(uow.session.connection(), tz, now)
        uow.commit()


def _tally_rows(conn: Connection) -> dict[tuple[str, str, int, str], int]:
    rows = conn.execute(sa_select(Tally.community, Tally.metric, Tally.day, Tally.key,
                                  Tally.n)).all()
    return {(c, m, d, k): n for c, m, d, k, n in rows if n}


def tallies_now(engine: Engine) -> dict[tuple[str, str, int, str], int]:
    """Every non-zero counter: (community, metric, day, key) -> n."""
    with engine.connect() as conn:
        return _tally_rows(conn)


def recounted_tallies(engine: Engine, tz: tzinfo) -> dict[tuple[str, str, int, str], int]:
    """What a recount from the tickets would give, leaving the database as it is."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            rebuild_tallies(conn, tz, datetime.now(UTC))
            return _tally_rows(conn)
        finally:
            transaction.rollback()
