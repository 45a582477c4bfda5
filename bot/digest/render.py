"""The digest's text: one Telegram message (≤ 4096 UTF-16 units, bot/texts/fit.py) in Chinese
from the numbers of bot/digest/numbers.py. The lines of its overdue and unclaimed lists
(overdue_line, unclaimed_line) are also what /overdue and /unclaimed show."""

from __future__ import annotations

from datetime import date, datetime

from bot import texts
from bot.config import Config
from bot.digest.numbers import LIST_LIMIT, PERIOD_DAYS, CategoryCount, Digest
from bot.digest.stats import OverdueRow, UnclaimedRow
from bot.texts import fit
from bot.texts.render import describe_span, format_rate

MESSAGE_LIMIT = fit.TEXT_LIMIT  # Telegram's limit on one text message
message_length = fit.units  # as Telegram counts: UTF-16 code units
NAME_LIMIT = 16  # volunteers type their own name and unit: keep one line short


def _date(day: date) -> str:
    return texts.DIGEST_DATE.format(
        month=day.month, day=day.day, weekday=texts.DIGEST_WEEKDAYS[day.weekday()]
    )


def _short(value: str) -> str:
    return value if len(value) <= NAME_LIMIT else value[: NAME_LIMIT - 1] + "…"


def _building(config: Config, community: str, code: str | None) -> str:
    found = config.community(community)
    building = found.building(code) if found else None
    if building is not None:
        return building.name
    return _short(code) if code else texts.NO_BUILDING


def _late(days: int) -> str:
    if days < 1:
        return texts.LATE_UNDER_A_DAY
    return texts.LATE_DAYS.format(days=days)


def _rate_lines(digest: Digest) -> list[str]:
    day, period = digest.rates_yesterday, digest.rates_period
    pairs = (
        (texts.DIGEST_RESPONSE, (day.responded, day.response_base),
         (period.responded, period.response_base)),
        (texts.DIGEST_RESOLUTION, (day.resolved_closed, day.closed_total),
         (period.resolved_closed, period.closed_total)),
        (texts.DIGEST_SATISFACTION, (day.satisfied, day.rated), (period.satisfied, period.rated)),
    )
    lines = [texts.DIGEST_RATES_HEADER.format(days=PERIOD_DAYS)]
    for name, d, p in pairs:
        lines.append(texts.DIGEST_RATE_LINE.format(
            name=name, day=format_rate(*d), period=format_rate(*p)))
    return lines


def _top(items: tuple[CategoryCount, ...]) -> str:
    if not items:
        return texts.DIGEST_TOP_NONE
    return texts.DIGEST_TOP_SEPARATOR.join(
        texts.DIGEST_TOP_ITEM.format(name=c.name, count=c.count) for c in items
    )


def _backlog_line(digest: Digest) -> str:
    if digest.backlog_total == 0:
        return texts.DIGEST_BACKLOG_NONE
    parts = texts.DIGEST_BACKLOG_SEPARATOR.join(
        texts.DIGEST_BACKLOG_PART.format(status=texts.DIGEST_STATUS_NAMES[s], count=n)
        for s, n in digest.backlog
        if n
    )
    return texts.DIGEST_BACKLOG.format(total=digest.backlog_total, parts=parts)


def overdue_line(config: Config, row: OverdueRow) -> str:
    """One overdue ticket: number, category, who holds it, how late."""
    return texts.OVERDUE_LINE.format(
        number=row.number, category=config.category_name(row.category),
        assignee=_short(row.assignee) if row.assignee else texts.NOBODY,
        late=_late(row.days_late))


def unclaimed_line(config: Config, community: str, row: UnclaimedRow, now: datetime) -> str:
    """One ticket nobody holds: number, category, building, how long it has waited."""
    return texts.UNCLAIMED_LINE.format(
        number=row.number, category=config.category_name(row.category),
        building=_building(config, community, row.building),
        waited=texts.WAITED.format(span=describe_span(now - row.created_at)),
        triage=texts.NEEDS_TRIAGE_MARK if row.needs_triage else "")


def _listed(header: str, lines: list[str], total: int) -> list[str]:
    """A section naming the first of `total` things, one a line, and counting the rest."""
    more = [texts.DIGEST_MORE.format(n=total - len(lines))] if total > len(lines) else []
    return [header.format(total=total), *lines, *more]


def _overdue_lines(config: Config, digest: Digest) -> list[str]:
    if digest.overdue_total == 0:
        return [texts.DIGEST_OVERDUE_NONE]
    return _listed(texts.DIGEST_OVERDUE_HEADER,
                   [overdue_line(config, row) for row in digest.overdue], digest.overdue_total)


def _unclaimed_lines(config: Config, digest: Digest) -> list[str]:
    if digest.unclaimed_total == 0:
        return [texts.DIGEST_UNCLAIMED_NONE]
    return _listed(texts.DIGEST_UNCLAIMED_HEADER,
                   [unclaimed_line(config, digest.community, row, digest.now)
                    for row in digest.unclaimed], digest.unclaimed_total)


def _volunteer_lines(digest: Digest) -> list[str]:
    # Only those with something to show: a list of every idle volunteer says nothing.
    busy = [v for v in digest.volunteers
            if v.open or v.claimed_in_window or v.resolved_in_window]
    if not busy:
        return [texts.DIGEST_VOLUNTEERS_NONE]
    busy.sort(key=lambda v: (-v.resolved_in_window, -v.claimed_in_window, -v.open, v.tg_id))
    lines = [texts.DIGEST_VOLUNTEERS_HEADER]
    for v in busy[:LIST_LIMIT]:
        lines.append(texts.DIGEST_VOLUNTEER_LINE.format(
            name=_short(v.name), unit=_short(v.unit), claimed=v.claimed_in_window,
            resolved=v.resolved_in_window, open=v.open,
            inactive="" if v.active else texts.DIGEST_VOLUNTEER_INACTIVE,
        ))
    if len(busy) > LIST_LIMIT:
        lines.append(texts.DIGEST_MORE_VOLUNTEERS.format(n=len(busy) - LIST_LIMIT))
    return lines


def _failed_lines(digest: Digest) -> list[str]:
    """发送失败: nothing when all went out (an empty section would only add length)."""
    if digest.failed_total == 0:
        return []
    return _listed(texts.DIGEST_FAILED_HEADER, [
        texts.DIGEST_FAILED_LINE.format(
            number=row.number, what=texts.SEND_FAILED_WHAT.get(row.notice, texts.SEND_FAILED_OTHER),
            why=_why(row.error))
        for row in digest.failed], digest.failed_total)


def _why(error: str | None) -> str:
    """Telegram's English answer in a few Chinese words a coordinator can act on."""
    lowered = (error or "").lower()
    return next((words for key, words in texts.SEND_FAILED_WHY if key in lowered),
                texts.SEND_FAILED_WHY_OTHER)


def _fit(text: str) -> str:
    """Cut a text that would still exceed one message (only with absurdly long names)."""
    if message_length(text) <= MESSAGE_LIMIT:
        return text
    room = MESSAGE_LIMIT - message_length(texts.DIGEST_TRUNCATED) - 1
    lines: list[str] = []
    used = 0
    for line in text.split("\n"):
        if used + message_length(line) + 1 > room:
            break
        lines.append(line)
        used += message_length(line) + 1
    return "\n".join([*lines, texts.DIGEST_TRUNCATED])


def render_digest(config: Config, digest: Digest) -> str:
    """The digest as one Telegram message in Chinese."""
    sections = [
        [
            texts.DIGEST_TITLE.format(community=digest.community_name, date=_date(digest.day)),
            texts.DIGEST_YESTERDAY.format(
                date=_date(digest.yesterday), new=digest.new, claimed=digest.claimed,
                resolved=digest.resolved, closed=digest.closed,
                closed_unresolved=digest.closed_unresolved, cancelled=digest.cancelled,
            ),
            _backlog_line(digest),
        ],
        _rate_lines(digest),
        [
            texts.DIGEST_TOP_YESTERDAY.format(items=_top(digest.top_yesterday)),
            texts.DIGEST_TOP_PERIOD.format(days=PERIOD_DAYS, items=_top(digest.top_period)),
        ],
        _failed_lines(digest),
        _overdue_lines(config, digest),
        _unclaimed_lines(config, digest),
        _volunteer_lines(digest),
    ]
    return _fit("\n\n".join("\n".join(lines) for lines in sections if lines))
