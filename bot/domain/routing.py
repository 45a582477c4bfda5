"""Who a new ticket is offered to: the paired party member first, then the least busy."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Candidate:
    volunteer_id: int
    tg_id: int
    categories: tuple[str, ...]
    buildings: tuple[str, ...]
    max_open: int
    open_count: int
    last_assigned_at: datetime | None
    active: bool = True
    unreachable: bool = False


def choose_volunteer(
    candidates: Sequence[Candidate],
    category: str,
    building: str | None,
    exclude_tg_ids: Collection[int] = (),
) -> Candidate | None:
    """Paired with the building first, then the rest; fewest open tasks, longest idle."""
    eligible = [
        c
        for c in candidates
        if c.active
        and not c.unreachable
        and category in c.categories
        and c.open_count < c.max_open
        and c.tg_id not in exclude_tg_ids
    ]
    if not eligible:
        return None
    paired = [c for c in eligible if building is not None and building in c.buildings]
    pool = paired or eligible
    return min(
        pool,
        key=lambda c: (c.open_count, c.last_assigned_at or _NEVER, c.volunteer_id),
    )
