"""Read-only lists people ask for: /my, /tasks, /volunteers, the assign picker, and the
coordinators' /overdue, /unclaimed and /stats numbers."""

from __future__ import annotations

from datetime import timedelta

from bot import texts
from bot.config import Community
from bot.digest.render import overdue_line, unclaimed_line
from bot.digest.stats import (
    PeriodStats,
    backlog,
    overdue_tickets,
    period_stats,
    unclaimed_tickets,
)
from bot.domain.privacy import own_summary, public_summary
from bot.services.template import Tx, query
from storage.queries import (
    open_tickets_of_volunteer,
    resident_by_tg,
    tickets_of_reporter,
    volunteer_by_tg,
    volunteer_loads,
)


@query
def my_tickets_text(tx: Tx, user_id: int) -> str:
    resident = resident_by_tg(tx.session, user_id)
    rows = tickets_of_reporter(tx.session, resident.id or 0) if resident else []
    if not rows:
        return texts.MY_EMPTY
    lines = [texts.MY_HEADER.format(n=len(rows))]
    lines += [texts.MY_LINE.format(number=t.id, category=tx.config.category_name(t.category),
                                   status=texts.STATUS_NAMES.get(t.status, t.status),
                                   summary=own_summary(t.text, 30) or texts.PREVIEW_NO_TEXT)
              for t in rows]
    return "\n".join(lines)


@query
def volunteer_tasks_text(tx: Tx, user_id: int) -> str:
    volunteer = volunteer_by_tg(tx.session, user_id)
    if volunteer is None:
        return texts.NOT_A_VOLUNTEER
    rows = open_tickets_of_volunteer(tx.session, volunteer.id or 0)
    if not rows:
        return texts.TASKS_EMPTY
    return "\n".join([texts.TASKS_HEADER] + [
        texts.TASK_LINE.format(number=t.id, category=tx.config.category_name(t.category),
                               status=texts.STATUS_NAMES.get(t.status, t.status),
                               summary=public_summary(t.text, 30) or texts.PREVIEW_NO_TEXT)
        for t in rows])


@query
def assignable_volunteers(tx: Tx, community: str) -> list[tuple[int, str, int]]:
    """(telegram id, name, open tasks) of active volunteers, least busy first."""
    rows = [(v.tg_id, v.name, n) for v, n in volunteer_loads(tx.session, community) if v.active]
    return sorted(rows, key=lambda r: (r[2], r[1]))


@query
def roster_text(tx: Tx, communities: tuple[Community, ...]) -> str:
    lines: list[str] = []
    for community in communities:
        for v, n in volunteer_loads(tx.session, community.code):
            lines.append(texts.VOLUNTEER_LINE.format(
                name=v.name, unit=v.unit or "—", open=n, max=v.max_open,
                categories="、".join(tx.config.category_name(c) for c in v.categories) or "—",
                inactive="" if v.active else texts.INACTIVE_MARK))
    if not lines:
        return texts.VOLUNTEERS_EMPTY
    return "\n".join([texts.VOLUNTEERS_HEADER, *lines])


@query
def overdue_text(tx: Tx, communities: tuple[Community, ...]) -> str:
    """/overdue: the communities' overdue tickets, the longest overdue first, in the digest's
    words."""
    lines = [overdue_line(tx.config, row) for community in communities
             for row in overdue_tickets(tx.session, community.code, tx.now)]
    return "\n".join([texts.OVERDUE_HEADER, *lines]) if lines else texts.OVERDUE_EMPTY


@query
def unclaimed_text(tx: Tx, communities: tuple[Community, ...]) -> str:
    """/unclaimed: the communities' tickets nobody holds, the oldest first, in the digest's
    words."""
    lines = [unclaimed_line(tx.config, community.code, row, tx.now) for community in communities
             for row in unclaimed_tickets(tx.session, community.code)]
    return "\n".join([texts.UNCLAIMED_HEADER, *lines]) if lines else texts.UNCLAIMED_EMPTY


@query
def stats_of(tx: Tx, community: str, days: int) -> tuple[PeriodStats, int]:
    """/stats: the counts and rates of the last `days` days, and how many are open now."""
    now = tx.now
    numbers = period_stats(tx.session, community, now - timedelta(days=days), now, now)
    open_now = backlog(tx.session, community)
    return numbers, open_now.get("total", 0)
