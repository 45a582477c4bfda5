"""Time limits, when a ticket next needs the bot's attention (from its state alone: the sweep
reads this), quiet hours, and the day a digest is due."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from bot.domain.states import CLAIMABLE, HELD, WORKING, Action, TicketStatus

# Someone takes the matter in hand (接单, 认领), or it comes back to work (未解决, 又出问题了,
# the office's /reopen): the time limit (办结时限) runs afresh from that moment, and the
# overdue mark (督办 sent) of the old limit goes. Until someone takes it, the limit runs from
# the submission: a matter nobody takes is overdue for the office (and its resident hears).
RESTARTS_TIME_LIMIT = frozenset({Action.ACCEPT, Action.CLAIM, Action.REJECT,
                                 Action.REVISIT_REOPEN, Action.REOPEN})

if TYPE_CHECKING:  # only its type: the rules read a Config handed to them
    from bot.config import Config


def time_limit(config: Config, category: str, urgent: bool, text: str = "") -> timedelta:
    """The resolution time limit: urgent items use the urgent limit; water, power, gas or
    heating out the utility limit when it is shorter; others their category's."""
    if urgent:
        return config.classifier.urgent_time_limit
    limit = config.categories[category].time_limit
    c = config.classifier
    if any(word in text for word in c.utility_words):
        return min(limit, c.utility_time_limit)
    return limit


def restarted_limit(config: Config, action: Action, now: datetime,
                    t: Mapping[str, Any]) -> dict[str, Any]:
    """The fields `action` at `now` sets on a ticket (its fields after the change, `t`) for
    its time limit: a new due_at and no overdue mark when the action starts a new limit."""
    if action not in RESTARTS_TIME_LIMIT or t["status"] not in WORKING:
        return {}
    limit = time_limit(config, t["category"], bool(t.get("urgent")), t.get("text") or "")
    return {"due_at": now + limit, "overdue_at": None}


def limit_for_category(config: Config, t: Mapping[str, Any], category: str) -> datetime:
    """The due_at of a ticket (fields `t`) given another category: its current limit's start
    (the submission, or when it was last taken or reopened) plus the new category's limit."""
    text = t.get("text") or ""
    urgent = bool(t.get("urgent"))
    due = t.get("due_at")
    start = t["created_at"] if due is None else due - time_limit(config, t["category"], urgent,
                                                                   text)
    return start + time_limit(config, category, urgent, text)


def accept_timeout(config: Config, urgent: bool) -> timedelta:
    """How long a routed volunteer has to press 接单 before the group is asked."""
    f = config.followups
    return f.urgent_accept_timeout if urgent else f.accept_timeout


def claim_timeout(config: Config, urgent: bool) -> timedelta:
    """How long each rung of the 催办 ladder waits for someone to claim it."""
    f = config.followups
    return f.urgent_claim_timeout if urgent else f.claim_timeout


def next_action_for(config: Config,
                    t: Mapping[str, Any]) -> tuple[Action | None, datetime | None]:
    """(what, when) for a ticket's fields; (None, None) when nothing is pending.

    Each follow-up happens once per stage: the fields it sets (escalation_level, reminded_at,
    overdue_at, revisit_asked_at) take it off the list until the ticket moves on.
    """
    f = config.followups
    status = t["status"]
    candidates: list[tuple[Action, datetime]] = []
    if status in WORKING and t.get("due_at") and t.get("overdue_at") is None:
        candidates.append((Action.OVERDUE, t["due_at"]))
    # Waiting times count from when the people asked can read the question: an offer or a
    # group post made at night is held until quiet hours end (urgent ones are not held).
    def readable(moment: datetime) -> datetime:
        return moment if t.get("urgent") else quiet_hours_end(config, moment)

    urgent = bool(t.get("urgent"))
    if status == TicketStatus.ASSIGNED and t.get("routed_at"):
        candidates.append((Action.ACCEPT_TIMEOUT,
                           readable(t["routed_at"]) + accept_timeout(config, urgent)))
    if status in CLAIMABLE and t.get("assignee_id") is None:
        # Waiting for someone to claim it (group offer, triage, or nobody eligible): the
        # ladder climbs from the 网格长 to the coordinators, one claim_timeout per rung.
        base = readable(t.get("waiting_since") or t["created_at"])
        level = t.get("escalation_level") or 0
        rung = claim_timeout(config, urgent)
        if level == 0:
            candidates.append((Action.CLAIM_TIMEOUT, base + rung))
        elif level == 1:
            candidates.append((Action.CLAIM_ESCALATE, base + 2 * rung))
    if status in HELD and t.get("assignee_id") is not None:
        last = t.get("last_progress_at") or t.get("claimed_at") or t["created_at"]
        reminded = t.get("reminded_at")
        if reminded is None or reminded < last:
            candidates.append((Action.PROGRESS_REMINDER, last + f.progress_reminder))
    if status == TicketStatus.RESOLVED and t.get("resolved_at"):
        resolved = t["resolved_at"]
        reminded = t.get("reminded_at")
        if reminded is None or reminded < resolved:
            candidates.append((Action.CONFIRM_REMINDER, resolved + f.confirm_reminder))
        candidates.append((Action.AUTO_CLOSE, resolved + f.auto_close))
    if (status == TicketStatus.CLOSED and t.get("close_reason") is None and t.get("closed_at")
            and t.get("revisit_asked_at") is None):
        candidates.append((Action.REVISIT, t["closed_at"] + f.revisit_after))
    if not candidates:
        return None, None
    return min(candidates, key=lambda c: c[1])


def in_quiet_hours(config: Config, moment_utc: datetime) -> bool:
    local = _local_time(config, moment_utc)
    start, end = config.quiet_hours.start, config.quiet_hours.end
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the window crosses midnight


def quiet_hours_end(config: Config, moment_utc: datetime) -> datetime:
    """The first moment at or after `moment_utc` outside quiet hours (aware UTC)."""
    if not in_quiet_hours(config, moment_utc):
        return moment_utc
    local = _aware_local(config, moment_utc)
    end: time = config.quiet_hours.end
    candidate = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate.astimezone(UTC)


def _aware_local(config: Config, moment_utc: datetime) -> datetime:
    return moment_utc.astimezone(config.tz)


def local_time(config: Config, moment_utc: datetime) -> datetime:
    """A stored UTC moment as the community's wall-clock time."""
    return _aware_local(config, moment_utc)


def _local_time(config: Config, moment_utc: datetime) -> time:
    return _aware_local(config, moment_utc).time()


def digest_day(config: Config, now: datetime) -> date | None:
    """Today's local date once digest time has passed; None before it."""
    local = now.astimezone(config.tz)
    return local.date() if local.time() >= config.digest.time else None
