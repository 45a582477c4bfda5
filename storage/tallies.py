"""Per-day counters behind the daily digest, kept in step with every ticket change.

The digest reports on windows of whole local days (yesterday, the last 30 days, a 14-day
chart). Counting those windows from the ticket table costs what the windows hold: with
100× the tickets per day, 100× the work. Instead each ticket *contributes* a few counts to
the days its moments fall on (`contributions`), and the `tally` table holds their sums. A
window is then a sum over at most a few dozen rows per day, whatever the traffic.

How the sums stay exact:
* Every ticket change goes through bot.services.moves.move (a version-checked UPDATE) and every new
  ticket through bot.services.residents; both call `note_ticket` with the row before and after. The
  difference of their contributions is kept on the session and written when the session
  commits (`_write_pending`), in the same transaction as the change: a rollback discards
  both, and because the old row was version-checked it is the row the database had.
* All counters of a transaction are written at the very end, in one sorted statement, so two
  transactions never wait for each other's counters in opposite orders (no deadlock), and
  a counter row is locked only for the instant before commit.
* `ensure_tallies` rebuilds everything from the tickets when the table is new (a database
  from before this module), the timezone changed (days are local days) or VERSION did.

Metrics (day: the community's local date of the moment named):
  new/<category>           created_at
  judged/<due day>         created_at; the accept limit (accept_due_at) is set, and the
                           ticket was not withdrawn before it (响应率's base)
  responded/<due day>      created_at; judged and claimed at or before the limit
  claimed, resolved        claimed_at, resolved_at
  ended/<final status>     closed_at (closed, closed_unresolved or cancelled)
  resolved_closed, rated, satisfied   closed_at (解决率 and 满意率)
  claims_by/<tg id>        an accept or claim event by that volunteer (the event's moment)
  resolves_by/<tg id>      a resolve event by that volunteer
The due day is kept as the key so a window [S, E) can leave out tickets whose limit falls
on E or later: they cannot be judged yet (see bot.domain.rates.Rates).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import delete, event, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, col

from bot.domain.rates import is_satisfied
from bot.domain.states import TicketStatus
from storage.models import Tally, TallyState, Ticket, TicketEvent
from storage.stats_queries import utc

Key = tuple[str, date, str, str]  # (community, day, metric, key)

# The ticket fields contributions read: a change to any other field moves no counter.
TALLIED_FIELDS = (
    "community", "category", "status", "created_at", "accept_due_at", "claimed_at",
    "resolved_at", "closed_at", "close_reason", "rating",
)
TICKET_METRICS = ("new", "judged", "responded", "claimed", "resolved", "ended",
                  "resolved_closed", "rated", "satisfied")
# Audit events counted per volunteer (claims_by/<tg id>, resolves_by/<tg id>, on the event's day).
EVENT_METRICS = {"accept": "claims_by", "claim": "claims_by", "resolve": "resolves_by"}
# Raise whenever contributions() or the event metrics change meaning: every database then
# recounts its tallies on the next start.
VERSION = 1
_PENDING = "tally_pending"  # session.info key: Counter of changes not yet written
_BATCH = 5_000  # tickets per read while rebuilding
_LOCK_KEY = 0x7A11  # PostgreSQL advisory lock taken while the counters are (re)counted


def day_number(day: date) -> int:
    """How a day is stored: yyyymmdd as an integer (ordered like dates, and read back without
    the per-row date parsing SQLite's text dates would cost)."""
    return day.year * 10_000 + day.month * 100 + day.day


def _day(number: int) -> date:
    return date(number // 10_000, number // 100 % 100, number % 100)


def local_day(moment: datetime, tz: tzinfo) -> date:
    """The local calendar date of a moment."""
    return utc(moment).astimezone(tz).date()


def contributions(t: Mapping[str, Any], tz: tzinfo) -> Counter[Key]:
    """What one ticket (its TALLIED_FIELDS) adds to the counters."""
    out: Counter[Key] = Counter()
    community = t["community"]

    def add(moment: datetime, metric: str, key: str = "") -> None:
        out[(community, local_day(moment, tz), metric, key)] += 1

    created, due = t["created_at"], t["accept_due_at"]
    claimed, closed, status = t["claimed_at"], t["closed_at"], t["status"]
    add(created, "new", t["category"])
    if due is not None:
        withdrawn = (status == TicketStatus.CANCELLED and closed is not None
                     and utc(closed) < utc(due))
        if not withdrawn:
            due_day = local_day(due, tz).isoformat()
            add(created, "judged", due_day)
            if claimed is not None and utc(claimed) <= utc(due):
                add(created, "responded", due_day)
    if claimed is not None:
        add(claimed, "claimed")
    if t["resolved_at"] is not None:
        add(t["resolved_at"], "resolved")
    if closed is not None:
        add(closed, "ended", status)
        if status == TicketStatus.CLOSED and t["close_reason"] is None:
            add(closed, "resolved_closed")
        if t["rating"] is not None:
            add(closed, "rated")
            if is_satisfied(t["rating"]):
                add(closed, "satisfied")
    return out


def tallied(values: Mapping[str, Any]) -> dict[str, Any]:
    """The fields contributions read, from a ticket's dump (or any mapping holding them)."""
    return {name: values[name] for name in TALLIED_FIELDS}


def note_ticket(session: Session, tz: tzinfo, before: Mapping[str, Any] | None,
                after: Mapping[str, Any] | None) -> None:
    """Record that a ticket went from `before` (None: new) to `after`; written at commit."""
    pending: Counter[Key] = session.info.setdefault(_PENDING, Counter())
    if after is not None:
        pending.update(contributions(after, tz))
    if before is not None:
        pending.subtract(contributions(before, tz))


def note_event(session: Session, tz: tzinfo, community: str, at: datetime, action: str,
               actor_tg_id: int | None) -> None:
    """Record an audit event; only a volunteer's claims and resolves are counted."""
    metric = EVENT_METRICS.get(action)
    if metric is None or actor_tg_id is None:
        return
    pending: Counter[Key] = session.info.setdefault(_PENDING, Counter())
    pending[(community, local_day(at, tz), metric, str(actor_tg_id))] += 1


def _upsert_statement(dialect_name: str) -> Any:
    table = SQLModel.metadata.tables["tally"]
    dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=["community", "metric", "day", "key"],
        set_={"n": table.c.n + stmt.excluded.n},
    )


# One statement per dialect, built once: every transaction that changes a ticket runs it.
_UPSERTS = {name: _upsert_statement(name) for name in ("postgresql", "sqlite")}


def _upsert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Add each row's n to its counter, creating the counter when missing."""
    conn.execute(_UPSERTS["postgresql" if conn.dialect.name == "postgresql" else "sqlite"],
                 rows)


def _rows(counts: Iterable[tuple[Key, int]]) -> list[dict[str, Any]]:
    # Sorted: every transaction locks counters in the same order.
    return [
        {"community": c, "day": day_number(d), "metric": m, "key": k, "n": n}
        for (c, d, m, k), n in sorted(counts)
        if n
    ]


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    # Registered on the Session class so that every session the services use (and the tests'
    # own) writes what was noted, whichever factory made it.
    pending: Counter[Key] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    rows = _rows(pending.items())
    if rows:
        _upsert(session.connection(), rows)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


# ---- rebuilding -----------------------------------------------------------------------------


def _tz_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", tz))


def rebuild_tallies(conn: Connection, tz: tzinfo, now: datetime) -> int:
    """Recount every counter from the tickets and their events (inside the caller's
    transaction); returns how many tickets were read."""
    conn.execute(delete(Tally))
    totals: Counter[Key] = Counter()
    columns = [getattr(Ticket, name) for name in TALLIED_FIELDS]
    result = conn.execute(select(*columns).execution_options(yield_per=_BATCH))
    read = 0
    for row in result:
        totals.update(contributions(dict(zip(TALLIED_FIELDS, row, strict=True)), tz))
        read += 1
    events = (
        select(col(Ticket.community), col(TicketEvent.at), col(TicketEvent.action),
               col(TicketEvent.actor_tg_id))
        .join(Ticket, col(Ticket.id) == col(TicketEvent.ticket_id))
        .where(col(TicketEvent.action).in_(tuple(EVENT_METRICS)),
               col(TicketEvent.actor_tg_id).is_not(None))
    )
    for community, at, action, actor in conn.execute(
            events.execution_options(yield_per=_BATCH)):
        totals[(community, local_day(at, tz), EVENT_METRICS[action], str(actor))] += 1
    rows = _rows(totals.items())
    for start in range(0, len(rows), _BATCH):
        conn.execute(insert(Tally), rows[start:start + _BATCH])
    state = {"id": 1, "tz": _tz_name(tz), "version": VERSION, "built_at": utc(now)}
    if conn.execute(select(col(TallyState.id))).first() is None:
        conn.execute(insert(TallyState), [state])
    else:
        conn.execute(update(TallyState).values(**state))
    return read


def ensure_tallies(engine: Engine, tz: tzinfo, now: datetime) -> bool:
    """Rebuild the counters unless they were built for this timezone by this VERSION; True if
    rebuilt.

    Called on start. Two replicas starting together count once: the second waits for the
    first and then finds the counters built.
    """
    with engine.begin() as conn:
        # Serialize the starts first, so a second replica waits here and then finds the
        # counters built: a transaction-scoped advisory lock on PostgreSQL (a row lock would
        # not do, the state row may not exist yet), the database's write lock on SQLite (any
        # UPDATE takes it, even one that matches no row).
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        else:
            conn.exec_driver_sql("UPDATE tallystate SET id = id")
        stmt = select(col(TallyState.tz), col(TallyState.version)).where(col(TallyState.id) == 1)
        if conn.execute(stmt).first() == (_tz_name(tz), VERSION):
            return False
        rebuild_tallies(conn, tz, now)
        return True


# ---- reading --------------------------------------------------------------------------------


def tallies_from(session: Session, community: str, metrics: Iterable[str], first: date,
                 end: date | None = None) -> dict[tuple[str, date, str], int]:
    """(metric, day, key) -> count for the community's days [first, end) (end None: every day
    from `first` on, today's too)."""
    stmt: Any = (
        select(col(Tally.metric), col(Tally.day), col(Tally.key), col(Tally.n))
        .where(col(Tally.community) == community, col(Tally.metric).in_(tuple(metrics)),
               col(Tally.day) >= day_number(first))
    )
    if end is not None:
        stmt = stmt.where(col(Tally.day) < day_number(end))
    # Through the connection: plain rows, without the ORM's per-row loading work.
    rows = session.connection().execute(stmt)
    return {(str(m), _day(d), str(k)): int(n) for m, d, k, n in rows if n}


__all__ = [
    "EVENT_METRICS",
    "TALLIED_FIELDS",
    "TICKET_METRICS",
    "contributions",
    "day_number",
    "ensure_tallies",
    "local_day",
    "note_event",
    "note_ticket",
    "rebuild_tallies",
    "tallied",
    "tallies_from",
]
