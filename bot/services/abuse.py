"""Floods and blocks: how much one resident may submit in a while, and the residents the
coordinators blocked (/block N).

A block is kept as a keyed hash (HMAC-SHA256) of the Telegram id, never the id itself
(decisions 13): erasing the resident later (/forgetme) removes every trace of them but not
the block. The key comes from BOT_BLOCK_KEY, or is made once and kept in the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime

from bot.config import Config
from bot.domain.errors import DomainError
from bot.domain.states import Role, TicketStatus
from bot.services.moves import load_ticket
from bot.services.roles import reporter_chat, require_coordinator
from bot.services.template import Tx, action, query
from storage.db import IntegrityError, Session, UnitOfWork
from storage.models import Block, Secret, Ticket, TicketEvent
from storage.queries import block_by_hash
from storage.stats_queries import utc

UowFactory = Callable[[], UnitOfWork]
KEY_NAME = "block_key"
# What counts against the limit is a submitted matter (确认提交), checked when it is pressed:
# the draft stays open, so a refused resident loses nothing and presses again later. Texts
# alone are only drafts; they are capped more loosely (someone typing one matter in several
# short messages makes several previews, and not every preview is submitted): beyond
# PREVIEWS_PER_SUBMISSION × max_submissions new drafts in the window, a text joins the newest
# open draft instead of making one more preview message.
PREVIEWS_PER_SUBMISSION = 4


def preview_cap(config: Config) -> int:
    """How many drafts (each one a preview message) a resident may start within the window
    before their texts join the newest open draft (bot/services/messages.py)."""
    return PREVIEWS_PER_SUBMISSION * config.abuse.max_submissions


class BlockKey:
    """The HMAC key of the block list, read (or made) once per process and then remembered."""

    def __init__(self, config: Config, uows: UowFactory) -> None:
        self._config, self._uows = config, uows
        self._key: bytes | None = None

    def get(self, now: datetime) -> bytes:
        if self._key is None:
            if self._config.block_key:
                self._key = self._config.block_key.encode()
            else:
                with self._uows() as uow:
                    stored = uow.session.get(Secret, KEY_NAME)
                    value = stored.value if stored is not None else insert_or_read_key(
                        uow.session, secrets.token_hex(32), now)
                    uow.commit()
                self._key = bytes.fromhex(value)
        return self._key


def insert_or_read_key(session: Session, candidate: str, now: datetime) -> str:
    """Keep `candidate` as the key, unless another process kept one first: then use that one
    (two replicas starting together both insert; the unique name lets exactly one win)."""
    try:
        with session.begin_nested():
            session.add(Secret(name=KEY_NAME, value=candidate, created_at=now))
    except IntegrityError:
        stored = session.get(Secret, KEY_NAME, populate_existing=True)
        assert stored is not None
        return stored.value
    return candidate


def resident_hash(key: bytes, tg_id: int) -> str:
    return hmac.new(key, str(tg_id).encode(), hashlib.sha256).hexdigest()


def draft_tag(key: bytes, draft_id: int, user_id: int) -> str:
    """A seal binding a button to one draft and its author (8 characters of an HMAC).

    The 确认提交 press of a draft without a building only shows the building buttons, without
    reading the database (issue 12: a submission in two transactions); the seal lets that
    press refuse anyone but the author without a read. Everything else (the draft still open,
    the author not blocked, the limit) is checked in the database when a building is picked."""
    mac = hmac.new(key, f"draft:{draft_id}:{user_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:6]).decode()


def is_blocked(session: Session, key: bytes, tg_id: int) -> bool:
    return block_by_hash(session, resident_hash(key, tg_id)) is not None


@query
def refuse_blocked(tx: Tx, user_id: int) -> None:
    """Before a resident's press that would send work to someone (未解决, 又出问题了)."""
    if is_blocked(tx.session, tx.key, user_id):
        raise DomainError("blocked")


def hold_until(config: Config, now: datetime, times: list[datetime]) -> datetime | None:
    """Given when this resident's submissions within the window were made (oldest first):
    None if they may submit now, else the earliest moment fewer than the limit lie within it."""
    limit = config.abuse.max_submissions
    if len(times) < limit:
        return None
    return utc(times[len(times) - limit]) + config.abuse.window


@action
def block_resident(tx: Tx, number: int, coordinator_tg: int) -> bool:
    """/block N: the resident behind ticket N may no longer submit. False: already blocked."""
    s, now, key = tx.session, tx.now, tx.key
    ticket, reporter = _ticket_and_reporter(s, tx.config, number, coordinator_tg)
    digest = resident_hash(key, reporter)
    if block_by_hash(s, digest) is not None:
        return False
    try:
        with s.begin_nested():
            s.add(Block(key_hash=digest, community=ticket.community, created_at=now))
    except IntegrityError:  # another coordinator blocked them at the same moment
        return False
    _audit(s, number, ticket.status, coordinator_tg, "block", now)
    return True


@action
def unblock_resident(tx: Tx, number: int, coordinator_tg: int) -> bool:
    """/unblock N: lifts the block of the resident behind ticket N. False: was not blocked."""
    s, key = tx.session, tx.key
    ticket, reporter = _ticket_and_reporter(s, tx.config, number, coordinator_tg)
    block = block_by_hash(s, resident_hash(key, reporter))
    if block is None:
        return False
    s.delete(block)
    _audit(s, number, ticket.status, coordinator_tg, "unblock", tx.now)
    return True


def _ticket_and_reporter(s: Session, config: Config, number: int,
                         coordinator_tg: int) -> tuple[Ticket, int]:
    ticket = load_ticket(s, number)
    require_coordinator(config, coordinator_tg, ticket)
    reporter = reporter_chat(s, ticket)
    if reporter is None:
        raise DomainError("no_reporter", number=number)
    return ticket, reporter


def _audit(s: Session, number: int, status: TicketStatus, actor: int, action: str,
           now: datetime) -> None:
    # Not a change of the ticket's state (no move()): the event records who blocked whom
    # through which ticket, in the same transaction as the block itself.
    s.add(TicketEvent(ticket_id=number, actor_kind=Role.COORDINATOR, actor_tg_id=actor,
                      action=action, from_status=status, to_status=status, at=now))
