"""A ticket's states, and the groups of them the rules ask about.

A ticket goes submitted → (assigned →) claimed → in_progress → resolved → closed, or ends
closed_unresolved (the office closed it with a reason) or cancelled (withdrawn by the
resident); resolved and closed tickets may be reopened.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

OPEN_STATUSES = ("submitted", "assigned", "claimed", "in_progress", "resolved", "reopened")
FINAL_STATUSES = ("closed", "cancelled", "closed_unresolved")
# What counts against a volunteer's maximum: work they hold and have not handed back.
WORKLOAD_STATUSES = ("assigned", "claimed", "in_progress", "reopened")
# A volunteer holds it and works on it.
HELD = ("claimed", "in_progress", "reopened")
# Nobody has taken it yet: the resident may still withdraw it.
UNCLAIMED = ("submitted", "assigned")
# Open for claim (group offer, triage, or nobody eligible) while nobody is assigned.
CLAIMABLE = ("submitted", "reopened")
# Nobody has finished the work yet: the resolution time limit still runs.
WORKING = ("submitted", "assigned", "claimed", "in_progress", "reopened")


def starts_waiting(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """True when a change from `before` to `after` (a ticket's fields) leaves the ticket newly
    waiting for someone to claim it: the 催办 ladder then starts again from the bottom rung."""
    if after["status"] not in CLAIMABLE or after["assignee_id"] is not None:
        return False
    was_waiting = before["status"] in CLAIMABLE and before["assignee_id"] is None
    newly_offered = after["offered_in_group"] and not before["offered_in_group"]
    return not was_waiting or newly_offered or before["waiting_since"] is None
