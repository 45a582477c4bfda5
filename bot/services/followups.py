"""Follow-ups until closure: what the sweep does to a ticket whose next action is due.

Each ticket is handled in its own transaction through `move()`, a version-checked update:
when two sweeps (a second replica, or a restart mid-sweep) reach the same ticket, one update
wins and the other rolls back, so no reminder, 催办 or 督办 is sent twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot import texts
from bot.config import Config
from bot.domain.deadlines import accept_timeout as accept_wait
from bot.domain.deadlines import time_limit
from bot.domain.errors import DomainError
from bot.domain.states import HELD, Action, Role, transition
from bot.services.moves import load_ticket, move
from bot.services.notices import owe, owe_coordinators
from bot.services.residents import reopen_after_revisit
from bot.services.roles import reporter_chat, require_reporter, volunteer_chat
from bot.services.routing import offer_to_group
from bot.services.template import Tx, action, query
from bot.texts.render import describe_span
from storage.db import Session
from storage.models import Ticket, Volunteer
from storage.outbox import ever_owed, supersede_pending
from storage.queries import due_ticket_ids, has_event_since
from storage.stats_queries import utc

if TYPE_CHECKING:
    from bot.services.deps import Deps

log = logging.getLogger(__name__)
MAX_PASSES = 10  # per sweep; the next tick carries on
FollowUp = Callable[[Session, Config, datetime, Ticket], None]


def _system(s: Session, config: Config, now: datetime, ticket: Ticket, action: Action,
            **values: Any) -> None:
    move(s, config, now, ticket, action=action, role=Role.SYSTEM, actor_tg_id=None, **values)


def accept_timeout(s: Session, config: Config, now: datetime, ticket: Ticket) -> None:
    """The routed volunteer did not press 接单 in time: open the ticket to the whole group."""
    lapsed_chat = volunteer_chat(s, ticket.assignee_id)
    offer_to_group(s, config, now, ticket, action=Action.ACCEPT_TIMEOUT)
    owe(s, config, now, lapsed_chat, "offer_lapsed", ticket,
        hours=describe_span(accept_wait(config, ticket.urgent)))


def claim_timeout(s: Session, config: Config, now: datetime, ticket: Ticket) -> None:
    """Nobody claimed it: 催办 the 网格长 of the building's grid, or the coordinators if none."""
    community = config.community(ticket.community)
    grid = community.grid_of(ticket.building) if community else None
    if grid is None or grid.leader_id is None or ticket.needs_triage:
        claim_escalate(s, config, now, ticket)  # no 网格长 to ask (or it awaits triage)
        return
    since, waited = _waiting(ticket, now)
    _system(s, config, now, ticket, Action.CLAIM_TIMEOUT, escalation_level=1)
    owe(s, config, now, grid.leader_id, "chase_leader", ticket, urgent=ticket.urgent,
        since=since, waited=waited)


def claim_escalate(s: Session, config: Config, now: datetime, ticket: Ticket) -> None:
    """Still unclaimed a rung later: 小事不出小区 did not work, so the community steps in."""
    since, waited = _waiting(ticket, now)
    _system(s, config, now, ticket, Action.CLAIM_ESCALATE, escalation_level=2)
    # The 网格长's ask, if quiet hours still hold it, gives way: one 催办, the latest, goes out.
    supersede_pending(s, ticket.id or 0, CHASES)
    owe_coordinators(s, config, now, config.community(ticket.community), "chase_office", ticket,
                     urgent=ticket.urgent, since=since, waited=waited)


# The 催办 ladder's notices: a later rung supersedes an earlier one not sent yet.
CHASES = ("chase_leader", "chase_office")


def _waiting(ticket: Ticket, now: datetime) -> tuple[str, str]:
    """A 催办's wait: since when (the notice says how long as of when it is sent), and how long
    now (what a row owed before `since` was stored reads)."""
    since = utc(ticket.waiting_since or ticket.created_at)
    return since.isoformat(), describe_span(now - since)


def progress_reminder(s: Session, config: Config, now: datetime, ticket: Ticket) -> None:
    """Claimed, and the resident has heard nothing for a while: nudge the volunteer."""
    last = utc(ticket.last_progress_at or ticket.claimed_at or ticket.created_at)
    _system(s, config, now, ticket, Action.PROGRESS_REMINDER, reminded_at=now)
    owe(s, config, now, volunteer_chat(s, ticket.assignee_id), "progress_reminder", ticket,
        since=last.isoformat(), waited=describe_span(now - last))


def overdue(s: Session, config: Config, now: datetime, ticket: Ticket) -> None:
    """Past the time limit: marked overdue and 督办 to the coordinators, once per limit. The
    volunteer who holds it is reminded; a volunteer only offered it never is (it is not
    theirs). Nobody holds it: its resident hears, kindly and once, that it is still waiting."""
    limit = describe_span(time_limit(config, ticket.category, ticket.urgent, ticket.text))
    held = ticket.status in HELD and ticket.assignee_id is not None
    holder = s.get(Volunteer, ticket.assignee_id) if held else None
    _system(s, config, now, ticket, Action.OVERDUE, overdue_at=now)
    owe_coordinators(s, config, now, config.community(ticket.community), "overdue_office",
                     ticket, urgent=ticket.urgent, limit=limit)
    if holder is not None:
        owe(s, config, now, holder.tg_id, "overdue_volunteer", ticket,
            urgent=ticket.urgent, limit=limit)
    elif not ever_owed(s, ticket.id or 0, "overdue_resident"):
        owe(s, config, now, reporter_chat(s, ticket), "overdue_resident", ticket)


def confirm_reminder(s: Session, config: Config, now: datetime, ticket: Ticket) -> None:
    """Resolved, and the resident has not said whether it is fixed: ask once more."""
    _system(s, config, now, ticket, Action.CONFIRM_REMINDER, reminded_at=now)
    left = config.followups.auto_close - config.followups.confirm_reminder
    owe(s, config, now, reporter_chat(s, ticket), "confirm_reminder", ticket,
        waited=describe_span(config.followups.confirm_reminder),
        days=max(1, round(left.total_seconds() / 86400)))


def auto_close(s: Session, config: Config, now: datetime, ticket: Ticket) -> None:
    """No answer at all: closed as resolved, not rated (and 回头看 will still ask later)."""
    _system(s, config, now, ticket, Action.AUTO_CLOSE, closed_at=now, close_reason=None)
    owe(s, config, now, reporter_chat(s, ticket), "auto_closed", ticket)
    owe(s, config, now, volunteer_chat(s, ticket.assignee_id), "auto_closed_volunteer", ticket)


def revisit(s: Session, config: Config, now: datetime, ticket: Ticket) -> None:
    """回头看: some time after a resolved closure, ask the resident once if it is still fixed."""
    _system(s, config, now, ticket, Action.REVISIT, revisit_asked_at=now)
    owe(s, config, now, reporter_chat(s, ticket), "revisit", ticket)


ACTIONS: dict[str, FollowUp] = {
    Action.ACCEPT_TIMEOUT: accept_timeout,
    Action.CLAIM_TIMEOUT: claim_timeout,
    Action.CLAIM_ESCALATE: claim_escalate,
    Action.PROGRESS_REMINDER: progress_reminder,
    Action.OVERDUE: overdue,
    Action.CONFIRM_REMINDER: confirm_reminder,
    Action.AUTO_CLOSE: auto_close,
    Action.REVISIT: revisit,
}


@action
def run_followup(tx: Tx, ticket_id: int) -> str | None:
    """Do the ticket's due follow-up; None when it is not due (any more) or someone beat us."""
    s, now = tx.session, tx.now
    ticket = s.get(Ticket, ticket_id)
    if ticket is None or ticket.next_action is None or ticket.next_action_at is None:
        return None
    if utc(ticket.next_action_at) > now:
        return None
    due = ticket.next_action
    handler = ACTIONS.get(due)
    if handler is None:
        log.error("ticket %s has an unknown next action %r", ticket_id, due)
        return None
    try:
        handler(s, tx.config, now, ticket)
    except DomainError as exc:
        if exc.code != "changed_meanwhile":
            raise
        tx.uow.rollback()  # another sweep or a person changed it first: ours is undone
        return None
    return due


@query
def _due_ticket_ids(tx: Tx, batch: int) -> list[int]:
    return due_ticket_ids(tx.session, tx.now, batch)


def sweep(deps: Deps, batch: int = 500) -> Counter[str]:
    """Act on every ticket due now; returns how many of each follow-up were done. Each
    ticket in its own transaction (hand-written: many actions), all at one moment."""
    deps = deps.at(deps.clock.now())  # one moment for the whole sweep
    done: Counter[str] = Counter()
    for _ in range(MAX_PASSES):
        due = _due_ticket_ids(deps, batch)
        acted = 0
        for ticket_id in due:
            try:
                followed = run_followup(deps, ticket_id)
            except Exception:  # one bad ticket must not stop the others' follow-ups
                log.exception("follow-up of ticket %s failed", ticket_id)
                continue
            if followed is not None:
                done[followed] += 1
                acted += 1
        # Another pass picks up more due rows and follow-ups that fell due together (a
        # ticket offline for days may owe an accept timeout and a 督办 at once). A pass where
        # nothing could be done would only find the same rows again.
        if acted == 0:
            break
    return done


@action
def answer_revisit(tx: Tx, number: int, tg_id: int, fixed: bool) -> Ticket:
    """The resident's answer to 回头看: still fixed (noted), or not (reopened, same volunteer)."""
    s, config, now = tx.session, tx.config, tx.now
    ticket = load_ticket(s, number)
    require_reporter(s, tg_id, ticket)
    if ticket.revisit_asked_at is None:  # never asked: a forged or foreign button
        raise DomainError("bad_state", number=number,
                          status=texts.STATUS_NAMES.get(ticket.status, ticket.status),
                          action=texts.ACTION_NAMES[Action.REVISIT])
    # Reopened or closed otherwise since: the question was answered one way or another.
    answer = Action.REVISIT_OK if fixed else Action.REVISIT_REOPEN
    if transition(ticket.status, answer, Role.RESIDENT) is None \
            or _revisit_answered(s, ticket):
        raise DomainError("revisit_answered", number=number)
    if fixed:
        move(s, config, now, ticket, action=Action.REVISIT_OK, role=Role.RESIDENT,
             actor_tg_id=tg_id)
    else:
        reopen_after_revisit(s, config, now, ticket, tg_id, texts.REVISIT_REASON)
    return ticket


def _revisit_answered(s: Session, ticket: Ticket) -> bool:
    asked = ticket.revisit_asked_at
    return asked is not None and has_event_since(s, ticket.id or 0,
                                                 (Action.REVISIT_OK, Action.REVISIT_REOPEN),
                                                 asked)
