"""When a ticket next needs the bot's attention, from its state alone (the sweep reads this)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot.config import Config


def time_limit(config: Config, category: str, urgent: bool) -> timedelta:
    """The resolution time limit: urgent items use the urgent limit, others their category's."""
    if urgent:
        return config.classifier.urgent_time_limit
    return config.categories[category].time_limit


def next_action_for(config: Config, t: Mapping[str, Any]) -> tuple[str | None, datetime | None]:
    """(what, when) for a ticket's fields; (None, None) when nothing is pending."""
    f = config.followups
    status = t["status"]
    if status == "assigned" and t.get("routed_at"):
        return "accept_timeout", t["routed_at"] + f.accept_timeout
    if status in ("submitted", "reopened") and t.get("assignee_id") is None:
        # Waiting for someone to claim it (group offer, triage, or nobody eligible).
        return "claim_timeout", t["created_at"] + f.claim_timeout
    if status in ("claimed", "in_progress", "reopened"):
        last = t.get("last_progress_at") or t.get("claimed_at") or t["created_at"]
        candidates = [("progress_reminder", last + f.progress_reminder)]
        if t.get("due_at") and t.get("overdue_at") is None:
            candidates.append(("overdue", t["due_at"]))
        return min(candidates, key=lambda c: c[1])
    if status == "resolved" and t.get("resolved_at"):
        return "confirm_reminder", t["resolved_at"] + f.confirm_reminder
    if status == "closed" and t.get("close_reason") is None and t.get("closed_at"):
        return "revisit", t["closed_at"] + f.revisit_after
    return None, None


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

