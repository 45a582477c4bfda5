"""SQLModel tables. Datetimes are timezone-aware UTC; display code converts to local time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, BigInteger, Column, Dialect, Index, Text, UniqueConstraint
from sqlalchemy import inspect as inspect_model
from sqlalchemy.orm import configure_mappers
from sqlalchemy.types import TypeDecorator
from sqlmodel import AutoString, Field, SQLModel

from bot.domain.states import TicketStatus

# Telegram ids exceed 32 bits (group chat ids are negative 64-bit numbers): sa_type=BigInteger.


def _new_list() -> list[Any]:
    return []


def _new_dict() -> dict[str, Any]:
    return {}


class StatusText(TypeDecorator[TicketStatus]):
    """A TicketStatus kept as its text, the same VARCHAR column as before the enum (no
    migration); read back as the member, and an unknown value is refused before writing."""

    impl = AutoString
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else TicketStatus(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> TicketStatus | None:
        return None if value is None else TicketStatus(value)


def _json_list() -> Any:
    # A Python function, not the builtin `list`: pydantic inspects a factory's signature on
    # every construction, and a builtin's signature is parsed from text each time (slow).
    return Field(default_factory=_new_list, sa_column=Column(JSON, nullable=False))


class Resident(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    tg_id: int = Field(unique=True, index=True, sa_type=BigInteger)
    name: str = ""
    phone: str | None = None
    # Asked once (on /start or the first submission); a resident who said no is not nagged.
    phone_asked_at: datetime | None = None
    community: str | None = None
    building: str | None = None
    unreachable: bool = False
    created_at: datetime


class Volunteer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    tg_id: int = Field(unique=True, index=True, sa_type=BigInteger)
    name: str
    unit: str = ""  # 报到单位
    community: str = Field(index=True)
    categories: list[str] = _json_list()
    buildings: list[str] = _json_list()  # 包楼/联系楼栋, may be empty
    max_open: int = 3
    active: bool = True
    unreachable: bool = False
    last_assigned_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class Ticket(SQLModel, table=True):
    __table_args__ = (
        Index("ix_ticket_due", "next_action_at"),
        # (community, status) first for the backlog; due_at after it lets the digest count and
        # list the overdue from the index alone.
        Index("ix_ticket_community_status_due", "community", "status", "due_at"),
        Index("ix_ticket_assignee_status", "assignee_id", "status"),
        Index("ix_ticket_community_created", "community", "created_at"),
        Index("ix_ticket_community_closed", "community", "closed_at"),
        # The digest's unclaimed list and count (status submitted/reopened, nobody holding it),
        # oldest first, from the index alone.
        Index("ix_ticket_unclaimed", "community", "status", "assignee_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)  # the public number: #id
    source_key: str | None = Field(default=None, unique=True)  # dedupes re-delivered updates
    kind: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    category: str
    urgent: bool = False
    needs_triage: bool = False
    matched: list[str] = _json_list()
    status: TicketStatus = Field(default=TicketStatus.SUBMITTED, sa_type=StatusText)
    community: str
    building: str | None = None
    location_lat: float | None = None
    location_lon: float | None = None
    photo_file_ids: list[str] = _json_list()
    voice_file_id: str | None = None
    contact_phone: str | None = None
    reporter_id: int | None = Field(default=None, foreign_key="resident.id", index=True)
    assignee_id: int | None = Field(default=None, foreign_key="volunteer.id")
    # Posted in the volunteers' group for open claim (认领) rather than offered to one person.
    offered_in_group: bool = False
    group_chat_id: int | None = Field(default=None, sa_type=BigInteger)
    group_message_id: int | None = None
    created_at: datetime
    routed_at: datetime | None = None
    claimed_at: datetime | None = None
    last_progress_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    accept_due_at: datetime | None = None  # the response time limit (响应率)
    # The resolution time limit (办结时限): from the submission while nobody has taken it, then
    # afresh from each 接单/认领 and each reopen (bot.domain.deadlines.RESTARTS_TIME_LIMIT).
    due_at: datetime | None = None
    overdue_at: datetime | None = None  # set once when the time limit passed (督办)
    next_action: str | None = None
    next_action_at: datetime | None = None
    # Follow-up bookkeeping (the sweep reads these through bot.domain.deadlines.next_action_for).
    waiting_since: datetime | None = None  # became claimable: the claim ladder counts from here
    escalation_level: int = 0  # 0: nobody chased yet; 1: 网格长 told; 2: coordinators told
    reminded_at: datetime | None = None  # last reminder of the current stage
    revisit_asked_at: datetime | None = None  # 回头看 asked (once per resolved closure)
    reopen_count: int = 0
    rating: int | None = None
    comment: str | None = None
    close_reason: str | None = None
    resolution_note: str | None = None
    version: int = 0


class TicketEvent(SQLModel, table=True):
    """Append-only audit log: one row per state change or note."""

    __table_args__ = (Index("ix_event_ticket_at", "ticket_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    actor_kind: str  # a bot.domain.states.Role: resident | volunteer | coordinator | system
    actor_tg_id: int | None = Field(default=None, sa_type=BigInteger)
    action: str
    from_status: TicketStatus | None = Field(default=None, sa_type=StatusText)
    to_status: TicketStatus | None = Field(default=None, sa_type=StatusText)
    note: str | None = Field(default=None, sa_column=Column(Text))
    at: datetime


class DigestRun(SQLModel, table=True):
    """One row per community per local day: the unique key makes the digest go out once."""

    __table_args__ = (UniqueConstraint("community", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    community: str
    day: date  # the community's local date the digest was sent on (it covers the day before)
    created_at: datetime


class Tally(SQLModel, table=True):
    """A per-day counter of storage.tallies: how many tickets of a community contribute
    `metric`/`key` on local date `day`. The key order serves "one metric over a day range"."""

    community: str = Field(primary_key=True)
    metric: str = Field(primary_key=True)
    day: int = Field(primary_key=True)  # the local date as yyyymmdd (storage.tallies.day_number)
    key: str = Field(default="", primary_key=True)
    n: int = 0


class TallyState(SQLModel, table=True):
    """One row: how the tallies were counted: in which timezone (their days are local days) and
    by which version of storage.tallies.contributions."""

    id: int = Field(default=1, primary_key=True)
    tz: str
    version: int
    built_at: datetime


class Invite(SQLModel, table=True):
    """A single-use, expiring deep-link token that registers a volunteer."""

    __table_args__ = (UniqueConstraint("token"),)

    id: int | None = Field(default=None, primary_key=True)
    token: str
    community: str
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime
    expires_at: datetime
    used_by: int | None = Field(default=None, sa_type=BigInteger)
    used_at: datetime | None = None


class Outbox(SQLModel, table=True):
    """A message the bot owes someone, written in the same transaction as the state change."""

    __table_args__ = (
        Index("ix_outbox_pending", "status", "not_before"),
        # The lease checks for an earlier pending row of the same chat (order per chat).
        Index("ix_outbox_chat", "chat_id", "status", "id"),
        # The digest's "发送失败" lists what was refused in a period.
        Index("ix_outbox_failed", "failed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    notice: str  # what to render: offer, group_post, claimed, progress, ...
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    payload: dict[str, Any] = Field(
        default_factory=_new_dict, sa_column=Column(JSON, nullable=False)
    )
    urgent: bool = False
    created_at: datetime
    not_before: datetime  # quiet hours push this to the morning
    status: str = "pending"  # pending | sent | failed | unreachable | superseded
    attempts: int = 0
    lease_until: datetime | None = None  # a dispatcher holds the row until then
    sent_at: datetime | None = None
    sent_message_id: int | None = None
    last_error: str | None = None
    failed_at: datetime | None = None  # when Telegram refused it (or a part of it) for good


class InboxUpdate(SQLModel, table=True):
    """An update from Telegram, stored before Telegram is told it arrived (issue 13 §1): a
    crash after that loses nothing. `done_at` is set in the same transaction as the update's
    effects, so a redelivered or recovered update that is done is not handled again. The raw
    update is dropped once done (only its id is kept, to recognise a redelivery)."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_undone", "done_at", "update_id"),)

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    user_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    received_at: datetime
    done_at: datetime | None = None
    failed: bool = False  # its handling raised: done all the same, never replayed forever
    # Taken over by a replica recovering it (another replica's crash left it undone): until
    # then no other recovery takes it (storage/inbox.py, claim_undone).
    claimed_until: datetime | None = None


class SenderLease(SQLModel, table=True):
    """Which dispatcher sends for this database now. One at a time: Telegram's limits are per
    bot, so two replicas sending side by side would each pace to the full limit."""

    id: int = Field(default=1, primary_key=True)
    holder: str
    until: datetime


class Draft(SQLModel, table=True):
    """What a resident sent, before they press 确认提交: stored so a restart loses nothing."""

    __table_args__ = (Index("ix_draft_user_status", "user_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    source_key: str = Field(unique=True)  # the first message: a redelivered update finds it
    user_id: int = Field(sa_type=BigInteger)
    user_name: str = ""
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    kind: str = "complaint"
    category: str = "other"
    urgent: bool = False
    matched: list[str] = _json_list()
    community: str | None = None
    building: str | None = None
    location_lat: float | None = None
    location_lon: float | None = None
    photo_file_ids: list[str] = _json_list()
    photo_unique_ids: list[str] = _json_list()
    voice_file_id: str | None = None
    media_group_id: str | None = Field(default=None, index=True)
    preview_message_id: int | None = None
    # open | submitted | discarded; held: a text kept while the person says whether it is a
    # new matter or the answer to a question (bot/services/conversation.py), answer: it was
    # the answer
    status: str = "open"
    ticket_id: int | None = None
    created_at: datetime
    updated_at: datetime


class PendingInput(SQLModel, table=True):
    """The one question the bot waits for this person's words to answer
    (bot/services/conversation.py).

    The row stays after the wait ends (state says how), so `seq` only grows: a button of an
    older question carries an older seq and finds nothing to end."""

    user_id: int = Field(primary_key=True, sa_type=BigInteger)
    kind: str  # progress | resolve | reject_reason | comment | reg_name | reg_unit | draft_text
    ticket_id: int | None = None
    draft_id: int | None = None
    created_at: datetime  # when it was asked: the wait expires pending_input_minutes later
    seq: int = 0  # which question this is, for this person
    # waiting | holding (a text that may be a new matter is kept as held_draft_id, and the
    # person was asked which it is) | answered | skipped | expired | replaced | refused
    state: str = "waiting"
    held_draft_id: int | None = None


class Block(SQLModel, table=True):
    """A resident the coordinators blocked (/block N). Kept as a keyed hash of the Telegram id,
    never the id: erasing the resident later does not lift it (bot/services/abuse.py)."""

    key_hash: str = Field(primary_key=True)  # HMAC-SHA256 of the Telegram id, hex
    community: str  # whose coordinators blocked them
    created_at: datetime


class Secret(SQLModel, table=True):
    """Keys the bot makes itself once and keeps (the block key when BOT_BLOCK_KEY is unset)."""

    name: str = Field(primary_key=True)
    value: str
    created_at: datetime


class CategoryCorrection(SQLModel, table=True):
    """A coordinator changed a ticket's category (triage or /recat): what the classifier can
    learn from (`python -m bot classify --suggest`, bot/classify/suggest.py).

    `text` is the resident's words as they were when corrected (suggestions need them).
    Erasure must reach it (decisions.md 14): the /forgetme issue has to delete or blank these
    rows along with the resident's tickets."""

    __table_args__ = (Index("ix_correction_ticket", "ticket_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    from_category: str
    to_category: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    actor_tg_id: int = Field(sa_type=BigInteger)
    at: datetime


class ConfigProblem(SQLModel, table=True):
    """A broken config.toml edit the coordinators were told about, keyed by the file's content
    hash: every replica, and every later check, finds the row and tells nobody again."""

    content_hash: str = Field(primary_key=True)  # SHA-256 of the file's bytes, hex
    created_at: datetime


# ---- making rows to insert ------------------------------------------------------------------

_M = TypeVar("_M", bound=SQLModel)
# Per table model: its fields, and for each field with a default, how to get it.
_Defaults = tuple[frozenset[str], tuple[tuple[str, Any, Callable[[], Any] | None], ...]]
_DEFAULTS: dict[type[SQLModel], _Defaults] = {}


def _defaults(cls: type[SQLModel]) -> _Defaults:
    known = _DEFAULTS.get(cls)
    if known is None:
        configure_mappers()  # what a model's own __init__ would see to first
        known = _DEFAULTS[cls] = (frozenset(cls.model_fields), tuple(
            (name, field.default, field.default_factory)  # type: ignore[misc]
            for name, field in cls.model_fields.items() if not field.is_required()))
    return known


def new_row(cls: type[_M], **values: Any) -> _M:
    """`cls(**values)` for a row about to be inserted, as SQLModel makes it, for a fraction of
    the work.

    A table model's constructor sets every field through SQLModel's __setattr__, which goes
    through SQLAlchemy's attribute events and then pydantic's (a few microseconds a field:
    a ticket costs ~0.1 ms). A new object only needs its values in its __dict__, which is
    where the INSERT reads them from: this makes it the way SQLAlchemy makes the objects it
    loads (the class's __new__, then the values), with the defaults the constructor would
    give and the same `model_fields_set`. It is an ordinary object of the session after
    `session.add()`; later changes to it are tracked as usual."""
    fields, defaults = _defaults(cls)
    if not fields.issuperset(values):
        raise TypeError(f"{cls.__name__} has no field {sorted(set(values) - fields)}")
    obj: _M = inspect_model(cls).class_manager.new_instance()
    state = obj.__dict__
    for name, default, factory in defaults:
        state[name] = default if factory is None else factory()
    state.update(values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    return obj
