"""The three rates of domain.md (响应率, 解决率, 满意率): what counts, as numbers.

How each is counted over a window is written on Rates; storage counts with SATISFIED_MIN
(storage/stats_queries.py, storage/tallies.py), the digest and /stats report Rates.
"""

from __future__ import annotations

from dataclasses import dataclass

# A rating of at least this many stars (of 1–5) is a satisfied resident: 满意率's numerator.
SATISFIED_MIN = 4


def is_satisfied(stars: int) -> bool:
    return stars >= SATISFIED_MIN


def share(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to judge."""
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Rates:
    """The three rates of domain.md for a window [start, end), each with its numerator and
    denominator so a coordinator sees "12/15". A rate is None when its denominator is 0.

    响应率 response = responded / response_base, over tickets *created* in [start, end):
      response_base: those whose accept time limit (accept_due_at) is before `end` (in the
        window or earlier) and at or before `now` (it has passed), minus those cancelled by
        the resident before that limit. A ticket whose limit has not passed yet, or falls
        after the window, is not judgeable here and left out, claimed or not: the rate is
        judged at the limits only, so early claims do not flatter it and a past window's
        rate does not change later.
      responded: those of the base with claimed_at at or before accept_due_at. A ticket
        still unclaimed, or claimed after its limit, is in the base but not responded.
        claimed_at is the latest claim: one released again (claimed_at cleared) does not count.
    解决率 resolution = resolved_closed / closed_total, over tickets with closed_at in
    [start, end):
      closed_total: status 'closed' or 'closed_unresolved' (cancelled is not a closure).
      resolved_closed: status 'closed' with no close_reason; closed-unresolved never counts.
    满意率 satisfaction = satisfied / rated, over tickets with closed_at in [start, end) and a
    rating (1–5): satisfied are ratings 4–5. Closures nobody rated are in neither number.
    """

    response: float | None  # 响应率, 0..1
    resolution: float | None  # 解决率, 0..1
    satisfaction: float | None  # 满意率, 0..1
    responded: int
    response_base: int
    resolved_closed: int
    closed_total: int
    satisfied: int
    rated: int
