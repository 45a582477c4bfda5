"""Read-only lists people ask for: /my, /tasks, /volunteers, the assign picker, and the
coordinators' /overdue, /unclaimed and /stats numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot import texts
from bot.config import Community, Config
from bot.digest.render import overdue_line, unclaimed_line
from bot.digest.stats import (
    PeriodStats,
    backlog,
    overdue_tickets,
    period_stats,
    unclaimed_tickets,
)
from bot.domain.privacy import public_summary
from storage.db import UnitOfWork
from storage.queries import (
    open_tickets_of_volunteer,
    resident_by_tg,
    tickets_of_reporter,
    volunteer_by_tg,
    volunteer_loads,
)

UowFactory = Callable[[], UnitOfWork]


def my_tickets_text(uows: UowFactory, config: Config, user_id: int) -> str:
    with uows() as uow:
        resident = resident_by_tg(uow.session, user_id)
        rows = tickets_of_reporter(uow.session, resident.id or 0) if resident else []
    if not rows:
        return texts.MY_EMPTY
    lines = [texts.MY_HEADER.format(n=len(rows))]
    lines += [texts.MY_LINE.format(number=t.id, category=config.category_name(t.category),
                                   status=texts.STATUS_NAMES.get(t.status, t.status),
                                   summary=public_summary(t.text, 30) or texts.PREVIEW_NO_TEXT)
              for t in rows]
    return "\n".join(lines)


def volunteer_tasks_text(uows: UowFactory, config: Config, user_id: int) -> str:
    with uows() as uow:
        volunteer = volunteer_by_tg(uow.session, user_id)
        if volunteer is None:
            return texts.NOT_A_VOLUNTEER
        rows = open_tickets_of_volunteer(uow.session, volunteer.id or 0)
    if not rows:
        return texts.TASKS_EMPTY
    return "\n".join([texts.TASKS_HEADER] + [
        texts.TASK_LINE.format(number=t.id, category=config.category_name(t.category),
                               status=texts.STATUS_NAMES.get(t.status, t.status),
                               summary=public_summary(t.text, 30) or texts.PREVIEW_NO_TEXT)
        for t in rows])


def assignable_volunteers(uows: UowFactory, community: str) -> list[tuple[int, str, int]]:
    """(telegram id, name, open tasks) of active volunteers, least busy first."""
    with uows() as uow:
        loads = volunteer_loads(uow.session, community)
    rows = [(v.tg_id, v.name, n) for v, n in loads if v.active]
    return sorted(rows, key=lambda r: (r[2], r[1]))


def roster_text(uows: UowFactory, config: Config, communities: tuple[Community, ...]) -> str:
    lines: list[str] = []
    for community in communities:
        with uows() as uow:
            loads = volunteer_loads(uow.session, community.code)
        for v, n in loads:
            lines.append(texts.VOLUNTEER_LINE.format(
                name=v.name, unit=v.unit or "—", open=n, max=v.max_open,
                categories="、".join(config.category_name(c) for c in v.categories) or "—",
                inactive="" if v.active else texts.INACTIVE_MARK))
    if not lines:
        return texts.VOLUNTEERS_EMPTY
    return "\n".join([texts.VOLUNTEERS_HEADER, *lines])


def overdue_text(uows: UowFactory, config: Config, communities: tuple[Community, ...],
                 now: datetime) -> str:
    """/overdue: the communities' overdue tickets, the longest overdue first, in the digest's
    words."""
    with uows() as uow:
        lines = [overdue_line(config, row) for community in communities
                 for row in overdue_tickets(uow.session, community.code, now)]
    return "\n".join([texts.OVERDUE_HEADER, *lines]) if lines else texts.OVERDUE_EMPTY


def unclaimed_text(uows: UowFactory, config: Config, communities: tuple[Community, ...],
                   now: datetime) -> str:
    """/unclaimed: the communities' tickets nobody holds, the oldest first, in the digest's
    words."""
    with uows() as uow:
        lines = [unclaimed_line(config, community.code, row, now) for community in communities
                 for row in unclaimed_tickets(uow.session, community.code)]
    return "\n".join([texts.UNCLAIMED_HEADER, *lines]) if lines else texts.UNCLAIMED_EMPTY


def stats_of(uows: UowFactory, community: str, now: datetime,
             days: int) -> tuple[PeriodStats, int]:
    """/stats: the counts and rates of the last `days` days, and how many are open now."""
    with uows() as uow:
        numbers = period_stats(uow.session, community, now - timedelta(days=days), now, now)
        open_now = backlog(uow.session, community)
    return numbers, open_now.get("total", 0)
