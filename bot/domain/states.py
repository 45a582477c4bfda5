"""A ticket's states and the one table of how it moves between them.

A ticket goes submitted → (assigned →) claimed → in_progress → resolved → closed, or ends
closed_unresolved (the office closed it with a reason) or cancelled (withdrawn by the
resident); resolved and closed tickets may be reopened.

TRANSITIONS says, for each (state, action, role), the state the ticket goes to, the audit
event logged and the kinds of message the change may owe. bot/services/moves.py consults it
for every change: an action the table has no row for is refused. docs/states.md is drawn
from it (docs/states.py; tests/unit/test_states_diagram.py fails when it is stale).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class TicketStatus(StrEnum):
    """Stored as the value (the column stays text): a member equals its string."""

    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    CLAIMED = "claimed"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    CLOSED_UNRESOLVED = "closed_unresolved"


class Role(StrEnum):
    """Who acts on a ticket (a ticket event's actor_kind). 网格长 are asked (催办) but act
    as volunteers or not at all; 楼栋长 register for residents, as residents' helpers."""

    RESIDENT = "resident"  # the ticket's reporter
    VOLUNTEER = "volunteer"  # a volunteer of the ticket's community (most actions: its holder)
    COORDINATOR = "coordinator"  # a coordinator of the ticket's community
    SYSTEM = "system"  # routing and the sweep's follow-ups


class Action(StrEnum):
    """What a person or the bot does to a ticket: the audit event's action."""

    SUBMIT = "submit"
    # the resident (下单, 结单)
    CANCEL = "cancel"
    CONFIRM = "confirm"
    REJECT = "reject"
    RATE = "rate"
    COMMENT = "comment"
    REVISIT_OK = "revisit_ok"
    REVISIT_REOPEN = "revisit_reopen"
    # a volunteer (接单, 做单)
    ACCEPT = "accept"
    CLAIM = "claim"
    DECLINE = "decline"
    RELEASE = "release"
    PROGRESS = "progress"
    RESOLVE = "resolve"
    # a coordinator
    ASSIGN = "assign"
    CLOSE = "close"
    REOPEN = "reopen"
    TRIAGE = "triage"
    RECAT = "recat"
    # the bot: routing
    TRIAGE_REQUESTED = "triage_requested"
    ROUTE = "route"
    OFFER_GROUP = "offer_group"
    # the bot: follow-ups (bot.domain.deadlines says which is due)
    ACCEPT_TIMEOUT = "accept_timeout"
    CLAIM_TIMEOUT = "claim_timeout"
    CLAIM_ESCALATE = "claim_escalate"
    PROGRESS_REMINDER = "progress_reminder"
    OVERDUE = "overdue"
    CONFIRM_REMINDER = "confirm_reminder"
    AUTO_CLOSE = "auto_close"
    REVISIT = "revisit"


S = TicketStatus

OPEN_STATUSES = (S.SUBMITTED, S.ASSIGNED, S.CLAIMED, S.IN_PROGRESS, S.RESOLVED, S.REOPENED)
FINAL_STATUSES = (S.CLOSED, S.CANCELLED, S.CLOSED_UNRESOLVED)
# What counts against a volunteer's maximum: work they hold and have not handed back.
WORKLOAD_STATUSES = (S.ASSIGNED, S.CLAIMED, S.IN_PROGRESS, S.REOPENED)
# A volunteer holds it and works on it.
HELD = (S.CLAIMED, S.IN_PROGRESS, S.REOPENED)
# Nobody has taken it yet: the resident may still withdraw it.
UNCLAIMED = (S.SUBMITTED, S.ASSIGNED)
# Open for claim (group offer, triage, or nobody eligible) while nobody is assigned.
CLAIMABLE = (S.SUBMITTED, S.REOPENED)
# Nobody has finished the work yet: the resolution time limit still runs.
WORKING = (S.SUBMITTED, S.ASSIGNED, S.CLAIMED, S.IN_PROGRESS, S.REOPENED)
# Someone has the ticket in hand (offered to them, or held): a late 认领 hears who.
TAKEN = (S.ASSIGNED, *HELD, S.RESOLVED)
# Where a ticket's life may end (closed ones may still be reopened; a withdrawal is final).
TERMINAL = (S.CANCELLED,)
# Before the ticket exists: the key state of the submission's row.
NEW = None


@dataclass(frozen=True)
class Transition:
    to: TicketStatus
    event: Action  # the audit event's action (the tallies count events by it)
    owes: frozenset[str]  # the notice kinds the change may owe (rendered by bot/texts/notices)


Key = tuple[TicketStatus | None, Action, Role]


def _rows(role: Role, action: Action, froms: Iterable[TicketStatus | None],
          to: TicketStatus | None = None, owes: Iterable[str] = ()) -> dict[Key, Transition]:
    """One row per starting state; `to=None`: the ticket stays where it is (a note, a
    reminder, a change of category)."""
    rows: dict[Key, Transition] = {}
    for start in froms:
        target = to or start
        assert target is not None
        rows[(start, action, role)] = Transition(target, action, frozenset(owes))
    return rows


A, R = Action, Role
# Messages several changes owe: the group post edited to the ticket's new state; the offer
# to the whole group (a new post, the old one edited, or the office told there is no group).
GROUP_UPDATE = ("group_update",)
TO_GROUP = ("group_post", "group_update", "no_volunteer")
# Back to work: to its volunteer, or to the office the second time; else routed afresh.
REOPENED = ("reopened", "reopened_to_office", "reopened_escalated", *GROUP_UPDATE)
TAKEN_UP = ("claimed", "details", *GROUP_UPDATE)

TRANSITIONS: Mapping[Key, Transition] = {
    **_rows(R.RESIDENT, A.SUBMIT, [NEW], S.SUBMITTED,
            owes=["urgent_alert", "submitted"]),
    # the resident
    **_rows(R.RESIDENT, A.CANCEL, UNCLAIMED, S.CANCELLED, owes=["withdrawn", *GROUP_UPDATE]),
    **_rows(R.RESIDENT, A.CONFIRM, [S.RESOLVED], S.CLOSED, owes=["confirmed", *GROUP_UPDATE]),
    **_rows(R.RESIDENT, A.REJECT, [S.RESOLVED, S.CLOSED], S.REOPENED, owes=REOPENED),
    **_rows(R.RESIDENT, A.RATE, [S.CLOSED], owes=["rated"]),
    **_rows(R.RESIDENT, A.COMMENT, [S.CLOSED], owes=["commented"]),
    **_rows(R.RESIDENT, A.REVISIT_OK, [S.CLOSED]),
    **_rows(R.RESIDENT, A.REVISIT_REOPEN, [S.CLOSED], S.REOPENED, owes=REOPENED),
    # a volunteer
    **_rows(R.VOLUNTEER, A.ACCEPT, [S.ASSIGNED], S.CLAIMED, owes=TAKEN_UP),
    **_rows(R.VOLUNTEER, A.CLAIM, CLAIMABLE, S.CLAIMED, owes=TAKEN_UP),
    **_rows(R.VOLUNTEER, A.DECLINE, [S.ASSIGNED], S.SUBMITTED, owes=GROUP_UPDATE),
    **_rows(R.VOLUNTEER, A.RELEASE, HELD, S.SUBMITTED, owes=["released", *GROUP_UPDATE]),
    **_rows(R.VOLUNTEER, A.PROGRESS, HELD, S.IN_PROGRESS, owes=["progress"]),
    **_rows(R.VOLUNTEER, A.RESOLVE, HELD, S.RESOLVED, owes=["resolved"]),
    # a coordinator
    **_rows(R.COORDINATOR, A.ASSIGN, (*UNCLAIMED, *HELD), S.ASSIGNED,
            owes=["offer", "unassigned", *GROUP_UPDATE]),
    **_rows(R.COORDINATOR, A.CLOSE, (*UNCLAIMED, *HELD, S.RESOLVED), S.CLOSED_UNRESOLVED,
            owes=["closed_unresolved", "closed_by_office", *GROUP_UPDATE]),
    **_rows(R.COORDINATOR, A.REOPEN, [S.RESOLVED, S.CLOSED, S.CLOSED_UNRESOLVED], S.REOPENED,
            owes=["reopened", "reopened_by_office", *GROUP_UPDATE]),
    **_rows(R.COORDINATOR, A.TRIAGE, CLAIMABLE),
    **_rows(R.COORDINATOR, A.RECAT, list(S), owes=GROUP_UPDATE),
    # the bot: routing (after a submission, a decline, a release, a reopen or a triage)
    **_rows(R.SYSTEM, A.TRIAGE_REQUESTED, CLAIMABLE, owes=["triage", *GROUP_UPDATE]),
    **_rows(R.SYSTEM, A.ROUTE, CLAIMABLE, S.ASSIGNED, owes=["offer", *GROUP_UPDATE]),
    **_rows(R.SYSTEM, A.OFFER_GROUP, CLAIMABLE, owes=TO_GROUP),
    # the bot: follow-ups
    **_rows(R.SYSTEM, A.ACCEPT_TIMEOUT, [S.ASSIGNED], S.SUBMITTED,
            owes=["offer_lapsed", *TO_GROUP]),
    **_rows(R.SYSTEM, A.CLAIM_TIMEOUT, CLAIMABLE, owes=["chase_leader"]),
    **_rows(R.SYSTEM, A.CLAIM_ESCALATE, CLAIMABLE, owes=["chase_office"]),
    **_rows(R.SYSTEM, A.PROGRESS_REMINDER, HELD, owes=["progress_reminder"]),
    **_rows(R.SYSTEM, A.OVERDUE, WORKING, owes=["overdue_office", "overdue_volunteer",
                                                   "overdue_resident"]),
    **_rows(R.SYSTEM, A.CONFIRM_REMINDER, [S.RESOLVED], owes=["confirm_reminder"]),
    **_rows(R.SYSTEM, A.AUTO_CLOSE, [S.RESOLVED], S.CLOSED,
            owes=["auto_closed", "auto_closed_volunteer", *GROUP_UPDATE]),
    **_rows(R.SYSTEM, A.REVISIT, [S.CLOSED], owes=["revisit"]),
}


def transition(status: TicketStatus | None, action: Action, role: Role) -> Transition | None:
    """The table's row for `action` by `role` on a ticket in `status`; None: not allowed."""
    return TRANSITIONS.get((status, action, role))


def group_view(fields: Mapping[str, Any]) -> tuple[Any, ...]:
    """What the volunteers' group post of a ticket with these fields shows (bot/texts/notices.py
    renders it): taken by someone, offered to someone, open for claim, or another state. A
    change that alters it owes the post an edit, if the table lists group_update for it."""
    status, holder = fields["status"], fields["assignee_id"]
    if holder is not None and status in (*HELD, S.RESOLVED):
        shown: tuple[Any, ...] = ("taken", holder)
    elif holder is not None and status == S.ASSIGNED:
        shown = ("assigned", holder)
    elif status in CLAIMABLE and fields["offered_in_group"] and not fields["needs_triage"]:
        shown = ("open",)
    else:
        shown = ("other", status)
    return (*shown, fields["category"], fields["urgent"])


def starts_waiting(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """True when a change from `before` to `after` (a ticket's fields) leaves the ticket newly
    waiting for someone to claim it: the 催办 ladder then starts again from the bottom rung."""
    if after["status"] not in CLAIMABLE or after["assignee_id"] is not None:
        return False
    was_waiting = before["status"] in CLAIMABLE and before["assignee_id"] is None
    newly_offered = after["offered_in_group"] and not before["offered_in_group"]
    return not was_waiting or newly_offered or before["waiting_since"] is None
