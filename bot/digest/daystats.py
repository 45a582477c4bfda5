"""The digest's windows and chart series, summed from the per-day tallies (storage.tallies).

The numbers mean exactly what bot.digest.stats defines (period_stats, Rates, DayRow); only the way
they are counted differs: a few hundred counter rows for 30 days instead of every ticket in
them. Windows here are whole local days and end at a local midnight that has passed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from bot.config import Config
from bot.digest.stats import TOP_CATEGORIES, DayRow, PeriodStats
from bot.domain.rates import Rates, share
from bot.domain.states import FINAL_STATUSES, TicketStatus
from storage.db import Session
from storage.stats_queries import utc
from storage.tallies import TICKET_METRICS, tallies_from


def local_midnight(config: Config, day: date) -> datetime:
    """The start of a local calendar day as aware UTC."""
    return utc(datetime.combine(day, time(0), tzinfo=config.tz))


class DayTallies:
    """One community's counters from local date `first` on, read in one query."""

    def __init__(self, session: Session, config: Config, community: str, first: date) -> None:
        self.session = session
        self.config = config
        self.community = community
        self.first = first
        # metric -> day -> key -> n, and metric -> day -> n over all keys
        self._by: dict[str, dict[date, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
        self._day: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
        for (metric, day, key), n in tallies_from(
                session, community, TICKET_METRICS, first).items():
            self._by[metric][day][key] = n
            self._day[metric][day] += n

    def _sum(self, metric: str, first: date, end: date | None = None,
             keys: tuple[str, ...] | None = None) -> int:
        """Sum of `metric` over days [first, end) (end None: every day on), optionally only
        for some keys."""
        assert first >= self.first, "read fewer days than asked for"
        if keys is None:
            return sum(n for day, n in self._day[metric].items()
                       if day >= first and (end is None or day < end))
        return sum(by_key.get(k, 0) for day, by_key in self._by[metric].items()
                   if day >= first and (end is None or day < end) for k in keys)

    def window(self, first: date, end: date) -> PeriodStats:
        """period_stats for the local days [first, end), with every response limit before
        `end` judged (the window has ended)."""
        categories: dict[str, int] = defaultdict(int)
        judged = responded = 0
        cutoff = end.isoformat()  # due days before the window's end
        for day in (first + timedelta(days=i) for i in range((end - first).days)):
            for code, n in self._by["new"].get(day, {}).items():
                categories[code] += n
            judged += sum(n for due, n in self._by["judged"].get(day, {}).items() if due < cutoff)
            responded += sum(
                n for due, n in self._by["responded"].get(day, {}).items() if due < cutoff)
        ended = {s: self._sum("ended", first, end, (s,)) for s in FINAL_STATUSES}
        resolved_closed = self._sum("resolved_closed", first, end)
        rated, satisfied = self._sum("rated", first, end), self._sum("satisfied", first, end)
        closed_total = ended[TicketStatus.CLOSED] + ended[TicketStatus.CLOSED_UNRESOLVED]
        rates = Rates(
            response=share(responded, judged),
            resolution=share(resolved_closed, closed_total),
            satisfaction=share(satisfied, rated),
            responded=responded,
            response_base=judged,
            resolved_closed=resolved_closed,
            closed_total=closed_total,
            satisfied=satisfied,
            rated=rated,
        )
        ranked = sorted(categories.items(), key=lambda cn: (-cn[1], cn[0]))
        return PeriodStats(
            start=local_midnight(self.config, first),
            end=local_midnight(self.config, end),
            new=sum(categories.values()),
            claimed=self._sum("claimed", first, end),
            resolved=self._sum("resolved", first, end),
            closed=ended[TicketStatus.CLOSED],
            closed_unresolved=ended[TicketStatus.CLOSED_UNRESOLVED],
            cancelled=ended[TicketStatus.CANCELLED],
            rates=rates,
            top_categories=[(c, n) for c, n in ranked if n][:TOP_CATEGORIES],
        )

    def by_volunteer(self, first: date, end: date) -> dict[int, tuple[int, int]]:
        """Telegram id -> (claims, resolves) they made in the local days [first, end) on this
        community's tickets; claims are accepts of an offer and claims from the group."""
        # Read apart from the other counters: one row per volunteer per day adds up over 30 days.
        claims: dict[int, int] = defaultdict(int)
        resolves: dict[int, int] = defaultdict(int)
        found = tallies_from(self.session, self.community, ("claims_by", "resolves_by"),
                             first, end)
        for (metric, _day, actor), n in found.items():
            (claims if metric == "claims_by" else resolves)[int(actor)] += n
        return {a: (claims[a], resolves[a]) for a in claims.keys() | resolves.keys()}

    def series(self, days: int, end: date, open_now: int) -> list[DayRow]:
        """One DayRow per local day in [end - days, end), oldest first.

        A day's backlog follows from the tickets open now (`open_now`, counted at the same
        moment as the tallies): those open at the end of day d were either open now and
        created by then, or created by then and ended after. So backlog(d) = open now −
        created after d + ended after d (every final status; a reopened ticket has lost its
        closed_at, so it counts as open on the days it was closed before the reopen).
        """
        dates = [end - timedelta(days=days - i) for i in range(days)]
        rows = []
        for day in dates:
            after = day + timedelta(days=1)
            rows.append(DayRow(
                day=day,
                new=self._sum("new", day, after),
                closed=self._sum("ended", day, after,
                                 (TicketStatus.CLOSED, TicketStatus.CLOSED_UNRESOLVED)),
                backlog=open_now - self._sum("new", after) + self._sum("ended", after),
            ))
        return rows
